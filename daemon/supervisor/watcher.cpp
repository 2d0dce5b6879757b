// Watcher: one uv_fs_event per watched directory, a rescan after entries
// come and go, a debounce timer, and a retry timer for missing watch paths.
#include "daemon/supervisor/watcher.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

#include "daemon/error_log.hpp"
#include "daemon/log.hpp"

namespace pm::sup {
namespace fs = std::filesystem;
namespace {

std::string join(const std::string& dir, const std::string& name) {
    return dir == "/" ? dir + name : dir + "/" + name;
}

// Two watched files in one directory need a watch each (each filters its name).
std::string key_of(const std::string& path, const std::string& only) {
    return only.empty() ? path : path + "//" + only;
}

bool same_dir(const std::string& path, dev_t dev, ino_t ino) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == dev && st.st_ino == ino;
}

bool component_matches(const std::string& pat, std::string_view rel) {
    std::size_t start = 0;
    while (start <= rel.size()) {
        std::size_t slash = rel.find('/', start);
        std::string comp(rel.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (!comp.empty() && ::fnmatch(pat.c_str(), comp.c_str(), 0) == 0) {
            return true;
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return false;
}

}  // namespace

std::string normal_watch_path(const std::string& p) {
    std::string n = fs::path(p).lexically_normal().string();
    while (n.size() > 1 && n.back() == '/') {
        n.pop_back();
    }
    return n;
}

std::vector<std::string> normal_ignore(const std::vector<std::string>& patterns) {
    std::vector<std::string> out;
    out.reserve(patterns.size());
    for (const auto& pat : patterns) {
        if (!pat.empty() && pat[0] == '/') {
            out.push_back(normal_watch_path(pat));
            continue;
        }
        std::string_view v(pat);
        while (v.substr(0, 2) == "./") {
            v.remove_prefix(2);
        }
        while (!v.empty() && v.back() == '/') {
            v.remove_suffix(1);
        }
        if (!v.empty()) {
            out.emplace_back(v);  // "." or "./" alone would match nothing anyway
        }
    }
    return out;
}

bool watch_ignored(const std::string& root, const std::string& path, const std::vector<std::string>& ignore) {
    std::string_view rel;
    std::size_t skip = root == "/" ? 1 : root.size() + 1;
    if (path.size() > skip && path.compare(0, skip - 1, root, 0, skip - 1) == 0 && path[skip - 1] == '/') {
        rel = std::string_view(path).substr(skip);
    }
    for (const auto& pat : ignore) {
        if (!pat.empty() && pat[0] == '/') {
            if (pat.find_first_of("*?[") != std::string::npos) {  // an absolute glob: the whole path
                if (::fnmatch(pat.c_str(), path.c_str(), 0) == 0) {
                    return true;
                }
                continue;
            }
            if (path == pat || (path.size() > pat.size() && path.compare(0, pat.size(), pat) == 0 &&
                                (pat.back() == '/' || path[pat.size()] == '/'))) {
                return true;
            }
            continue;
        }
        if (rel.empty()) {
            continue;
        }
        if (::fnmatch(pat.c_str(), std::string(rel).c_str(), 0) == 0 || component_matches(pat, rel)) {
            return true;
        }
    }
    return false;
}

Watcher::Watcher(uv_loop_t* loop, WatchOptions opts, Fire fire)
    : m_loop(loop), m_opts(std::move(opts)), m_ignore(normal_ignore(m_opts.ignore)), m_fire(std::move(fire)) {
    for (const auto& p : m_opts.paths) {
        m_roots.push_back(normal_watch_path(p));
    }
    uv::init_timer(m_loop, m_timer, this);
    uv::init_timer(m_loop, m_retry, this);
    scan();
}

Watcher::~Watcher() = default;  // handles close themselves; their callbacks see data == nullptr

json Watcher::stats_json() const {
    return json{{"dirs", m_dirs.size()},   {"events", m_events},       {"ignored", m_ignored},
                {"fires", m_fires},        {"truncated", m_truncated},
                {"last_change", m_last_fire.empty() ? json(nullptr) : json(m_last_fire)},
                {"error", m_error.empty() ? json(nullptr) : json(m_error)}};
}

Watcher::Add Watcher::add_dir(const std::string& root, const std::string& path, const std::string& only) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return Add::failed;  // gone since it was listed
    }
    if (auto it = m_dirs.find(key_of(path, only)); it != m_dirs.end()) {
        Dir& d = *it->second;
        if (!d.suspect && d.dev == st.st_dev && d.ino == st.st_ino) {
            d.seen = true;
            return Add::ok;
        }
        m_dirs.erase(it);  // deleted or moved away, and re-created: the watch went with the old inode
    }
    if (m_dirs.size() >= m_opts.max_dirs && !m_purged) {
        m_purged = true;
        drop_unseen(true);  // entries of deleted directories must not hold the room
    }
    if (m_dirs.size() >= m_opts.max_dirs) {
        if (!m_truncated) {
            m_truncated = true;  // until a scan fits (finish_scan)
            report_error(ErrorKind::watch, fmt::format("{}: more than {} directories; the rest are not watched",
                                                       root, m_opts.max_dirs));
        }
        return Add::full;
    }
    return start_dir(root, path, only, st);
}

Watcher::Add Watcher::start_dir(const std::string& root, const std::string& path, const std::string& only,
                                const struct stat& st) {
    auto d = std::make_unique<Dir>();
    d->owner = this;
    d->root = root;
    d->path = path;
    d->only = only;
    d->dev = st.st_dev;
    d->ino = st.st_ino;
    d->seen = true;
    uv_fs_event_init(m_loop, d->handle.get());
    d->handle.initialised();
    d->handle.get()->data = d.get();
    int rc = uv_fs_event_start(d->handle.get(), event_cb, path.c_str(), 0);
    if (rc != 0) {
        // ENOSPC: the user's inotify watch limit (fs.inotify.max_user_watches).
        if (m_start_error.empty()) {
            m_start_error = fmt::format("unable to watch {}: {}", path, uv_strerror(rc));
        }
        return Add::failed;  // not kept, so the next scan tries again
    }
    m_dirs.emplace(key_of(path, only), std::move(d));
    return Add::ok;
}

// Breadth first, so that when the cap cuts the walk short the top of the
// tree is what stays watched. One directory open at a time, errors skip
// that directory only (one may vanish mid-walk), symlinks are not followed.
// Blocks the loop: a readdir per directory, at most k_max_watch_dirs per app.
bool Watcher::walk(const std::string& root) {
    std::vector<std::string> queue{root};
    for (std::size_t next = 0; next < queue.size(); ++next) {
        std::string dir = std::move(queue[next]);
        Add added = add_dir(root, dir, "");
        if (added == Add::full) {
            return false;
        }
        std::error_code ec;
        fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
        for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
            std::error_code type_ec;
            if (!fs::is_directory(it->symlink_status(type_ec))) {
                continue;
            }
            std::string path = it->path().string();
            if (!watch_ignored(root, path, m_ignore)) {
                queue.push_back(std::move(path));
            }
        }
    }
    return true;
}

