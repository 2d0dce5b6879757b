// Watcher: restarts an app when files under its watch paths change.
// libuv has no recursive fs events on Linux (inotify watches one directory),
// so the Watcher keeps one uv_fs_event per directory of each watched tree,
// bounded by k_max_watch_dirs, and rescans the tree after entries are created
// or removed. Changes are debounced: a burst of events fires once, `delay_ms`
// after the last event, and at most k_max_burst_ms after the first. A missing
// watch path is watched through its parent and retried every k_watch_retry_ms.
#pragma once

#include <sys/stat.h>
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
inline constexpr std::uint64_t k_watch_retry_ms = 1000;  // how soon a missing watch path is noticed back

struct WatchOptions {
    std::vector<std::string> paths;   // absolute directories or files
    std::vector<std::string> ignore;  // fnmatch patterns on path components, or absolute prefixes
    std::int64_t delay_ms = 200;
    std::size_t max_dirs = k_max_watch_dirs;  // lower only in tests
    bool operator==(const WatchOptions&) const = default;
};

// `p` made lexically normal ("." and ".." resolved, no doubled or trailing
// '/', but "/" stays), so watched paths and absolute ignores compare as
// prefixes. Pure; used by spec parsing and by the Watcher.
std::string normal_watch_path(const std::string& p);
// Ignore patterns in the form watch_ignored expects: absolute ones through
// normal_watch_path, relative ones without a leading "./" or trailing '/'
// ("./logs" and "logs/" mean the logs directory). Pure.
std::vector<std::string> normal_ignore(const std::vector<std::string>& patterns);

// True when `path` (absolute) is ignored: a component of it below `root`
// matches a pattern, the whole relative path matches, or it lies under an
// absolute pattern. Patterns as normal_ignore returns them. Pure, for tests.
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
        std::string only;  // when watching a file (or a missing path): the one name that counts
        // Identity of `path`: a directory moved away or deleted and then
        // re-created under the same name keeps a watch on the old inode (or
        // a dead one). ext4 may hand the old inode number straight back, so
        // an event that may be the directory's own deletion marks it suspect.
        dev_t dev = 0;
        ino_t ino = 0;
        bool seen = false;     // found by the current scan
        bool suspect = false;  // re-created by the next scan
        uv::Handle<uv_fs_event_t> handle;
    };
    enum class Add { ok, failed, full };

    std::vector<std::string> scan();  // returns the roots that were missing and are back
    bool walk(const std::string& root);  // false: stopped at the cap
    Add add_dir(const std::string& root, const std::string& path, const std::string& only);
    Add start_dir(const std::string& root, const std::string& path, const std::string& only, const struct stat& st);
    void drop_unseen(bool keep_existing);
    void finish_scan(std::vector<std::string> missing, bool capped);
    void note_change(const std::string& path);
    void on_event(Dir& d, const char* filename, int events, int status);
    void on_debounce();
    void on_retry();
    static void event_cb(uv_fs_event_t* h, const char* filename, int events, int status) noexcept;
    static void timer_cb(uv_timer_t* t) noexcept;
    static void retry_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    WatchOptions m_opts;  // as given, so owners can compare options
    std::vector<std::string> m_roots;   // m_opts.paths, normalised
    std::vector<std::string> m_ignore;  // m_opts.ignore, normalised
    Fire m_fire;
    std::map<std::string, std::unique_ptr<Dir>> m_dirs;  // by path (+ file name); at most max_dirs
    uv::Handle<uv_timer_t> m_timer;  // debounce
    uv::Handle<uv_timer_t> m_retry;  // runs while a root is missing
    std::vector<std::string> m_missing;  // roots missing at the last scan
    bool m_rescan = false;
    bool m_purged = false;  // this scan already dropped dead entries to make room
    bool m_truncated = false;
    std::string m_start_error;  // of this scan: a uv_fs_event_start that failed
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
