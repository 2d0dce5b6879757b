// Operations shared by several commands: starting an app from start
// arguments (start, resurrect, pmd --resurrect) and the saved-list format.
#pragma once

#include <vector>

#include "common/protocol.hpp"
#include "daemon/ipc/context.hpp"

namespace pm::sup {
class Instance;
}

namespace pm::ipc {

// Starts (or, with start_now false, only registers) the app described by
// start arguments. Idempotent: an app already running with the same spec is
// left alone and the reply says "already_running".
Result<json> start_app(Services& svc, const json& args, bool start_now = true);

// restart/reload --update-env: the apps of `instances` take the "env_base"
// of `change` (restart/reload arguments) as their new base environment and
// its "env" as their new explicit variables (an ecosystem file's env,
// re-read); the explicit ones still win. Neither given (or null): nothing
// changes. Takes effect at their next spawn. Fails, changing nothing, on a
// bad environment.
Result<void> update_env(Services& svc, const std::vector<sup::Instance*>& instances, const json& change);

// The saved process list: {"version":1,"saved_at":ms,"apps":[args + "running"]}.
json dump_json(Services& svc);
// Starts every app of a saved list; apps whose name exists are skipped.
json restore_apps(Services& svc, const json& dump);

}  // namespace pm::ipc
