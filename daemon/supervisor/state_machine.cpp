// The transition table. Every pair not listed is an explicit "ignore".
#include "daemon/supervisor/state_machine.hpp"

#include <array>

namespace pm::sup {
namespace {

using S = ProcessState;
using E = ProcEvent;

struct Row {
    S state;
    E event;
    S next;
    std::uint32_t actions;
};

constexpr std::uint32_t k_exit_cleanup = act_cancel_timers;

constexpr std::array k_table{
    // Starting a process that is not running.
    Row{S::stopped, E::start, S::starting, act_reset_counters | act_spawn},
    Row{S::exited, E::start, S::starting, act_reset_counters | act_spawn},
    Row{S::errored, E::start, S::starting, act_reset_counters | act_spawn},
    Row{S::backoff, E::start, S::starting, act_cancel_timers | act_reset_counters | act_spawn},
    // Spawn outcome.
    Row{S::starting, E::spawn_ok, S::online, act_arm_uptime},
    Row{S::starting, E::spawn_ok_unready, S::starting, act_arm_uptime},
    Row{S::starting, E::ready, S::online, act_none},
    Row{S::starting, E::min_uptime_reached, S::starting, act_mark_stable},
    Row{S::starting, E::spawn_failed, S::errored, act_cancel_timers},
    // Stability.
    Row{S::online, E::min_uptime_reached, S::online, act_mark_stable},
    // Exits while running.
    Row{S::online, E::exit_restart, S::backoff, k_exit_cleanup | act_count_restart | act_arm_backoff},
    Row{S::online, E::exit_done, S::exited, k_exit_cleanup},
    Row{S::online, E::exit_give_up, S::errored, k_exit_cleanup},
    Row{S::starting, E::exit_restart, S::backoff, k_exit_cleanup | act_count_restart | act_arm_backoff},
    Row{S::starting, E::exit_done, S::exited, k_exit_cleanup},
    Row{S::starting, E::exit_give_up, S::errored, k_exit_cleanup},
    // Restart pacing.
    Row{S::backoff, E::backoff_elapsed, S::starting, act_spawn},
    // Stopping: never races into a restart, whatever exit event arrives.
    Row{S::starting, E::stop, S::stopping, act_signal_stop},
    Row{S::online, E::stop, S::stopping, act_signal_stop},
    Row{S::backoff, E::stop, S::stopped, act_cancel_timers},
    Row{S::exited, E::stop, S::stopped, act_none},
    Row{S::errored, E::stop, S::stopped, act_none},
    Row{S::stopping, E::kill_timeout, S::stopping, act_signal_kill},
    Row{S::stopping, E::exit_restart, S::stopped, k_exit_cleanup},
    Row{S::stopping, E::exit_done, S::stopped, k_exit_cleanup},
    Row{S::stopping, E::exit_give_up, S::stopped, k_exit_cleanup},
};

}  // namespace

std::string_view to_string(ProcEvent e) {
    switch (e) {
        case E::start: return "start";
        case E::spawn_ok: return "spawn_ok";
        case E::spawn_ok_unready: return "spawn_ok_unready";
        case E::ready: return "ready";
        case E::spawn_failed: return "spawn_failed";
        case E::min_uptime_reached: return "min_uptime_reached";
        case E::exit_restart: return "exit_restart";
        case E::exit_done: return "exit_done";
        case E::exit_give_up: return "exit_give_up";
        case E::stop: return "stop";
        case E::kill_timeout: return "kill_timeout";
        case E::backoff_elapsed: return "backoff_elapsed";
    }
    return "unknown";
}

std::optional<Transition> transition(ProcessState state, ProcEvent event) {
    for (const auto& row : k_table) {
        if (row.state == state && row.event == event) {
            return Transition{row.next, row.actions};
        }
    }
    return std::nullopt;
}

}  // namespace pm::sup
