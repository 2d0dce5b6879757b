// Watcher: one uv_fs_event per watched directory, a rescan after entries
// come and go, and a debounce timer.
#include "daemon/supervisor/watcher.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

#include "daemon/error_log.hpp"
#include "daemon/log.hpp"

namespace pm::sup {
namespace fs = std::filesystem;

bool watch_ignored(const std::string& root, const std::string& path, const std::vector<std::string>& ignore) {
    std::string_view rel;
    if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/') {
        rel = std::string_view(path).substr(root.size() + 1);
    }
    for (const auto& pat : ignore) {
        if (!pat.empty() && pat[0] == '/') {
            if (path == pat || (path.size() > pat.size() && path.compare(0, pat.size(), pat) == 0 &&
                                (pat.back() == '/' || path[pat.size()] == '/'))) {
                return true;
            }
            continue;
        }
        if (rel.empty()) {
            continue;
        }
        if (::fnmatch(pat.c_str(), std::string(rel).c_str(), 0) == 0) {
            return true;
        }
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
    }
    return false;
}

Watcher::Watcher(uv_loop_t* loop, WatchOptions opts, Fire fire)
    : m_loop(loop), m_opts(std::move(opts)), m_fire(std::move(fire)) {
    uv_timer_init(m_loop, m_timer.get());
    m_timer.initialised();
    m_timer.get()->data = this;
    scan();
}

Watcher::~Watcher() = default;  // handles close themselves; their callbacks see data == nullptr

json Watcher::stats_json() const {
    return json{{"dirs", m_dirs.size()},   {"events", m_events},       {"ignored", m_ignored},
                {"fires", m_fires},        {"truncated", m_truncated},
                {"last_change", m_last_fire.empty() ? json(nullptr) : json(m_last_fire)},
                {"error", m_error.empty() ? json(nullptr) : json(m_error)}};
}

void Watcher::add_dir(const std::string& root, const std::string& path, const std::string& only) {
    // Two watched files in one directory need a watch each (each filters its name).
    std::string key = only.empty() ? path : path + "//" + only;
    if (auto it = m_dirs.find(key); it != m_dirs.end()) {
        it->second->owner = this;  // seen in this scan
        return;
    }
    if (m_dirs.size() >= k_max_watch_dirs) {
        if (!m_truncated) {
            m_truncated = true;
            report_error(ErrorKind::watch, fmt::format("{}: more than {} directories; the rest are not watched",
                                                       root, k_max_watch_dirs));
        }
        return;
    }
    auto d = std::make_unique<Dir>();
    d->owner = this;
    d->root = root;
    d->path = path;
    d->only = only;
    uv_fs_event_init(m_loop, d->handle.get());
    d->handle.initialised();
    d->handle.get()->data = d.get();
    int rc = uv_fs_event_start(d->handle.get(), event_cb, path.c_str(), 0);
    if (rc != 0) {
        // ENOSPC: the user's inotify watch limit (fs.inotify.max_user_watches).
        std::string msg = fmt::format("unable to watch {}: {}", path, uv_strerror(rc));
        if (m_error != msg) {
            report_error(ErrorKind::watch, msg);
        }
        m_error = msg;
        return;
    }
    m_dirs.emplace(std::move(key), std::move(d));
}

void Watcher::scan() {
    for (auto& [path, d] : m_dirs) {
        d->owner = nullptr;  // unseen until this scan finds it again
    }
    std::string missing;
    for (const auto& root : m_opts.paths) {
        std::error_code ec;
        auto st = fs::status(root, ec);
        if (ec || !fs::exists(st)) {
            missing = root;
            continue;
        }
        if (!fs::is_directory(st)) {
            // A single file: watch its directory (editors replace files by
            // rename, which a watch on the file itself would lose).
            fs::path p(root);
            add_dir(root, p.parent_path().string(), p.filename().string());
            continue;
        }
        add_dir(root, root, "");
        auto opts = fs::directory_options::skip_permission_denied;
        for (auto it = fs::recursive_directory_iterator(root, opts, ec); !ec && it != fs::end(it);
             it.increment(ec)) {
            if (!it->is_directory(ec) || it->is_symlink(ec)) {
                continue;
            }
            std::string path = it->path().string();
            if (watch_ignored(root, path, m_opts.ignore)) {
                it.disable_recursion_pending();
                continue;
            }
            add_dir(root, path, "");
        }
    }
    std::erase_if(m_dirs, [](const auto& kv) { return kv.second->owner == nullptr; });
    if (!missing.empty()) {
        m_error = fmt::format("{} does not exist", missing);
    } else if (m_error.find("does not exist") != std::string::npos) {
        m_error.clear();
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
        m_rescan = true;
        return;
    }
    std::string name = filename != nullptr ? filename : "";
    if (!d.only.empty() && name != d.only) {
        return;  // another file in the directory of a watched file
    }
    std::string path = name.empty() ? d.path : d.path + "/" + name;
    ++m_events;
    if (watch_ignored(d.root, path, m_opts.ignore)) {
        ++m_ignored;
        return;
    }
    if (events & UV_RENAME) {
        m_rescan = true;  // created, removed or moved: the set of directories may differ
    }
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
    auto* self = static_cast<Watcher*>(t->data);
    if (self == nullptr) {
        return;
    }
    if (self->m_rescan) {
        self->m_rescan = false;
        self->scan();
    }
    ++self->m_fires;
    self->m_last_fire = self->m_first_path;
    std::string path = std::move(self->m_first_path);
    std::size_t events = std::exchange(self->m_burst_events, 0);
    PM_LOG(info, "watch: {} changed ({} events)", path, events);
    self->m_fire(path, events);  // last: it may restart processes
}

}  // namespace pm::sup
