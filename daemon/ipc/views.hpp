// JSON views shared by several commands and streams (list, start, stop,
// monitor frames): one place that decides what an instance looks like.
#pragma once

#include "common/protocol.hpp"
#include "daemon/ipc/context.hpp"

namespace pm::sup {
class Instance;
}

namespace pm::ipc {

// An instance with its latest metrics (cpu %, memory bytes; null when not sampled).
json instance_json(const Services& svc, const sup::Instance& inst);

}  // namespace pm::ipc
