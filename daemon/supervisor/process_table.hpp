// ProcessTable: apps by name, instances by id, selectors -> instances, and
// waiters that complete when instances reach a condition (stop replies,
// restart replies). Bounded: instances and waiters have limits.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/selector.hpp"
#include "daemon/supervisor/instance.hpp"
#include "daemon/supervisor/cron_timer.hpp"
#include "daemon/supervisor/watcher.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::sup {

struct App {
    std::shared_ptr<const ProcessSpec> spec;
    std::vector<std::unique_ptr<Instance>> instances;
    std::unique_ptr<Watcher> watcher;  // when the spec asks for watch mode
    std::unique_ptr<CronTimer> cron;   // when the spec has cron_restart
};

struct TableLimits {
    std::size_t max_instances = 4096;
    std::size_t max_waiters = 1024;
};

class ProcessTable {
public:
    using Pred = std::function<bool(const Instance&)>;
    using Done = std::function<void()>;

    ProcessTable(uv_loop_t* loop, logs::LogHub& hub, TableLimits limits);
    ~ProcessTable();

    // Ignore patterns every watcher gets besides the app's own (.git,
    // node_modules, PM_HOME: logs written there must not restart the app).
    void set_watch_ignore(std::vector<std::string> patterns) { m_watch_ignore = std::move(patterns); }
    // Called after any instance changed state (the live-groups file).
    void set_on_change(std::function<void()> fn) { m_on_change = std::move(fn); }
    // Closes every app's watcher and cron timer for good (shutdown): no
    // restart on a file change or a schedule while pmd stops.
    void stop_scheduled_restarts();

    uv_loop_t* loop() const { return m_loop; }
    App* find_app(const std::string& name);
    // Adds an app with spec->instances new (stopped) instances.
    Result<App*> add_app(std::shared_ptr<const ProcessSpec> spec);
    // Replaces an app's spec; adds or removes stopped instances to match.
    Result<void> update_spec(App& app, std::shared_ptr<const ProcessSpec> spec);
    // Replaces the spec of an app and its instances when only what takes
    // effect at the next spawn changed (the environment): logs stay open.
    void set_app_spec(App& app, std::shared_ptr<const ProcessSpec> spec);
    // Sets an app's instance count: new instances are added (stopped) and
    // returned; surplus ones must be stopped and then remove()d by the caller.
    Result<std::vector<Instance*>> resize(App& app, std::size_t n);
    // Removes the given (not running) instances; apps left empty disappear.
    void remove(const std::vector<std::uint64_t>& ids);

    Result<std::vector<Instance*>> select(const Selector& sel);
    Instance* find_id(std::uint64_t id);
    std::vector<Instance*> all();  // in id order
    std::size_t instance_count() const { return m_by_id.size(); }
    std::size_t app_count() const { return m_apps.size(); }
    std::unordered_set<int> live_pids() const;

    // Calls `done` (outside any instance callback) once every listed instance
    // satisfies `pred` or no longer exists. Fails when too many are pending.
    Result<void> wait(std::vector<std::uint64_t> ids, Pred pred, Done done);
    // The same with a deadline: `expired` runs instead of `done` when the
    // condition does not hold within timeout_ms.
    Result<void> wait(std::vector<std::uint64_t> ids, Pred pred, Done done, std::int64_t timeout_ms,
                      Done expired);
    std::size_t waiter_count() const { return m_waiters.size(); }
    // Approximate bytes held by the table: instances, handles and specs.
    std::size_t memory_bytes() const;

private:
    struct Waiter {
        std::vector<std::uint64_t> ids;
        Pred pred;
        Done done;
        std::uint64_t deadline = 0;  // loop time in ms; 0: none
        Done expired;
    };

    void on_change(Instance& inst);
    void check_waiters();
    std::unique_ptr<Instance> make_instance(std::shared_ptr<const ProcessSpec> spec, std::uint32_t index);
    void open_channel(const Instance& inst);
    void forget(std::uint64_t id);
    void sync_watcher(App& app);
    void on_watch(const std::string& name, const std::string& path);
    void sync_cron(App& app);
    // Restarts the app's instances that are not stopped (watch, cron).
    void restart_app(const std::string& name, RestartReason reason, std::string_view why);
    static void check_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    logs::LogHub& m_hub;
    TableLimits m_limits;
    std::map<std::string, std::unique_ptr<App>, std::less<>> m_apps;
    std::map<std::uint64_t, Instance*> m_by_id;
    std::uint64_t m_next_id = 0;
    std::vector<Waiter> m_waiters;
    std::vector<std::string> m_watch_ignore;
    bool m_watch_stopped = false;
    std::function<void()> m_on_change;
    uv::Handle<uv_timer_t> m_check_timer;     // defers waiter checks out of callbacks
    uv::Handle<uv_timer_t> m_deadline_timer;  // runs while a waiter has a deadline
};

}  // namespace pm::sup
