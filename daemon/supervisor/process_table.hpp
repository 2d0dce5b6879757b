// ProcessTable: apps by name, instances by id, selectors -> instances, and
// retiring instances. Waiting for instances is delegated to Waiters, watch
// and cron restarts to Triggers. Bounded: instances and waiters have limits.
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
#include "daemon/supervisor/triggers.hpp"
#include "daemon/supervisor/waiters.hpp"

namespace pm::sup {

struct App {
    std::shared_ptr<const ProcessSpec> spec;
    std::vector<std::unique_ptr<Instance>> instances;
};

struct TableLimits {
    std::size_t max_instances = 4096;
    std::size_t max_waiters = 1024;
};

class ProcessTable {
public:
    using Pred = Waiters::Pred;
    using Done = Waiters::Done;

    ProcessTable(uv_loop_t* loop, logs::LogHub& hub, TableLimits limits);
    ~ProcessTable();

    // Ignore patterns every watcher gets besides the app's own
    // (default_watch_ignore: .git, node_modules, PM_HOME).
    void set_watch_ignore(std::vector<std::string> patterns) { m_triggers.set_watch_ignore(std::move(patterns)); }
    // Called after any instance changed state (the live-groups file).
    void set_on_change(std::function<void()> fn) { m_on_change = std::move(fn); }
    // Closes every app's watcher and cron timer for good (shutdown): no
    // restart on a file change or a schedule while pmd stops.
    void stop_scheduled_restarts() { m_triggers.stop_all(); }

    uv_loop_t* loop() const { return m_loop; }
    App* find_app(const std::string& name);
    // Adds an app with spec->options.instances new (stopped) instances.
    Result<App*> add_app(std::shared_ptr<const ProcessSpec> spec);
    // Replaces an app's spec; adds or removes stopped instances to match.
    Result<void> update_spec(App& app, std::shared_ptr<const ProcessSpec> spec);
    // Replaces the spec of an app and its instances when only what takes
    // effect at the next spawn changed (the environment): logs stay open.
    void set_app_spec(App& app, std::shared_ptr<const ProcessSpec> spec);
    // Sets an app's instance count: new instances are added (stopped) and
    // returned; surplus ones must be retire()d and then remove()d by the caller.
    Result<std::vector<Instance*>> resize(App& app, std::size_t n);
    // Stops the given instances for good (delete, scale down, kill,
    // shutdown) and calls `done` once none of them runs any more; they are
    // still in the table then. Fails when the waiter list is full (the
    // instances are stopping anyway).
    Result<void> retire(const std::vector<std::uint64_t>& ids, Done done);
    // Removes the given (not running) instances; apps left empty disappear.
    void remove(const std::vector<std::uint64_t>& ids);

    Result<std::vector<Instance*>> select(const Selector& sel);
    Instance* find_id(std::uint64_t id);
    std::vector<Instance*> all();  // in id order
    std::size_t instance_count() const { return m_by_id.size(); }
    std::size_t app_count() const { return m_apps.size(); }
    std::unordered_set<int> live_pids() const;
    // The app's watcher, when it is in watch mode.
    const Watcher* watcher(const std::string& app) const { return m_triggers.watcher(app); }

    // The sampler found an instance over its max_memory: an online one is
    // restarted (reason memory) and the error recorded.
    void on_memory_over_limit(std::uint64_t id, std::uint64_t rss, std::uint64_t limit);

    // See Waiters::add.
    Result<void> wait(std::vector<std::uint64_t> ids, Pred pred, Done done) {
        return m_waiters.add(std::move(ids), std::move(pred), std::move(done));
    }
    Result<void> wait(std::vector<std::uint64_t> ids, Pred pred, Done done, std::int64_t timeout_ms,
                      Done expired) {
        return m_waiters.add(std::move(ids), std::move(pred), std::move(done), timeout_ms, std::move(expired));
    }
    std::size_t waiter_count() const { return m_waiters.size(); }
    // Approximate bytes held by the table: instances, handles and specs.
    std::size_t memory_bytes() const;

private:
    void on_change(Instance& inst);
    Result<void> check_room(std::size_t more) const;
    std::unique_ptr<Instance> make_instance(std::shared_ptr<const ProcessSpec> spec, std::uint32_t index);
    void open_channel(const Instance& inst);
    void forget(std::uint64_t id);
    // Restarts the app's instances that are not stopped (watch, cron).
    void restart_app(const std::string& name, RestartReason reason, std::string_view why);

    uv_loop_t* m_loop;
    logs::LogHub& m_hub;
    TableLimits m_limits;
    std::map<std::string, std::unique_ptr<App>, std::less<>> m_apps;
    std::map<std::uint64_t, Instance*> m_by_id;
    std::uint64_t m_next_id = 0;
    std::function<void()> m_on_change;
    Waiters m_waiters;
    Triggers m_triggers;
};

}  // namespace pm::sup
