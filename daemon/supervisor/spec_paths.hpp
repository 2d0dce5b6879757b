// The spec fields that name files and directories: watch paths and ignores,
// and the user's log files. Checked against the filesystem on a client's start.
#pragma once

#include "common/protocol.hpp"
#include "common/result.hpp"
#include "daemon/supervisor/process_spec.hpp"

namespace pm::sup {

// "watch" and "watch_ignore" into spec.watch / spec.watch_ignore.
Result<void> parse_watch_paths(const json& args, ProcessSpec& spec, const SpecOptions& opts);
// "out_file" and "err_file" into spec.logs.out_path / err_path.
Result<void> parse_log_paths(const json& args, ProcessSpec& spec, const SpecOptions& opts);

}  // namespace pm::sup
