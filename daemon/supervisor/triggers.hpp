// Triggers: what restarts an app without a command: its Watcher (watch mode)
// and its CronTimer (cron_restart). One of each per app whose spec asks for
// it, kept in step with the spec; they only ask for a restart by name.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/supervisor/cron_timer.hpp"
#include "daemon/supervisor/instance.hpp"
#include "daemon/supervisor/watcher.hpp"

namespace pm::sup {

// The ignore patterns every watcher gets besides the app's own: .git,
// node_modules, and PM_HOME under both its names (logs written there must
// not restart the app that wrote them).
std::vector<std::string> default_watch_ignore(const std::string& home);

class Triggers {
public:
    using RestartFn = std::function<void(const std::string& app, RestartReason reason, std::string_view why)>;

    Triggers(uv_loop_t* loop, RestartFn restart);

    void set_watch_ignore(std::vector<std::string> patterns) { m_watch_ignore = std::move(patterns); }
    // Creates, replaces, keeps or drops the app's watcher and cron timer to
    // match its (new) spec.
    void sync(std::shared_ptr<const ProcessSpec> spec);
    // The app is gone: its watcher and timer go with it.
    void forget(const std::string& name) { m_apps.erase(name); }
    // Closes every watcher and cron timer for good (shutdown).
    void stop_all();
    const Watcher* watcher(const std::string& name) const;
    std::size_t memory_bytes() const;

private:
    struct AppTriggers {
        std::shared_ptr<const ProcessSpec> spec;
        std::unique_ptr<Watcher> watcher;  // when the spec asks for watch mode
        std::unique_ptr<CronTimer> cron;   // when the spec has cron_restart
    };

    void sync_watcher(AppTriggers& app);
    void sync_cron(AppTriggers& app);
    void restart_app(const std::string& name, RestartReason reason, std::string_view why);

    uv_loop_t* m_loop;
    RestartFn m_restart;
    std::map<std::string, AppTriggers, std::less<>> m_apps;
    std::vector<std::string> m_watch_ignore;
    bool m_watch_stopped = false;
};

}  // namespace pm::sup
