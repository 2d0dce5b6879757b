// Parsers for /proc/<pid>/stat text. Pure; tested against captured fixtures.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pm::metrics {

struct ProcStat {
    int pid = 0;
    char state = '?';
    int ppid = 0;
    int pgrp = 0;
    std::uint64_t utime = 0;      // clock ticks
    std::uint64_t stime = 0;      // clock ticks
    std::int64_t threads = 0;
    std::uint64_t starttime = 0;  // clock ticks after boot: identity with pid
    std::int64_t rss_pages = 0;
};

// Parses one stat line; the command name may contain spaces and ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

}  // namespace pm::metrics
