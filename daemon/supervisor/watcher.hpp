// Watcher: restarts an app when files under its watch paths change.
// libuv has no recursive fs events on Linux (inotify watches one directory),
// so the Watcher keeps one uv_fs_event per directory of each watched tree,
// bounded by k_max_watch_dirs, and rescans the tree after entries are created
// or removed. Changes are debounced: a burst of events fires once, `delay_ms`
// after the last event, and at most k_max_burst_ms after the first.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/protocol.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::sup {

inline constexpr std::size_t k_max_watch_dirs = 4096;  // per app; inotify watches are a shared resource
inline constexpr std::int64_t k_max_burst_ms = 2000;   // a steady stream of changes still fires

struct WatchOptions {
    std::vector<std::string> paths;   // absolute directories or files
    std::vector<std::string> ignore;  // fnmatch patterns on path components, or absolute prefixes
    std::int64_t delay_ms = 200;
    bool operator==(const WatchOptions&) const = default;
};

// True when `path` (absolute) is ignored: a component of it below `root`
// matches a pattern, the whole relative path matches, or it lies under an
// absolute pattern. Pure, for tests.
bool watch_ignored(const std::string& root, const std::string& path, const std::vector<std::string>& ignore);

class Watcher {
public:
    // `fire` gets the first changed path of the burst and the burst's event count.
    using Fire = std::function<void(const std::string& path, std::size_t events)>;

    Watcher(uv_loop_t* loop, WatchOptions opts, Fire fire);
    ~Watcher();
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

    const WatchOptions& options() const { return m_opts; }
    std::size_t dir_count() const { return m_dirs.size(); }
    // {"dirs", "events", "ignored", "fires", "last_change", "truncated", "error"}
    json stats_json() const;

private:
    struct Dir {
        Watcher* owner = nullptr;
        std::string root;  // the watch path it belongs to
        std::string path;
        std::string only;  // when watching a file: the one name that counts
        uv::Handle<uv_fs_event_t> handle;
    };

    void scan();
    void add_dir(const std::string& root, const std::string& path, const std::string& only);
    void on_event(Dir& d, const char* filename, int events, int status);
    static void event_cb(uv_fs_event_t* h, const char* filename, int events, int status) noexcept;
    static void timer_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    WatchOptions m_opts;
    Fire m_fire;
    std::map<std::string, std::unique_ptr<Dir>> m_dirs;  // by path (+ file name); at most k_max_watch_dirs
    uv::Handle<uv_timer_t> m_timer;
    bool m_rescan = false;
    bool m_truncated = false;
    std::string m_error;
    std::string m_first_path;  // of the current burst
    std::string m_last_fire;   // first path of the last burst that fired
    std::size_t m_burst_events = 0;
    std::uint64_t m_burst_start = 0;
    std::uint64_t m_events = 0;
    std::uint64_t m_ignored = 0;
    std::uint64_t m_fires = 0;
};

}  // namespace pm::sup
