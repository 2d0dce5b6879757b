// Live groups: the process groups pmd has running, kept in $PM_HOME/pmd.live
// so that the pmd started after a SIGKILL, OOM kill or crash of the previous
// one can stop that one's orphaned children before anything else. Without
// it, `pmd --resurrect` would run every service twice (PM2 #2530), and the
// orphans would die of SIGPIPE on their next write, unnoticed.
//
// One "pgid starttime" line per running leader. The starttime (from
// /proc/<pid>/stat) proves that a pid still names the same process.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/uv/handle.hpp"

namespace pm::store {

inline constexpr std::size_t k_max_live_groups = 1 << 20;  // lines read back

struct LiveGroup {
    int pgid = 0;
    std::uint64_t starttime = 0;
    bool operator==(const LiveGroup&) const = default;
};

// This boot's id (/proc/sys/kernel/random/boot_id).
std::string boot_id();
// A "boot <id>" line, then the groups. parse_live ignores a file from another
// boot; lines that do not parse are skipped.
std::string format_live(const std::vector<LiveGroup>& groups);
std::vector<LiveGroup> parse_live(std::string_view text);

// The starttime of a live (or zombie) process, 0 when it is gone.
std::uint64_t process_starttime(int pid);

// For each recorded group whose leader still runs with the recorded
// starttime: SIGTERM and SIGCONT to the group, then SIGKILL to those still
// there after `grace_ms`. Removes the file. Returns how many groups it found.
// Blocking (polls /proc): runs once at start-up, before the socket exists.
std::size_t stop_leftover_groups(const std::string& path, std::int64_t grace_ms);

// Rewrites the file (temp file + rename) at most once per loop iteration
// after mark_dirty(); `pids` lists the leaders running now.
class LiveFile {
public:
    LiveFile(uv_loop_t* loop, std::string path, std::function<std::vector<int>()> pids);
    void mark_dirty();
    void write_now();
    // Clean shutdown: nothing runs any more.
    void remove();

private:
    static void timer_cb(uv_timer_t* t) noexcept;

    std::string m_path;
    std::function<std::vector<int>()> m_pids;
    uv::Handle<uv_timer_t> m_timer;
    std::uint64_t m_writes = 0;
    std::unordered_map<int, std::uint64_t> m_starttimes;  // pid -> starttime, running leaders only
};

}  // namespace pm::store
