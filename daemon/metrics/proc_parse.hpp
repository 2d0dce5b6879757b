// Parsers for /proc/<pid>/stat text (pure; tested against captured
// fixtures), and the one read of that file that the sampler and the
// crash-recovery sweep share.
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
    std::uint64_t cutime = 0;     // clock ticks of waited-for children (user)
    std::uint64_t cstime = 0;     // clock ticks of waited-for children (system)
    std::int64_t threads = 0;
    std::uint64_t starttime = 0;  // clock ticks after boot: identity with pid
    std::uint64_t vsize = 0;      // virtual memory, bytes
    std::int64_t rss_pages = 0;
};

// Parses one stat line; the command name may contain spaces and ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// Reads /proc/<pid>/stat with one read(2) and parses it; nullopt when the
// process is gone (or the text does not parse).
std::optional<ProcStat> read_proc_stat(int pid);

}  // namespace pm::metrics
