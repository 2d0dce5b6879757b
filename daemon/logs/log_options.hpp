// LogOptions: how one process's logs are kept (ring size, files, rotation,
// date prefix). Plain data, shared by the spec and the log hub; no libuv.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/date_format.hpp"
#include "daemon/logs/log_file.hpp"

namespace pm::logs {

struct LogOptions {
    std::size_t ring_bytes = 256 * 1024;
    LogFileOptions file;
    bool merge = false;  // all instances share <name>-out.log / <name>-err.log
    // Files of the user's choosing (PM2's out_file/error_file), absolute;
    // empty: <logs>/<name>-out.log. With several instances and no merge,
    // instance i writes <stem>-i<ext>. A non-regular file (/dev/null) is
    // used as it is and never rotated.
    std::string out_path;
    std::string err_path;
    // PM2's log_file: both streams' lines also go to this one file, in the
    // order they are read (empty: none). Named per instance like out_path.
    std::string all_path;
    // PM2's log_date_format / --time, parsed with the spec: each file line
    // starts "<date>: ". Unset: lines are written exactly as the child wrote them.
    std::optional<DateFormat> date_format;
};

}  // namespace pm::logs