// Drops entries this scan has not (yet) seen; with `keep_existing`, only
// those whose directory is gone: after a walk cut short by the cap, an
// unseen directory may just be one the walk did not reach.
void Watcher::drop_unseen(bool keep_existing) {
    std::erase_if(m_dirs, [keep_existing](const auto& kv) {
        const Dir& d = *kv.second;
        return !d.seen && (!keep_existing || !same_dir(d.path, d.dev, d.ino));
    });
}

std::vector<std::string> Watcher::scan() {
    for (auto& [key, d] : m_dirs) {
        d->seen = false;
    }
    m_purged = false;
    m_start_error.clear();
    std::vector<std::string> missing;
    bool capped = false;
    for (const auto& root : m_roots) {
        struct stat st {};
        fs::path p(root);
        if (::stat(root.c_str(), &st) != 0) {
            // Watched through its parent, filtered by name, so that its return
            // is seen at once; the retry timer covers a missing parent too.
            missing.push_back(root);
            if (root != "/") {
                add_dir(root, p.parent_path().string(), p.filename().string());
            }
        } else if (!S_ISDIR(st.st_mode)) {
            // A single file: watch its directory (editors replace files by
            // rename, which a watch on the file itself would lose).
            capped = add_dir(root, p.parent_path().string(), p.filename().string()) == Add::full || capped;
        } else if (!capped) {
            capped = !walk(root);
        }
    }
    drop_unseen(capped);
    std::vector<std::string> back;
    for (const auto& root : m_missing) {
        if (std::find(missing.begin(), missing.end(), root) == missing.end()) {
            back.push_back(root);
        }
    }
    finish_scan(std::move(missing), capped);
    return back;
}

