// Restart policy: pure decisions on exit (restart, leave exited, give up)
// and the backoff delay. No clock, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/restart_mode.hpp"
#include "daemon/supervisor/state_machine.hpp"

namespace pm::sup {

using pm::RestartMode;  // defined in common/: the start options name it too
using pm::restart_mode_from_string;
using pm::to_string;

struct RestartPolicy {
    RestartMode mode = RestartMode::always;
    std::int64_t max_restarts = 16;      // consecutive unstable restarts before errored
    std::int64_t min_uptime_ms = 1000;   // a run shorter than this is unstable
    std::int64_t restart_delay_ms = 0;   // delay after a stable run
    std::int64_t backoff_base_ms = 100;  // first delay after an unstable run
    std::int64_t max_backoff_ms = 15000; // ceiling of the exponential backoff
    // After an unstable run, the next spawn comes at least this long after
    // the previous one (the 1 s floor of daemontools/runit/s6), but never
    // later than max_backoff allows: `--max-backoff 0` turns it off.
    std::int64_t min_spawn_gap_ms = 1000;
};

struct ExitInfo {
    bool by_signal = false;
    int code = 0;  // exit code, or the signal number when by_signal
};

struct ExitDecision {
    ProcEvent event;      // exit_restart, exit_done or exit_give_up
    std::int64_t delay_ms = 0;
    int unstable = 0;     // consecutive unstable runs after this exit
};

// Pure. `unstable_before` is the count of consecutive unstable runs before
// this one; `ran_ms` is how long this run lasted. An unstable run is
// restarted after the backoff delay, and no sooner than min_spawn_gap_ms
// after its own spawn.
ExitDecision decide_on_exit(const RestartPolicy& p, const ExitInfo& exit, std::int64_t ran_ms,
                            int unstable_before);

// Pure. Delay before restart number `unstable` (1-based) of an unstable series.
std::int64_t backoff_delay_ms(const RestartPolicy& p, int unstable);

}  // namespace pm::sup
