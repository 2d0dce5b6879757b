// Restart decisions and exponential backoff with a ceiling.
#include "daemon/supervisor/restart_policy.hpp"

#include <algorithm>

namespace pm::sup {

std::int64_t backoff_delay_ms(const RestartPolicy& p, int unstable) {
    if (unstable <= 0) {
        return p.restart_delay_ms;
    }
    std::int64_t delay = p.backoff_base_ms;
    for (int i = 1; i < unstable && delay < p.max_backoff_ms; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, p.max_backoff_ms);
    return std::max(delay, p.restart_delay_ms);
}

ExitDecision decide_on_exit(const RestartPolicy& p, const ExitInfo& exit, std::int64_t ran_ms,
                            int unstable_before) {
    bool failed = exit.by_signal || exit.code != 0;
    bool wants_restart = p.mode == RestartMode::always || (p.mode == RestartMode::on_failure && failed);
    if (!wants_restart) {
        return {ProcEvent::exit_done, 0, 0};
    }
    bool stable = ran_ms >= p.min_uptime_ms;
    if (stable) {
        return {ProcEvent::exit_restart, p.restart_delay_ms, 0};
    }
    int unstable = unstable_before + 1;
    if (unstable > p.max_restarts) {
        return {ProcEvent::exit_give_up, 0, unstable};
    }
    std::int64_t gap = std::min(p.min_spawn_gap_ms, p.max_backoff_ms) - ran_ms;
    return {ProcEvent::exit_restart, std::max(backoff_delay_ms(p, unstable), gap), unstable};
}

}  // namespace pm::sup
