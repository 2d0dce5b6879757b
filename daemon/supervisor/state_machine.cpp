// The transition table. Every pair not listed is an explicit "ignore".
// docs/architecture.md shows the same rows; a unit test keeps them equal.
#include "daemon/supervisor/state_machine.hpp"

#include <array>

namespace pm::sup {
namespace {

using S = MachineState;
using E = ProcEvent;

struct Row {
    S state;
    E event;
    S next;
    std::uint32_t actions;
};

constexpr std::uint32_t k_exit_cleanup = act_cancel_timers;
constexpr std::uint32_t k_manual_start = act_reset_counters | act_spawn;
constexpr std::uint32_t k_to_backoff = k_exit_cleanup | act_count_restart | act_arm_backoff;

constexpr std::array k_table{
    // Starting a process that is not running.
    Row{S::stopped, E::start, S::starting, k_manual_start},
    Row{S::exited, E::start, S::starting, k_manual_start},
    Row{S::errored, E::start, S::starting, k_manual_start},
    Row{S::backoff, E::start, S::starting, act_cancel_timers | k_manual_start},
    // Restarting: a resting process starts; a running one stops first and
    // starts again once it has exited. Each restart of a running one counts.
    Row{S::stopped, E::restart, S::starting, k_manual_start},
    Row{S::exited, E::restart, S::starting, k_manual_start},
    Row{S::errored, E::restart, S::starting, k_manual_start},
    Row{S::backoff, E::restart, S::starting, act_cancel_timers | k_manual_start},
    Row{S::starting, E::restart, S::restarting, act_count_reason | act_signal_stop},
    Row{S::online, E::restart, S::restarting, act_count_reason | act_signal_stop},
    Row{S::stopping, E::restart, S::restarting, act_count_reason},
    Row{S::restarting, E::restart, S::restarting, act_count_reason},
    // Removing: stop for good; nothing starts a removed instance again.
    Row{S::stopped, E::remove, S::removed, act_none},
    Row{S::exited, E::remove, S::removed, act_none},
    Row{S::errored, E::remove, S::removed, act_none},
    Row{S::backoff, E::remove, S::removed, act_cancel_timers},
    Row{S::starting, E::remove, S::removing, act_signal_stop},
    Row{S::online, E::remove, S::removing, act_signal_stop},
    Row{S::stopping, E::remove, S::removing, act_none},
    Row{S::restarting, E::remove, S::removing, act_none},
    // Spawn outcome.
    Row{S::starting, E::spawn_ok, S::online, act_arm_uptime},
    Row{S::starting, E::spawn_ok_unready, S::starting, act_arm_uptime},
    Row{S::starting, E::ready, S::online, act_none},
    Row{S::starting, E::min_uptime_reached, S::starting, act_mark_stable},
    Row{S::starting, E::spawn_failed, S::errored, act_cancel_timers},
    // Stability.
    Row{S::online, E::min_uptime_reached, S::online, act_mark_stable},
    // Exits while running.
    Row{S::online, E::exit_restart, S::backoff, k_to_backoff},
    Row{S::online, E::exit_done, S::exited, k_exit_cleanup},
    Row{S::online, E::exit_give_up, S::errored, k_exit_cleanup},
    Row{S::starting, E::exit_restart, S::backoff, k_to_backoff},
    Row{S::starting, E::exit_done, S::exited, k_exit_cleanup},
    Row{S::starting, E::exit_give_up, S::errored, k_exit_cleanup},
    // Restart pacing.
    Row{S::backoff, E::backoff_elapsed, S::starting, act_respawn},
    // Stopping: never races into a restart, whatever exit event arrives.
    Row{S::starting, E::stop, S::stopping, act_signal_stop},
    Row{S::online, E::stop, S::stopping, act_signal_stop},
    Row{S::backoff, E::stop, S::stopped, act_cancel_timers},
    Row{S::exited, E::stop, S::stopped, act_none},
    Row{S::errored, E::stop, S::stopped, act_none},
    Row{S::restarting, E::stop, S::stopping, act_none},  // a stop wins over a pending restart
    Row{S::stopping, E::kill_timeout, S::stopping, act_signal_kill},
    Row{S::stopping, E::exit_restart, S::stopped, k_exit_cleanup},
    Row{S::stopping, E::exit_done, S::stopped, k_exit_cleanup},
    Row{S::stopping, E::exit_give_up, S::stopped, k_exit_cleanup},
    // The stop of a restart: once exited, start again with fresh counters.
    Row{S::restarting, E::kill_timeout, S::restarting, act_signal_kill},
    Row{S::restarting, E::exit_restart, S::starting, k_exit_cleanup | k_manual_start},
    Row{S::restarting, E::exit_done, S::starting, k_exit_cleanup | k_manual_start},
    Row{S::restarting, E::exit_give_up, S::starting, k_exit_cleanup | k_manual_start},
    // The stop of a removal.
    Row{S::removing, E::kill_timeout, S::removing, act_signal_kill},
    Row{S::removing, E::exit_restart, S::removed, k_exit_cleanup},
    Row{S::removing, E::exit_done, S::removed, k_exit_cleanup},
    Row{S::removing, E::exit_give_up, S::removed, k_exit_cleanup},
};

constexpr std::pair<S, std::string_view> k_state_names[] = {
    {S::stopped, "stopped"}, {S::starting, "starting"},     {S::online, "online"},
    {S::stopping, "stopping"}, {S::exited, "exited"},       {S::backoff, "backoff"},
    {S::errored, "errored"}, {S::restarting, "restarting"}, {S::removing, "removing"},
    {S::removed, "removed"},
};

constexpr std::pair<E, std::string_view> k_event_names[] = {
    {E::start, "start"},
    {E::restart, "restart"},
    {E::remove, "remove"},
    {E::spawn_ok, "spawn_ok"},
    {E::spawn_ok_unready, "spawn_ok_unready"},
    {E::ready, "ready"},
    {E::spawn_failed, "spawn_failed"},
    {E::min_uptime_reached, "min_uptime_reached"},
    {E::exit_restart, "exit_restart"},
    {E::exit_done, "exit_done"},
    {E::exit_give_up, "exit_give_up"},
    {E::stop, "stop"},
    {E::kill_timeout, "kill_timeout"},
    {E::backoff_elapsed, "backoff_elapsed"},
};

template <typename T, std::size_t N>
std::string_view name_in(const std::pair<T, std::string_view> (&names)[N], T value) {
    for (const auto& [v, name] : names) {
        if (v == value) {
            return name;
        }
    }
    return "unknown";
}

}  // namespace

std::string_view to_string(MachineState s) { return name_in(k_state_names, s); }

std::string_view to_string(ProcEvent e) { return name_in(k_event_names, e); }

ProcessState public_state(MachineState s) {
    switch (s) {
        case S::stopped: return ProcessState::stopped;
        case S::starting: return ProcessState::starting;
        case S::online: return ProcessState::online;
        case S::stopping: return ProcessState::stopping;
        case S::exited: return ProcessState::exited;
        case S::backoff: return ProcessState::backoff;
        case S::errored: return ProcessState::errored;
        case S::restarting: return ProcessState::stopping;
        case S::removing: return ProcessState::stopping;
        case S::removed: return ProcessState::stopped;
    }
    return ProcessState::stopped;
}

std::optional<Transition> transition(MachineState state, ProcEvent event) {
    for (const auto& row : k_table) {
        if (row.state == state && row.event == event) {
            return Transition{row.next, row.actions};
        }
    }
    return std::nullopt;
}

}  // namespace pm::sup
