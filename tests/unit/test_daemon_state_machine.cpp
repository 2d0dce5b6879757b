// Unit tests for the supervisor state machine: every (state, event) pair
// against an explicit expected table, plus the safety properties it must keep.
#include "daemon/supervisor/state_machine.hpp"

#include <doctest/doctest.h>

#include <set>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace {

using pm::ProcessState;
using pm::sup::MachineState;
using pm::sup::ProcEvent;
using pm::sup::Transition;
using S = MachineState;
using E = ProcEvent;
namespace sup = pm::sup;

struct Cell {
    bool handled;
    S next;
    std::uint32_t actions;
};

constexpr Cell ign{false, S::stopped, 0};
constexpr Cell to(S next, std::uint32_t actions) { return Cell{true, next, actions}; }

constexpr std::uint32_t k_cancel = sup::act_cancel_timers;
constexpr std::uint32_t k_manual_start = sup::act_reset_counters | sup::act_spawn;
constexpr std::uint32_t k_to_backoff =
    sup::act_cancel_timers | sup::act_count_restart | sup::act_arm_backoff;
constexpr std::uint32_t k_restart_running = sup::act_count_reason | sup::act_signal_stop;
constexpr std::uint32_t k_spawns = sup::act_spawn | sup::act_respawn;

constexpr std::size_t k_nstates = std::size(sup::k_all_machine_states);
constexpr std::size_t k_nevents = std::size(sup::k_all_events);

// Rows follow sup::k_all_machine_states; columns follow sup::k_all_events:
//   start, restart, remove, spawn_ok, spawn_ok_unready, ready, spawn_failed,
//   min_uptime_reached, exit_restart, exit_done, exit_give_up, stop,
//   kill_timeout, backoff_elapsed
// clang-format off
constexpr Cell k_expected[k_nstates][k_nevents] = {
    // stopped
    {to(S::starting, k_manual_start), to(S::starting, k_manual_start), to(S::removed, sup::act_none),
     ign, ign, ign, ign, ign, ign, ign, ign, ign, ign, ign},
    // starting
    {ign, to(S::restarting, k_restart_running), to(S::removing, sup::act_signal_stop),
     to(S::online, sup::act_arm_uptime), to(S::starting, sup::act_arm_uptime),
     to(S::online, sup::act_none), to(S::errored, k_cancel), to(S::starting, sup::act_mark_stable),
     to(S::backoff, k_to_backoff), to(S::exited, k_cancel), to(S::errored, k_cancel),
     to(S::stopping, sup::act_signal_stop), ign, ign},
    // online
    {ign, to(S::restarting, k_restart_running), to(S::removing, sup::act_signal_stop),
     ign, ign, ign, ign, to(S::online, sup::act_mark_stable),
     to(S::backoff, k_to_backoff), to(S::exited, k_cancel), to(S::errored, k_cancel),
     to(S::stopping, sup::act_signal_stop), ign, ign},
    // stopping
    {ign, to(S::restarting, sup::act_count_reason), to(S::removing, sup::act_none),
     ign, ign, ign, ign, ign,
     to(S::stopped, k_cancel), to(S::stopped, k_cancel), to(S::stopped, k_cancel),
     ign, to(S::stopping, sup::act_signal_kill), ign},
    // exited
    {to(S::starting, k_manual_start), to(S::starting, k_manual_start), to(S::removed, sup::act_none),
     ign, ign, ign, ign, ign, ign, ign, ign, to(S::stopped, sup::act_none), ign, ign},
    // backoff
    {to(S::starting, k_cancel | k_manual_start), to(S::starting, k_cancel | k_manual_start),
     to(S::removed, k_cancel),
     ign, ign, ign, ign, ign, ign, ign, ign, to(S::stopped, k_cancel), ign,
     to(S::starting, sup::act_respawn)},
    // errored
    {to(S::starting, k_manual_start), to(S::starting, k_manual_start), to(S::removed, sup::act_none),
     ign, ign, ign, ign, ign, ign, ign, ign, to(S::stopped, sup::act_none), ign, ign},
    // restarting
    {ign, to(S::restarting, sup::act_count_reason), to(S::removing, sup::act_none),
     ign, ign, ign, ign, ign,
     to(S::starting, k_cancel | k_manual_start), to(S::starting, k_cancel | k_manual_start),
     to(S::starting, k_cancel | k_manual_start),
     to(S::stopping, sup::act_none), to(S::restarting, sup::act_signal_kill), ign},
    // removing
    {ign, ign, ign, ign, ign, ign, ign, ign,
     to(S::removed, k_cancel), to(S::removed, k_cancel), to(S::removed, k_cancel),
     ign, to(S::removing, sup::act_signal_kill), ign},
    // removed
    {ign, ign, ign, ign, ign, ign, ign, ign, ign, ign, ign, ign, ign, ign},
};
// clang-format on

