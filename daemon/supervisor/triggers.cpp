// Triggers: watcher options (the app's own log files ignored) and cron
// timers, per app.
#include "daemon/supervisor/triggers.hpp"

#include <stdlib.h>

#include <cstdlib>

namespace pm::sup {
namespace {

// `text` as an fnmatch pattern that matches only itself.
std::string glob_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace

std::vector<std::string> default_watch_ignore(const std::string& home) {
    std::vector<std::string> ignore{".git", "node_modules", home};
    if (char* real = ::realpath(home.c_str(), nullptr)) {
        ignore.emplace_back(real);
        std::free(real);
    }
    return ignore;
}

Triggers::Triggers(uv_loop_t* loop, RestartFn restart) : m_loop(loop), m_restart(std::move(restart)) {}

void Triggers::sync(std::shared_ptr<const ProcessSpec> spec) {
    AppTriggers& app = m_apps[spec->name()];
    app.spec = std::move(spec);
    sync_watcher(app);
    sync_cron(app);
}

void Triggers::stop_all() {
    m_watch_stopped = true;
    for (auto& [name, app] : m_apps) {
        app.watcher.reset();
        app.cron.reset();
    }
}

const Watcher* Triggers::watcher(const std::string& name) const {
    auto it = m_apps.find(name);
    return it == m_apps.end() ? nullptr : it->second.watcher.get();
}

std::size_t Triggers::memory_bytes() const {
    std::size_t n = 0;
    for (const auto& [name, app] : m_apps) {
        if (app.watcher) {
            n += sizeof(Watcher) + app.watcher->dir_count() * (sizeof(uv_fs_event_t) + 128);
        }
    }
    return n;
}

void Triggers::sync_watcher(AppTriggers& app) {
    const ProcessSpec& s = *app.spec;
    if (s.options.watch.empty() || m_watch_stopped) {
        app.watcher.reset();
        return;
    }
    WatchOptions opts{s.options.watch, m_watch_ignore, s.options.watch_delay_ms};
    opts.ignore.insert(opts.ignore.end(), s.options.watch_ignore.begin(), s.options.watch_ignore.end());
    // The app's own log files (out_file/err_file) and their rotations: a line
    // written there must not restart it, which would write a line, ...
    for (const std::string* log : {&s.logs.out_path, &s.logs.err_path, &s.logs.all_path}) {
        if (!log->empty()) {
            opts.ignore.push_back(*log);
            opts.ignore.push_back(glob_escape(*log) + ".*");
        }
    }
    if (app.watcher && app.watcher->options() == opts) {
        return;
    }
    app.watcher = std::make_unique<Watcher>(m_loop, std::move(opts),
                                            [this, name = s.name()](const std::string& path, std::size_t) {
                                                restart_app(name, RestartReason::watch, path + " changed");
                                            });
}

void Triggers::sync_cron(AppTriggers& app) {
    const ProcessSpec& s = *app.spec;
    const auto& cron = s.options.cron_restart;  // parsed with the spec
    if (!cron || m_watch_stopped) {
        app.cron.reset();
        return;
    }
    if (app.cron && app.cron->expr() == cron->text) {
        return;
    }
    app.cron = std::make_unique<CronTimer>(m_loop, cron->text, cron->schedule, [this, name = s.name()] {
        restart_app(name, RestartReason::cron, "cron_restart");
    });
}

void Triggers::restart_app(const std::string& name, RestartReason reason, std::string_view why) {
    m_restart(name, reason, why);
}

}  // namespace pm::sup
