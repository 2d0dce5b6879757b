// Instance: one running copy of a process. Spawns it, runs the stop ladder
// and the restart timers, and drives the pure state table; it never sets its
// state outside that table. Lives on the loop thread.
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

    Instance(uv_loop_t* loop, std::uint64_t id, std::uint32_t index,
             std::shared_ptr<const ProcessSpec> spec, logs::LogHub& hub, ChangeFn on_change);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    // Called by command handlers. start() fails when already running.
    Result<void> start();
    void stop();
    void restart(RestartReason reason = RestartReason::manual);
    void set_spec(std::shared_ptr<const ProcessSpec> spec) { m_spec = std::move(spec); }
    // Being deleted, scaled away or shut down: start() fails and restart()
    // does nothing from now on, so the remover's wait for the exit completes.
    void mark_removing() { m_removing = true; }
    bool removing() const { return m_removing; }
    // Part of a rolling reload that has not finished (one at a time per instance).
    void set_reloading(bool on) { m_reloading = on; }
    bool reloading() const { return m_reloading; }
    // pm signal: to the whole group, only while our child runs. False when not running.
    bool send_signal(int sig);
    // pm reset: restart counters back to zero.
    void reset_counters();

    std::uint64_t id() const { return m_id; }
    std::uint32_t index() const { return m_index; }
    const ProcessSpec& spec() const { return *m_spec; }
    ProcessState state() const { return m_state; }
    std::optional<int> pid() const { return m_pid; }
    bool restart_pending() const { return m_restart_pending; }
    // Online and proven: reported ready, or (without a readiness check) it
    // has run min_uptime. `pm wait` and `start --wait` wait for this.
    bool settled_online() const {
        return m_state == ProcessState::online && (m_spec->needs_ready() || m_stable);
    }
    const std::optional<ExitRecord>& last_exit() const { return m_last_exit; }
    const std::string& last_error() const { return m_last_error; }
    std::string display_name() const;
    // The environment this instance is spawned with: the spec's, its
    // increment_var moved up by the index, then PM_INSTANCE and PM_ID.
    std::vector<std::string> environment() const;
    json to_json() const;

private:
    void handle(ProcEvent ev);
    void perform(std::uint32_t actions);
    void spawn();
    void on_exit(std::int64_t status, int term_signal);
    void signal_group(int sig);
    void kill_leftovers();
    void respawn_failed();
    void arm(uv::Handle<uv_timer_t>& timer, std::int64_t ms);

    static void exit_cb(uv_process_t* h, std::int64_t status, int term_signal) noexcept;
    static void timer_cb(uv_timer_t* t) noexcept;
    // Readiness (s6-style fd line, or a TCP port that accepts).
    void start_readiness();
    void stop_readiness();
    void on_ready();
    static void ready_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void ready_alloc_cb(uv_handle_t* h, std::size_t, uv_buf_t* buf) noexcept;
    static void ready_timer_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    std::uint64_t m_id;
    std::uint32_t m_index;
    std::shared_ptr<const ProcessSpec> m_spec;
    logs::LogHub& m_hub;
    ChangeFn m_on_change;

    ProcessState m_state = ProcessState::stopped;
    std::optional<int> m_pid;
    int m_leftover_pgid = 0;  // group of a leader that exited on its own, until swept
    uv::Handle<uv_process_t> m_proc;
    uv::Handle<uv_timer_t> m_uptime_timer;
    uv::Handle<uv_timer_t> m_kill_timer;
    uv::Handle<uv_timer_t> m_backoff_timer;
    uv::Handle<uv_pipe_t> m_ready_pipe;
    uv::Handle<uv_timer_t> m_ready_timer;

    std::int64_t m_started_ms = 0;      // loop time of the last spawn
    std::int64_t m_created_ms = 0;
    std::int64_t m_restarts = 0;        // automatic restarts, total
    int m_unstable = 0;                 // consecutive unstable runs
    std::int64_t m_next_delay_ms = 0;   // backoff delay chosen at the last exit
    bool m_escalated = false;           // the current stop needed SIGKILL
    bool m_restart_pending = false;
    bool m_removing = false;
    bool m_reloading = false;
    bool m_respawn = false;  // the current spawn is an automatic restart
    bool m_stable = false;              // this run has lasted min_uptime
    std::optional<ExitRecord> m_last_exit;
    std::optional<RestartReason> m_last_reason;
    std::int64_t m_reason_counts[std::size(k_all_restart_reasons)] = {};
    void count_restart(RestartReason r);
    std::string m_last_error;
};

}  // namespace pm::sup