ProcessState pub(S s) { return sup::public_state(s); }

std::string actions_str(std::uint32_t a) {
    std::string out;
    for (const auto& [bit, name] : sup::k_action_names) {
        if ((a & bit) != 0) {
            out += out.empty() ? "" : "|";
            out += name;
            a &= ~bit;
        }
    }
    if (a != 0) {
        out += (out.empty() ? "" : "|") + std::string("unknown");
    }
    return out.empty() ? "none" : out;
}

// Applies a sequence of events that must all be handled; returns the end state.
S run(S state, std::initializer_list<E> events) {
    for (E e : events) {
        auto t = sup::transition(state, e);
        INFO("from ", sup::to_string(state), " on ", sup::to_string(e));
        REQUIRE(t.has_value());
        state = t->next;
    }
    return state;
}

}  // namespace

TEST_SUITE("supervisor") {

TEST_CASE("state machine matches the expected table for every state and event") {
    REQUIRE(k_nstates == 10);
    REQUIRE(k_nevents == 14);
    for (std::size_t si = 0; si < k_nstates; ++si) {
        for (std::size_t ei = 0; ei < k_nevents; ++ei) {
            S state = sup::k_all_machine_states[si];
            E event = sup::k_all_events[ei];
            const Cell& want = k_expected[si][ei];
            INFO(sup::to_string(state), " + ", sup::to_string(event));
            auto got = sup::transition(state, event);
            REQUIRE(got.has_value() == want.handled);
            if (got) {
                CHECK(sup::to_string(got->next) == sup::to_string(want.next));
                CHECK(actions_str(got->actions) == actions_str(want.actions));
            }
        }
    }
}

TEST_CASE("a stop never races into a restart") {
    for (E event : sup::k_all_events) {
        INFO("stopping + ", sup::to_string(event));
        auto t = sup::transition(S::stopping, event);
        if (!t) {
            continue;
        }
        CHECK(t->next != S::backoff);
        CHECK(t->next != S::starting);
        CHECK(t->next != S::online);
        CHECK((t->actions & (sup::act_spawn | sup::act_arm_backoff | sup::act_count_restart)) == 0);
    }
    // Every exit while stopping ends in stopped, whatever the policy said.
    for (E exit : {E::exit_restart, E::exit_done, E::exit_give_up}) {
        INFO(sup::to_string(exit));
        auto t = sup::transition(S::stopping, exit);
        REQUIRE(t.has_value());
        CHECK(t->next == S::stopped);
    }
}

TEST_CASE("a stopped process stays stopped until a user starts restarts or removes it") {
    for (E event : sup::k_all_events) {
        INFO("stopped + ", sup::to_string(event));
        auto t = sup::transition(S::stopped, event);
        if (event == E::start || event == E::restart) {
            REQUIRE(t.has_value());
            CHECK(t->next == S::starting);
        } else if (event == E::remove) {
            REQUIRE(t.has_value());
            CHECK(t->next == S::removed);
        } else {
            CHECK_FALSE(t.has_value());
        }
    }
}

TEST_CASE("a spawn failure leads to errored") {
    auto t = sup::transition(S::starting, E::spawn_failed);
    REQUIRE(t.has_value());
    CHECK(t->next == S::errored);
    CHECK((t->actions & sup::act_spawn) == 0);
    // Wherever spawn_failed is handled at all, it ends in errored.
    for (S state : sup::k_all_machine_states) {
        INFO(sup::to_string(state));
        if (auto u = sup::transition(state, E::spawn_failed)) {
            CHECK(u->next == S::errored);
        }
    }
    // The backoff path too: a restart whose spawn fails gives up.
    CHECK(run(S::online, {E::exit_restart, E::backoff_elapsed, E::spawn_failed}) == S::errored);
}

TEST_CASE("a manual start or restart from a resting state spawns with fresh counters") {
    for (E event : {E::start, E::restart}) {
        for (S state : {S::errored, S::exited, S::stopped, S::backoff}) {
            INFO(sup::to_string(state), " + ", sup::to_string(event));
            auto t = sup::transition(state, event);
            REQUIRE(t.has_value());
            CHECK(t->next == S::starting);
            CHECK((t->actions & sup::act_spawn) != 0);
            CHECK((t->actions & sup::act_reset_counters) != 0);
            CHECK((t->actions & sup::act_count_reason) == 0);  // only a running instance's restart counts
        }
        // Leaving backoff early must also cancel the pending backoff timer.
        auto b = sup::transition(S::backoff, event);
        REQUIRE(b.has_value());
        CHECK((b->actions & sup::act_cancel_timers) != 0);
    }
}

TEST_CASE("a restart of a running instance stops it, counts once, and starts it again after the exit") {
    for (S state : {S::starting, S::online}) {
        INFO(sup::to_string(state));
        auto t = sup::transition(state, E::restart);
        REQUIRE(t.has_value());
        CHECK(t->next == S::restarting);
        CHECK(actions_str(t->actions) == actions_str(sup::act_count_reason | sup::act_signal_stop));
    }
    // Already stopping: no second stop signal, but the restart is wanted and counted.
    auto s = sup::transition(S::stopping, E::restart);
    REQUIRE(s.has_value());
    CHECK(s->next == S::restarting);
    CHECK(actions_str(s->actions) == actions_str(sup::act_count_reason));
    for (E exit : {E::exit_restart, E::exit_done, E::exit_give_up}) {
        INFO(sup::to_string(exit));
        CHECK(run(S::online, {E::restart, exit}) == S::starting);
        auto t = sup::transition(S::restarting, exit);
        REQUIRE(t.has_value());
        CHECK((t->actions & sup::act_reset_counters) != 0);
        CHECK((t->actions & sup::act_spawn) != 0);
    }
    CHECK(run(S::online, {E::restart, E::kill_timeout, E::exit_done, E::spawn_ok}) == S::online);
}

TEST_CASE("a stop wins over a pending restart") {
    CHECK(run(S::online, {E::restart, E::stop, E::exit_done}) == S::stopped);
    CHECK(run(S::online, {E::stop, E::restart, E::stop, E::exit_restart}) == S::stopped);
}

TEST_CASE("a removed instance never runs again") {
    for (S state : sup::k_all_machine_states) {
        INFO(sup::to_string(state));
        auto t = sup::transition(state, E::remove);
        if (state == S::removing || state == S::removed) {
            CHECK_FALSE(t.has_value());
            continue;
        }
        REQUIRE(t.has_value());
        CHECK((t->next == S::removing || t->next == S::removed));
        CHECK((t->actions & k_spawns) == 0);
        // A running one gets the stop signal, unless it was stopping already.
        bool stop_signal = (t->actions & sup::act_signal_stop) != 0;
        CHECK(stop_signal == (pub(state) == ProcessState::starting || pub(state) == ProcessState::online));
    }
    for (E event : sup::k_all_events) {
        INFO(sup::to_string(event));
        CHECK_FALSE(sup::transition(S::removed, event).has_value());
        if (auto t = sup::transition(S::removing, event)) {
            CHECK((t->next == S::removing || t->next == S::removed));
            CHECK((t->actions & k_spawns) == 0);
        }
    }
    CHECK(run(S::online, {E::restart, E::remove, E::exit_done}) == S::removed);
}

TEST_CASE("a start while running never spawns a second copy") {
    for (S state : {S::starting, S::online, S::stopping, S::restarting, S::removing}) {
        INFO(sup::to_string(state));
        CHECK_FALSE(sup::transition(state, E::start).has_value());
    }
}

TEST_CASE("spawning and timers follow the states that need them") {
    for (S state : sup::k_all_machine_states) {
        for (E event : sup::k_all_events) {
            auto t = sup::transition(state, event);
            if (!t) {
                continue;
            }
            INFO(sup::to_string(state), " + ", sup::to_string(event), " -> ",
                 sup::to_string(t->next), " [", actions_str(t->actions), "]");
            // Only a move into starting spawns, and every move into starting from
            // another state spawns (starting -> starting waits for readiness).
            // An automatic restart respawns; everything else spawns.
            if (state != S::starting) {
                CHECK(((t->actions & k_spawns) != 0) == (t->next == S::starting));
            } else {
                CHECK((t->actions & k_spawns) == 0);
            }
            CHECK(((t->actions & sup::act_respawn) != 0) == (event == E::backoff_elapsed));
            CHECK((t->actions & k_spawns) != k_spawns);
            // Entering backoff arms its timer and counts the restart.
            if (t->next == S::backoff) {
                CHECK((t->actions & sup::act_arm_backoff) != 0);
                CHECK((t->actions & sup::act_count_restart) != 0);
            }
            // Entering a stop from a running state sends the stop signal.
            if (pub(t->next) == ProcessState::stopping && pm::is_running(pub(state)) &&
                pub(state) != ProcessState::stopping) {
                CHECK((t->actions & sup::act_signal_stop) != 0);
            }
            // The uptime timer is armed only right after a successful spawn.
            if ((t->actions & sup::act_arm_uptime) != 0) {
                CHECK((event == E::spawn_ok || event == E::spawn_ok_unready));
            }
            // A running process that leaves the running states drops its timers.
            if (pm::is_running(pub(state)) && !pm::is_running(pub(t->next))) {
                CHECK((t->actions & sup::act_cancel_timers) != 0);
            }
            // Only SIGKILL escalation happens in stopping.
            if ((t->actions & sup::act_signal_kill) != 0) {
                CHECK(pub(state) == ProcessState::stopping);
            }
        }
    }
}

TEST_CASE("clients see the seven states and the three stops as stopping or stopped") {
    for (std::size_t k = 0; k < std::size(pm::k_all_states); ++k) {
        ProcessState p = pm::k_all_states[k];
        S m = sup::k_all_machine_states[k];
        CHECK(sup::to_string(m) == pm::to_string(p));
        CHECK(pub(m) == p);
    }
    CHECK(pub(S::restarting) == ProcessState::stopping);
    CHECK(pub(S::removing) == ProcessState::stopping);
    CHECK(pub(S::removed) == ProcessState::stopped);
}

TEST_CASE("every state is reachable from stopped") {
    std::set<S> seen{S::stopped};
    std::vector<S> todo{S::stopped};
    while (!todo.empty()) {
        S s = todo.back();
        todo.pop_back();
        for (E e : sup::k_all_events) {
            if (auto t = sup::transition(s, e); t && seen.insert(t->next).second) {
                todo.push_back(t->next);
            }
        }
    }
    CHECK(seen.size() == k_nstates);
}

TEST_CASE("a crash loop can always be stopped") {
    // online -> backoff -> starting -> online ... then stop at each point.
    CHECK(run(S::stopped, {E::start, E::spawn_ok, E::exit_restart, E::stop}) == S::stopped);
    CHECK(run(S::stopped, {E::start, E::spawn_ok, E::exit_restart, E::backoff_elapsed, E::stop,
                           E::kill_timeout, E::exit_restart}) == S::stopped);
    CHECK(run(S::stopped, {E::start, E::spawn_ok, E::exit_give_up, E::stop}) == S::stopped);
}

TEST_CASE("every event has a distinct name") {
    std::set<std::string> names;
    for (E e : sup::k_all_events) {
        auto name = std::string(sup::to_string(e));
        CHECK(name != "unknown");
        CHECK(names.insert(name).second);
    }
    std::set<std::string> state_names;
    for (S s : sup::k_all_machine_states) {
        auto name = std::string(sup::to_string(s));
        CHECK(name != "unknown");
        CHECK(state_names.insert(name).second);
    }
    CHECK(sup::to_string(E::min_uptime_reached) == "min_uptime_reached");
    CHECK(sup::to_string(E::backoff_elapsed) == "backoff_elapsed");
}

}  // TEST_SUITE("supervisor")
