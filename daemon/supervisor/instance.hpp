// Instance: one running copy of a process. Feeds every event through the
// pure state table and performs the actions it returns: spawn, the stop
// ladder and the restart timers. Its state never changes outside that table.
// Lives on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/process_state.hpp"
#include "common/protocol.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervisor/process_spec.hpp"
#include "daemon/supervisor/readiness.hpp"
#include "daemon/supervisor/state_machine.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::sup {

// Why an instance was restarted; every restart records one.
enum class RestartReason { crash, exit, memory, manual, watch, reload, cron };
inline constexpr RestartReason k_all_restart_reasons[] = {RestartReason::crash,  RestartReason::exit,
                                                          RestartReason::memory, RestartReason::manual,
                                                          RestartReason::watch,  RestartReason::reload,
                                                          RestartReason::cron};
std::string_view to_string(RestartReason r);

struct ExitRecord {
    ExitInfo info;
    bool escalated = false;  // SIGKILL after kill_timeout
    std::int64_t at_ms = 0;
    json to_json() const;
};

class Instance {
public:
    using ChangeFn = std::function<void(Instance&)>;

    // on_change runs once per handled event from outside (a command, a
    // timer, an exit), after every event it led to has been handled.
    Instance(uv_loop_t* loop, std::uint64_t id, std::uint32_t index,
             std::shared_ptr<const ProcessSpec> spec, logs::LogHub& hub, ChangeFn on_change);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    // Called by command handlers. start() fails when already running or removed.
    Result<void> start();
    void stop();
    // Restarts a running instance (counted with `reason`), starts a resting one.
    void restart(RestartReason reason = RestartReason::manual);
    // Being deleted, scaled away or shut down: stops it for good. start()
    // fails and restart() does nothing from now on, so a wait for the exit completes.
    void remove();
    void set_spec(std::shared_ptr<const ProcessSpec> spec) { m_spec = std::move(spec); }
    // pm signal: to the whole group, only while our child runs. False when not running.
    bool send_signal(int sig);
    // pm reset: restart counters back to zero.
    void reset_counters();

    std::uint64_t id() const { return m_id; }
    std::uint32_t index() const { return m_index; }
    const ProcessSpec& spec() const { return *m_spec; }
    ProcessState state() const { return public_state(m_state); }
    std::optional<int> pid() const { return m_pid; }
    // Stopping in order to start again.
    bool restart_pending() const { return m_state == MachineState::restarting; }
    bool removing() const { return m_state == MachineState::removing || m_state == MachineState::removed; }
    // Online and proven: reported ready, or (without a readiness check) it
    // has run min_uptime. `pm wait` and `start --wait` wait for this.
    bool settled_online() const {
        return state() == ProcessState::online && (m_spec->needs_ready() || m_stable);
    }
    // Resting with nothing to start it again by itself: exited, errored or
    // stopped, and no restart pending. A backoff is not included: the
    // restart policy brings it back (see Rolling in ipc/cmd_process.cpp).
    bool cannot_reach_online() const {
        ProcessState s = state();
        return s == ProcessState::errored || s == ProcessState::exited || s == ProcessState::stopped;
    }
    std::int64_t restarts() const { return m_restarts; }
    std::int64_t restarts(RestartReason r) const { return m_reason_counts[static_cast<int>(r)]; }
    // Wall clock (unix ms) of the last spawn; 0 before the first.
    std::int64_t started_unix_ms() const { return m_started_unix_ms; }
    const std::optional<ExitRecord>& last_exit() const { return m_last_exit; }
    const std::string& last_error() const { return m_last_error; }
    std::string display_name() const;
    // The environment this instance is spawned with (child_environment).
    std::vector<std::string> environment() const;
    json to_json() const;

private:
    struct Posted {
        ProcEvent event;
        RestartReason reason;  // for restart
    };

    void handle(ProcEvent ev, RestartReason reason = RestartReason::manual);
    void post(ProcEvent ev) { m_queue.push_back(Posted{ev, RestartReason::manual}); }
    bool apply(const Posted& p);
    void perform(std::uint32_t actions, const Posted& p);
    void spawn(bool respawn);
    void on_exit(std::int64_t status, int term_signal);
    void respawn_failed();
    void signal_group(int sig);
    void kill_leftovers();
    void arm(uv::Handle<uv_timer_t>& timer, std::int64_t ms);
    void count_restart(RestartReason r);

    static void exit_cb(uv_process_t* h, std::int64_t status, int term_signal) noexcept;
    static void timer_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    std::uint64_t m_id;
    std::uint32_t m_index;
    std::shared_ptr<const ProcessSpec> m_spec;
    logs::LogHub& m_hub;
    ChangeFn m_on_change;

    MachineState m_state = MachineState::stopped;
    // Events an action raised, handled after it, in order. A vector, not a
    // deque: it holds at most a few events and allocates nothing until the
    // first one (libstdc++'s deque takes ~600 bytes per instance up front).
    std::vector<Posted> m_queue;
    bool m_draining = false;
    std::optional<int> m_pid;
    uv::Handle<uv_process_t> m_proc;
    uv::Handle<uv_timer_t> m_uptime_timer;
    uv::Handle<uv_timer_t> m_kill_timer;
    uv::Handle<uv_timer_t> m_backoff_timer;
    ReadinessProbe m_readiness;

    // Data about the runs, reported to clients; the table decides nothing on them.
    int m_leftover_pgid = 0;            // group of a leader that exited on its own, until swept
    std::int64_t m_started_ms = 0;      // loop time of the last spawn
    std::int64_t m_started_unix_ms = 0; // wall clock of the last spawn
    std::int64_t m_created_ms = 0;
    std::int64_t m_restarts = 0;        // restarts, total
    int m_unstable = 0;                 // consecutive unstable runs
    std::int64_t m_next_delay_ms = 0;   // backoff delay chosen at the last exit
    bool m_escalated = false;           // the current stop needed SIGKILL (goes into the exit record)
    bool m_stable = false;              // this run has lasted min_uptime
    std::optional<ExitRecord> m_last_exit;
    std::optional<RestartReason> m_last_reason;
    std::int64_t m_reason_counts[std::size(k_all_restart_reasons)] = {};
    std::string m_last_error;
};

}  // namespace pm::sup