// Updates what the stats report and whether the retry timer runs: the
// error and the truncation stay only as long as their cause does.
void Watcher::finish_scan(std::vector<std::string> missing, bool capped) {
    m_truncated = capped;
    m_missing = std::move(missing);
    std::string error = !m_start_error.empty() ? m_start_error
                        : !m_missing.empty()   ? fmt::format("{} does not exist", m_missing.front())
                                               : std::string();
    if (!m_start_error.empty() && error != m_error) {
        report_error(ErrorKind::watch, error);
    }
    m_error = std::move(error);
    if (m_missing.empty()) {
        uv_timer_stop(m_retry.get());
    } else if (uv_is_active(m_retry.handle()) == 0) {
        uv_timer_start(m_retry.get(), retry_cb, k_watch_retry_ms, k_watch_retry_ms);
    }
}

void Watcher::event_cb(uv_fs_event_t* h, const char* filename, int events, int status) noexcept {
    auto* d = static_cast<Dir*>(h->data);
    if (d == nullptr || d->owner == nullptr) {
        return;
    }
    d->owner->on_event(*d, filename, events, status);
}

void Watcher::on_event(Dir& d, const char* filename, int events, int status) {
    if (status != 0) {
        m_rescan = true;  // the watch may be broken: rescan, but do not restart the app for it
        if (m_burst_events == 0) {
            uv_timer_start(m_timer.get(), timer_cb, static_cast<std::uint64_t>(m_opts.delay_ms), 0);
        }
        return;
    }
    std::string name = filename != nullptr ? filename : "";
    if ((events & UV_RENAME) != 0 && name == fs::path(d.path).filename().string()) {
        d.suspect = true;  // libuv names a directory's own deletion by its basename
    }
    if (!d.only.empty() && name != d.only) {
        return;  // another file in the directory of a watched file
    }
    std::string path = name.empty() ? d.path : join(d.path, name);
    ++m_events;
    if (watch_ignored(d.root, path, m_ignore)) {
        ++m_ignored;
        return;
    }
    if (events & UV_RENAME) {
        m_rescan = true;  // created, removed or moved: the set of directories may differ
    }
    note_change(path);
}

void Watcher::note_change(const std::string& path) {
    std::uint64_t now = uv_now(m_loop);
    if (m_burst_events++ == 0) {
        m_burst_start = now;
        m_first_path = path;
    }
    auto delay = static_cast<std::uint64_t>(m_opts.delay_ms);
    std::uint64_t cap = m_burst_start + std::max<std::uint64_t>(delay, k_max_burst_ms);
    uv_timer_start(m_timer.get(), timer_cb, std::min(delay, cap > now ? cap - now : 0), 0);
}

void Watcher::timer_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<Watcher*>(t->data)) {
        self->on_debounce();
    }
}

void Watcher::on_debounce() {
    std::vector<std::string> back;
    if (m_rescan) {
        m_rescan = false;
        back = scan();
    }
    if (m_burst_events == 0) {
        // A rescan after a watch error: only a watch path that came back is a change.
        for (const auto& root : back) {
            note_change(root);
        }
        return;
    }
    ++m_fires;
    m_last_fire = m_first_path;
    std::string path = std::move(m_first_path);
    std::size_t events = std::exchange(m_burst_events, 0);
    PM_LOG(info, "watch: {} changed ({} events)", path, events);
    m_fire(path, events);  // last: it may restart processes
}

void Watcher::retry_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<Watcher*>(t->data)) {
        self->on_retry();
    }
}

// Only the missing roots are checked: a full rescan every second would walk
// big trees for nothing. One that is back is a change (the app restarts).
void Watcher::on_retry() {
    bool any_back = std::any_of(m_missing.begin(), m_missing.end(), [](const std::string& root) {
        struct stat st {};
        return ::stat(root.c_str(), &st) == 0;
    });
    if (!any_back) {
        return;
    }
    for (const auto& root : scan()) {
        note_change(root);
    }
}

}  // namespace pm::sup
