// The supervisor's state machine as a pure table: (state, event) -> (next
// state, actions). No libuv, no clock; Instance performs the actions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/process_state.hpp"

namespace pm::sup {

enum class ProcEvent {
    start,               // a user asked to start
    spawn_ok,            // uv_spawn succeeded (no readiness check: online now)
    spawn_ok_unready,    // uv_spawn succeeded; online once it reports ready
    ready,               // readiness fd line or TCP port accepted
    spawn_failed,        // uv_spawn failed (bad executable, cwd, ...)
    min_uptime_reached,  // the run lasted min_uptime: it is stable
    exit_restart,        // exited; the restart policy says restart
    exit_done,           // exited; the policy says leave it exited
    exit_give_up,        // exited; too many unstable restarts
    stop,                // a user asked to stop
    kill_timeout,        // kill_timeout elapsed while stopping
    backoff_elapsed,     // the restart delay elapsed
};

inline constexpr ProcEvent k_all_events[] = {
    ProcEvent::start,        ProcEvent::spawn_ok,      ProcEvent::spawn_ok_unready, ProcEvent::ready,
    ProcEvent::spawn_failed,
    ProcEvent::min_uptime_reached, ProcEvent::exit_restart, ProcEvent::exit_done,
    ProcEvent::exit_give_up, ProcEvent::stop,          ProcEvent::kill_timeout,
    ProcEvent::backoff_elapsed,
};

std::string_view to_string(ProcEvent e);

// Actions are bit flags; Instance::perform runs them in a fixed order
// (timers, counters, signals, timers armed, then spawn last).
enum Action : std::uint32_t {
    act_none = 0,
    act_cancel_timers = 1u << 0,   // uptime, kill and backoff timers
    act_reset_counters = 1u << 1,  // a manual start clears errored history
    act_spawn = 1u << 2,
    act_arm_uptime = 1u << 3,
    act_mark_stable = 1u << 4,     // consecutive unstable restarts back to 0
    act_signal_stop = 1u << 5,     // stop signal to the group + arm kill timer
    act_signal_kill = 1u << 6,     // SIGKILL to the group
    act_arm_backoff = 1u << 7,
    act_count_restart = 1u << 8,
};

struct Transition {
    ProcessState next;
    std::uint32_t actions;
};

// Pure. nullopt means the pair is ignored (the event has no meaning there).
std::optional<Transition> transition(ProcessState state, ProcEvent event);

}  // namespace pm::sup
