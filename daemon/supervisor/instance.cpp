// Instance: the event queue that drives the table, the table's actions, the
// stop ladder (stop signal to the group, SIGKILL after kill_timeout, a final
// group sweep) and the restart timers. The process handle closes only in or
// after exit_cb.
#include "daemon/supervisor/instance.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>
#include <fmt/format.h>

#include "daemon/error_log.hpp"
#include "daemon/log.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervisor/spawn_child.hpp"

namespace pm::sup {

std::string_view to_string(RestartReason r) {
    switch (r) {
        case RestartReason::crash: return "crash";
        case RestartReason::exit: return "exit";
        case RestartReason::memory: return "memory";
        case RestartReason::manual: return "manual";
        case RestartReason::watch: return "watch";
        case RestartReason::reload: return "reload";
        case RestartReason::cron: return "cron";
    }
    return "unknown";
}

void Instance::count_restart(RestartReason r) {
    ++m_restarts;
    ++m_reason_counts[static_cast<int>(r)];
    m_last_reason = r;
}

json ExitRecord::to_json() const {
    json j{{"escalated", escalated}, {"at_ms", at_ms}};
    if (info.by_signal) {
        j["signal"] = signal_name(info.code);
        j["code"] = nullptr;
    } else {
        j["code"] = info.code;
        j["signal"] = nullptr;
    }
    return j;
}

Instance::Instance(uv_loop_t* loop, std::uint64_t id, std::uint32_t index,
                   std::shared_ptr<const ProcessSpec> spec, logs::LogHub& hub, ChangeFn on_change)
    : m_loop(loop),
      m_id(id),
      m_index(index),
      m_spec(std::move(spec)),
      m_hub(hub),
      m_on_change(std::move(on_change)),
      m_readiness(loop, [this] {
          PM_LOG(info, "{}: ready", display_name());
          handle(ProcEvent::ready);
      }) {
    for (auto* t : {&m_uptime_timer, &m_kill_timer, &m_backoff_timer}) {
        uv::init_timer(m_loop, *t, this);
    }
    m_created_ms = static_cast<std::int64_t>(uv_now(m_loop));
}

Instance::~Instance() {
    // The table only destroys instances that are not running. A live child at
    // this point (teardown after a failed stop) is killed; its zombie is then
    // no longer ours in the table, so the Reaper collects it.
    if (m_pid) {
        signal_group(SIGKILL);
    }
    kill_leftovers();
}

std::string Instance::display_name() const {
    return m_spec->options.instances > 1 ? fmt::format("{}:{}", m_spec->name(), m_index) : m_spec->name();
}

std::vector<std::string> Instance::environment() const { return child_environment(*m_spec, m_index, m_id); }

Result<void> Instance::start() {
    if (removing()) {
        return fail(ErrorCode::busy, fmt::format("{} is being removed", display_name()));
    }
    if (is_running(state())) {
        return fail(ErrorCode::already_exists,
                    fmt::format("{} is already {}", display_name(), pm::to_string(state())));
    }
    handle(ProcEvent::start);
    return {};
}

void Instance::stop() {
    kill_leftovers();
    handle(ProcEvent::stop);
}

void Instance::restart(RestartReason reason) { handle(ProcEvent::restart, reason); }

void Instance::remove() {
    kill_leftovers();
    handle(ProcEvent::remove);
}

// Events an action raises (spawn_ok after a spawn, an exit decision after a
// failed respawn) are queued and handled by this same loop once the action
// is over: the table is never re-entered, and on_change runs once.
void Instance::handle(ProcEvent ev, RestartReason reason) {
    m_queue.push_back(Posted{ev, reason});
    if (m_draining) {
        return;
    }
    // Reset even if an action throws (the dispatcher's catch-all keeps pmd
    // up): a stuck m_draining would leave every later event queued forever.
    struct DrainGuard {
        Instance& self;
        ~DrainGuard() {
            self.m_queue.clear();  // keeps its few bytes of capacity for the next event
            self.m_draining = false;
        }
    };
    m_draining = true;
    bool changed = false;
    {
        DrainGuard guard{*this};
        for (std::size_t i = 0; i < m_queue.size(); ++i) {
            Posted p = m_queue[i];  // a copy: apply() may post, growing the vector
            changed = apply(p) || changed;
        }
    }
    if (changed && m_on_change) {
        m_on_change(*this);
    }
}

bool Instance::apply(const Posted& p) {
    auto t = transition(m_state, p.event);
    if (!t) {
        PM_LOG(debug, "{}: ignored {} in {}", display_name(), to_string(p.event), to_string(m_state));
        return false;
    }
    MachineState before = m_state;
    m_state = t->next;
    if (before != m_state) {
        PM_LOG(info, "{}: {} -> {} ({})", display_name(), to_string(before), to_string(m_state),
               to_string(p.event));
    }
    perform(t->actions, p);
    return true;
}

void Instance::perform(std::uint32_t a, const Posted& p) {
    if (a & act_cancel_timers) {
        for (auto* t : {&m_uptime_timer, &m_kill_timer, &m_backoff_timer}) {
            uv_timer_stop(t->get());
        }
    }
    if (a & act_reset_counters) {
        m_unstable = 0;
        m_last_error.clear();
    }
    if (a & act_count_restart) {
        bool failed = m_last_exit && (m_last_exit->info.by_signal || m_last_exit->info.code != 0);
        count_restart(failed ? RestartReason::crash : RestartReason::exit);
    }
    if (a & act_count_reason) {
        count_restart(p.reason);
    }
    if (a & act_mark_stable) {
        m_unstable = 0;
        m_stable = true;
    }
    if (a & act_signal_stop) {
        m_escalated = false;
        signal_group(static_cast<int>(m_spec->options.stop_signal));
        signal_group(SIGCONT);
        arm(m_kill_timer, m_spec->options.kill_timeout_ms);
    }
    if (a & act_signal_kill) {
        m_escalated = true;
        PM_LOG(warn, "{}: still running after {}ms, sending SIGKILL", display_name(),
               m_spec->options.kill_timeout_ms);
        signal_group(SIGKILL);
    }
    if (a & act_arm_backoff) {
        arm(m_backoff_timer, m_next_delay_ms);
    }
    if (a & act_arm_uptime) {
        arm(m_uptime_timer, m_spec->restart.min_uptime_ms);
    }
    // Last: the spawn's outcome is an event of its own, queued behind this one.
    if (a & act_spawn) {
        spawn(false);
    }
    if (a & act_respawn) {
        spawn(true);
    }
}

void Instance::spawn(bool respawn) {
    kill_leftovers();
    // stdout/stderr go through pipes into the log pipeline (ring, files, followers).
    auto pipes = m_hub.make_pipes(m_id);
    ChildStdio stdio{reinterpret_cast<uv_stream_t*>(pipes.first->pipe()),
                     reinterpret_cast<uv_stream_t*>(pipes.second->pipe()), nullptr};
    if (m_spec->options.ready_fd > 0) {
        stdio.ready = m_readiness.make_fd_pipe();
    }
    m_proc.close(true);
    auto pid = spawn_child(m_loop, m_proc.get(), *m_spec, environment(), stdio, exit_cb);
    m_proc.initialised();  // uv_spawn initialises the handle even when it fails
    if (!pid) {
        m_readiness.stop();
        m_hub.discard_pipes(pipes);
        m_proc.close(true);
        m_last_error = pid.error().message;
        report_error(ErrorKind::spawn_failed, fmt::format("{}: {}", display_name(), m_last_error));
        if (respawn) {
            respawn_failed();
        } else {
            post(ProcEvent::spawn_failed);  // the user's start: fail at once, no retry loop
        }
        return;
    }
    m_hub.start_pipes(pipes);
    m_last_error.clear();  // a spawn failure of an automatic restart is over
    m_proc.get()->data = this;
    m_escalated = false;
    m_stable = m_spec->restart.min_uptime_ms == 0;
    m_pid = *pid;
    // The loop's cached time dates from the start of this iteration; the
    // spawn floor is measured from here, so it must not start early.
    uv_update_time(m_loop);
    m_started_ms = static_cast<std::int64_t>(uv_now(m_loop));
    m_started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (m_spec->needs_ready()) {
        m_readiness.start(static_cast<int>(m_spec->options.ready_tcp));
        post(ProcEvent::spawn_ok_unready);
        return;
    }
    post(ProcEvent::spawn_ok);
}

void Instance::arm(uv::Handle<uv_timer_t>& timer, std::int64_t ms) {
    // Each timer has one meaning; timer_cb maps it back to its event.
    uv_timer_start(timer.get(), timer_cb, static_cast<std::uint64_t>(ms), 0);
}

void Instance::timer_cb(uv_timer_t* t) noexcept {
    auto* self = static_cast<Instance*>(t->data);
    if (self == nullptr) {
        return;
    }
    if (t == self->m_uptime_timer.get()) {
        self->handle(ProcEvent::min_uptime_reached);
    } else if (t == self->m_kill_timer.get()) {
        self->handle(ProcEvent::kill_timeout);
    } else {
        self->handle(ProcEvent::backoff_elapsed);
    }
}

void Instance::kill_leftovers() {
    if (m_leftover_pgid > 0) {
        // The group id stays reserved while any member lives, so this reaches
        // only the leftovers (or nobody: ESRCH).
        uv_kill(-m_leftover_pgid, SIGKILL);
        m_leftover_pgid = 0;
    }
}

void Instance::exit_cb(uv_process_t* h, std::int64_t status, int term_signal) noexcept {
    auto* self = static_cast<Instance*>(h->data);
    if (self == nullptr) {
        return;
    }
    self->on_exit(status, term_signal);
}

void Instance::on_exit(std::int64_t status, int term_signal) {
    ExitRecord rec;
    rec.info.by_signal = term_signal != 0;
    rec.info.code = term_signal != 0 ? term_signal : static_cast<int>(status);
    rec.escalated = m_escalated;
    rec.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    bool stopping = state() == ProcessState::stopping;  // a stop, a restart's or a removal's
    if (stopping) {
        // Sweep the group so no straggler keeps running (or keeps pipes open).
        signal_group(SIGKILL);
    } else if (m_pid) {
        // The leader died on its own. What is left of its group (a worker
        // started with `&`, a crashed server's helpers) must not outlive it,
        // hold its port or pipes, or run twice after the restart: ask it to
        // stop now, and SIGKILL it before the next spawn (kill_leftovers).
        signal_group(static_cast<int>(m_spec->options.stop_signal));
        signal_group(SIGCONT);
        m_leftover_pgid = *m_pid;
    }
    m_pid.reset();
    m_proc.close(true);  // safe: exit was seen
    m_readiness.stop();
    m_last_exit = rec;
    std::int64_t ran = static_cast<std::int64_t>(uv_now(m_loop)) - m_started_ms;
    PM_LOG(info, "{}: exited with {} {} after {}ms", display_name(),
           rec.info.by_signal ? "signal" : "code",
           rec.info.by_signal ? signal_name(rec.info.code) : std::to_string(rec.info.code), ran);
    if (stopping) {
        handle(ProcEvent::exit_done);
        return;
    }
    ExitDecision d = decide_on_exit(m_spec->restart, rec.info, ran, m_unstable);
    m_unstable = d.unstable;
    m_next_delay_ms = d.delay_ms;
    if (d.event == ProcEvent::exit_give_up) {
        m_last_error = fmt::format("gave up after {} unstable restarts (each run shorter than {}ms)",
                                   m_spec->restart.max_restarts, m_spec->restart.min_uptime_ms);
        report_error(ErrorKind::gave_up, fmt::format("{}: {}", display_name(), m_last_error));
    }
    handle(d.event);
}

// An automatic restart that could not spawn (the cwd briefly gone during a
// deploy, EAGAIN, EMFILE) counts as one more unstable run: it is retried
// with the backoff and gives up after max_restarts like a crash loop, so a
// transient failure does not end supervision for good.
void Instance::respawn_failed() {
    std::string why = m_last_error;
    ExitDecision d = decide_on_exit(m_spec->restart, ExitInfo{false, 127}, 0, m_unstable);
    m_unstable = d.unstable;
    m_next_delay_ms = d.delay_ms;
    if (d.event == ProcEvent::exit_give_up) {
        m_last_error = fmt::format("gave up after {} unstable restarts; last: {}", m_spec->restart.max_restarts, why);
        report_error(ErrorKind::gave_up, fmt::format("{}: {}", display_name(), m_last_error));
    }
    post(d.event);  // raised by the spawn action: handled right after it
}

bool Instance::send_signal(int sig) {
    if (!m_pid) {
        return false;
    }
    signal_group(sig);
    return true;
}

void Instance::reset_counters() {
    m_restarts = 0;
    m_unstable = 0;
    m_last_reason.reset();
    for (auto& c : m_reason_counts) {
        c = 0;
    }
}

void Instance::signal_group(int sig) {
    if (!m_pid) {
        return;  // never signal a pid we no longer own (pid reuse)
    }
    int rc = uv_kill(-*m_pid, sig);
    if (rc != 0 && rc != UV_ESRCH) {
        PM_LOG(warn, "{}: unable to send {} to group {}: {}", display_name(), signal_name(sig),
               *m_pid, uv_strerror(rc));
    }
}

json Instance::to_json() const {
    std::int64_t now = static_cast<std::int64_t>(uv_now(m_loop));
    json j{
        {"id", m_id},
        {"name", m_spec->name()},
        {"index", m_index},
        {"state", pm::to_string(state())},
        {"pid", m_pid ? json(*m_pid) : json(nullptr)},
        {"restarts", m_restarts},
        {"unstable_restarts", m_unstable},
        {"uptime_ms", m_pid ? now - m_started_ms : 0},
        {"last_exit", m_last_exit ? m_last_exit->to_json() : json(nullptr)},
        {"last_error", m_last_error.empty() ? json(nullptr) : json(m_last_error)},
        {"stable", m_stable && m_pid.has_value()},
        {"restart_reason", m_last_reason ? json(to_string(*m_last_reason)) : json(nullptr)},
    };
    json counts = json::object();
    for (auto r : k_all_restart_reasons) {
        counts[std::string(to_string(r))] = m_reason_counts[static_cast<int>(r)];
    }
    j["restarts_by_reason"] = counts;
    return j;
}

}  // namespace pm::sup
