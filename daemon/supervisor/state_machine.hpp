// The supervisor's state machine as a pure table: (state, event) -> (next
// state, actions). No libuv, no clock; Instance performs the actions. What a
// user's restart or delete does in each state is a row here, not a flag.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "common/process_state.hpp"

namespace pm::sup {

// The table's states: the seven the wire shows, plus three stops that
// remember what follows them (the wire shows them as stopping or stopped).
enum class MachineState {
    stopped,
    starting,
    online,
    stopping,
    exited,
    backoff,
    errored,
    restarting,  // stopping, then starting again (a restart of a running instance)
    removing,    // stopping, then removed: nothing may start it again
    removed,     // stopped for good; the table drops it once every waiter saw it
};

inline constexpr MachineState k_all_machine_states[] = {
    MachineState::stopped, MachineState::starting,   MachineState::online,
    MachineState::stopping, MachineState::exited,    MachineState::backoff,
    MachineState::errored, MachineState::restarting, MachineState::removing,
    MachineState::removed,
};

std::string_view to_string(MachineState s);
// What clients see: restarting and removing are stopping, removed is stopped.
ProcessState public_state(MachineState s);

enum class ProcEvent {
    start,               // a user asked to start
    restart,             // a user, watch, cron, reload or the memory limit asked to restart
    remove,              // delete, scale down, kill or shutdown: stop for good
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
    ProcEvent::start,         ProcEvent::restart,      ProcEvent::remove,
    ProcEvent::spawn_ok,      ProcEvent::spawn_ok_unready, ProcEvent::ready,
    ProcEvent::spawn_failed,  ProcEvent::min_uptime_reached, ProcEvent::exit_restart,
    ProcEvent::exit_done,     ProcEvent::exit_give_up, ProcEvent::stop,
    ProcEvent::kill_timeout,  ProcEvent::backoff_elapsed,
};

std::string_view to_string(ProcEvent e);

// Actions are bit flags; Instance::perform runs them in a fixed order
// (timers, counters, signals, timers armed, then spawn last).
enum Action : std::uint32_t {
    act_none = 0,
    act_cancel_timers = 1u << 0,   // uptime, kill and backoff timers
    act_reset_counters = 1u << 1,  // a manual start clears errored history
    act_spawn = 1u << 2,           // a start: a spawn failure ends in errored
    act_arm_uptime = 1u << 3,
    act_mark_stable = 1u << 4,     // consecutive unstable restarts back to 0
    act_signal_stop = 1u << 5,     // stop signal to the group + arm kill timer
    act_signal_kill = 1u << 6,     // SIGKILL to the group
    act_arm_backoff = 1u << 7,
    act_count_restart = 1u << 8,   // an automatic restart (crash or exit)
    act_respawn = 1u << 9,         // an automatic restart: a spawn failure backs off again
    act_count_reason = 1u << 10,   // a requested restart, counted with its reason
};

// Every action with its name, in the order Instance::perform runs them.
inline constexpr std::pair<Action, std::string_view> k_action_names[] = {
    {act_cancel_timers, "cancel_timers"}, {act_reset_counters, "reset_counters"},
    {act_count_restart, "count_restart"}, {act_count_reason, "count_reason"},
    {act_mark_stable, "mark_stable"},     {act_signal_stop, "signal_stop"},
    {act_signal_kill, "signal_kill"},     {act_arm_backoff, "arm_backoff"},
    {act_arm_uptime, "arm_uptime"},       {act_spawn, "spawn"},
    {act_respawn, "respawn"},
};

struct Transition {
    MachineState next;
    std::uint32_t actions;
};

// Pure. nullopt means the pair is ignored (the event has no meaning there).
std::optional<Transition> transition(MachineState state, ProcEvent event);

}  // namespace pm::sup
