// Operations shared by several commands: starting an app from start
// arguments (start, resurrect, pmd --resurrect) and the saved-list format.
#pragma once

#include "common/protocol.hpp"
#include "daemon/ipc/context.hpp"

namespace pm::ipc {

// Starts (or, with start_now false, only registers) the app described by
// start arguments. Idempotent: an app already running with the same spec is
// left alone and the reply says "already_running".
Result<json> start_app(Services& svc, const json& args, bool start_now = true);

// The saved process list: {"version":1,"saved_at":ms,"apps":[args + "running"]}.
json dump_json(Services& svc);
// Starts every app of a saved list; apps whose name exists are skipped.
json restore_apps(Services& svc, const json& dump);

}  // namespace pm::ipc
