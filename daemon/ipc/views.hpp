// Helpers shared by several commands and streams (list, start, stop,
// monitor frames): what an instance looks like, and selector resolution.
#pragma once

#include <string>
#include <vector>

#include "common/protocol.hpp"
#include "common/selector.hpp"
#include "daemon/ipc/context.hpp"

namespace pm::sup {
class Instance;
}

namespace pm::ipc {

// An instance with its latest metrics (cpu %, memory bytes; null when not sampled).
json instance_json(const Services& svc, const sup::Instance& inst);
// The result of `list` (what `pm list --json` prints): {"processes":[...]},
// every instance in id order. Also the SSE `hello` event's data.
json process_list_json(Services& svc);

// Why an instance is not (or no longer) running, for error messages:
// "web:1 is backoff (exit code 3): <last error>".
std::string describe_not_running(const sup::Instance& inst);

// The request's "selector" argument, parsed; `fallback` when it is absent
// (without a fallback the argument is required).
Result<Selector> selector_arg(const json& args, const char* fallback = nullptr);
// The instances named by the request's required "selector" argument.
Result<std::vector<sup::Instance*>> resolve_selector(const Services& svc, const json& args);

}  // namespace pm::ipc
