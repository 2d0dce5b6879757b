// The start options that name files and directories: watch paths and the
// user's log files, made absolute and checked against the file system on a
// client's start (parse_start_args has checked their shape).
#pragma once

#include "common/result.hpp"
#include "common/start_options.hpp"
#include "daemon/supervisor/process_spec.hpp"

namespace pm::sup {

// a.watch: absolute and normal, relative to a.cwd ("." is the cwd itself).
// Blocks the loop: a stat per path, on a client's start only.
Result<void> resolve_watch_paths(StartArgs& a, const SpecOptions& opts);
// a.out_file and a.err_file: the same, and safe for pmd to rotate.
// Blocks the loop: a stat per path, on a client's start only.
Result<void> resolve_log_paths(StartArgs& a, const SpecOptions& opts);
// Makes the missing directories of the spec's log files (mode 0755).
// Blocks the loop: a stat and mkdir per level, on a client's start only.
Result<void> create_log_dirs(const ProcessSpec& spec);

}  // namespace pm::sup
