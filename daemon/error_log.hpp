// The daemon's recent errors (spawn failures, log write failures, rejected
// clients, memory restarts, internal errors): a bounded ring plus counts by
// kind, for `pm errors`. Process-wide like pmd.log itself; loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/protocol.hpp"

namespace pm {

enum class ErrorKind { spawn_failed, log_write, client_rejected, memory_limit, gave_up, watch, internal };
inline constexpr int k_error_kinds = 7;
std::string_view to_string(ErrorKind k);

// Records an error and writes it to pmd.log at warn level.
void report_error(ErrorKind kind, std::string_view message);
// {"counts":{kind:n,...},"recent":[{ts,kind,message},...],"capacity":n}
json errors_json();
std::size_t error_log_bytes();

}  // namespace pm
