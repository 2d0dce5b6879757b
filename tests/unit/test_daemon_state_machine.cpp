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
using pm::sup::ProcEvent;
using pm::sup::Transition;
using S = ProcessState;
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

constexpr std::size_t k_nstates = std::size(pm::k_all_states);
constexpr std::size_t k_nevents = std::size(sup::k_all_events);

// Rows follow pm::k_all_states; columns follow sup::k_all_events:
//   start, spawn_ok, spawn_ok_unready, ready, spawn_failed, min_uptime_reached,
//   exit_restart, exit_done, exit_give_up, stop, kill_timeout, backoff_elapsed
// clang-format off
constexpr Cell k_expected[k_nstates][k_nevents] = {
    // stopped
    {to(S::starting, k_manual_start), ign, ign, ign, ign, ign, ign,
     ign, ign, ign, ign, ign},
    // starting
    {ign, to(S::online, sup::act_arm_uptime), to(S::starting, sup::act_arm_uptime),
     to(S::online, sup::act_none), to(S::errored, k_cancel), to(S::starting, sup::act_mark_stable),
     to(S::backoff, k_to_backoff), to(S::exited, k_cancel), to(S::errored, k_cancel),
     to(S::stopping, sup::act_signal_stop), ign, ign},
    // online
    {ign, ign, ign, ign, ign, to(S::online, sup::act_mark_stable),
     to(S::backoff, k_to_backoff), to(S::exited, k_cancel), to(S::errored, k_cancel),
     to(S::stopping, sup::act_signal_stop), ign, ign},
    // stopping
    {ign, ign, ign, ign, ign, ign,
     to(S::stopped, k_cancel), to(S::stopped, k_cancel), to(S::stopped, k_cancel),
     ign, to(S::stopping, sup::act_signal_kill), ign},
    // exited
    {to(S::starting, k_manual_start), ign, ign, ign, ign, ign, ign,
     ign, ign, to(S::stopped, sup::act_none), ign, ign},
    // backoff
    {to(S::starting, sup::act_cancel_timers | k_manual_start), ign, ign, ign, ign, ign, ign,
     ign, ign, to(S::stopped, k_cancel), ign, to(S::starting, sup::act_spawn)},
    // errored
    {to(S::starting, k_manual_start), ign, ign, ign, ign, ign, ign,
     ign, ign, to(S::stopped, sup::act_none), ign, ign},
};
// clang-format on

std::string actions_str(std::uint32_t a) {
    static constexpr std::pair<std::uint32_t, const char*> k_names[] = {
        {sup::act_cancel_timers, "cancel_timers"}, {sup::act_reset_counters, "reset_counters"},
        {sup::act_spawn, "spawn"},                 {sup::act_arm_uptime, "arm_uptime"},
        {sup::act_mark_stable, "mark_stable"},     {sup::act_signal_stop, "signal_stop"},
        {sup::act_signal_kill, "signal_kill"},     {sup::act_arm_backoff, "arm_backoff"},
        {sup::act_count_restart, "count_restart"},
    };
    std::string out;
    for (const auto& [bit, name] : k_names) {
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
        INFO("from ", pm::to_string(state), " on ", sup::to_string(e));
        REQUIRE(t.has_value());
        state = t->next;
    }
    return state;
}

}  // namespace

TEST_SUITE("supervisor") {

TEST_CASE("state machine matches the expected table for every state and event") {
    REQUIRE(k_nstates == 7);
    REQUIRE(k_nevents == 12);
    for (std::size_t si = 0; si < k_nstates; ++si) {
        for (std::size_t ei = 0; ei < k_nevents; ++ei) {
            S state = pm::k_all_states[si];
            E event = sup::k_all_events[ei];
            const Cell& want = k_expected[si][ei];
            INFO(pm::to_string(state), " + ", sup::to_string(event));
            auto got = sup::transition(state, event);
            REQUIRE(got.has_value() == want.handled);
            if (got) {
                CHECK(pm::to_string(got->next) == pm::to_string(want.next));
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

TEST_CASE("a stopped process stays stopped until a user starts it") {
    for (E event : sup::k_all_events) {
        INFO("stopped + ", sup::to_string(event));
        auto t = sup::transition(S::stopped, event);
        if (event == E::start) {
            REQUIRE(t.has_value());
            CHECK(t->next == S::starting);
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
    for (S state : pm::k_all_states) {
        INFO(pm::to_string(state));
        if (auto u = sup::transition(state, E::spawn_failed)) {
            CHECK(u->next == S::errored);
        }
    }
    // The backoff path too: a restart whose spawn fails gives up.
    CHECK(run(S::online, {E::exit_restart, E::backoff_elapsed, E::spawn_failed}) == S::errored);
}

TEST_CASE("a manual start from a resting state spawns with fresh counters") {
    for (S state : {S::errored, S::exited, S::stopped, S::backoff}) {
        INFO(pm::to_string(state));
        auto t = sup::transition(state, E::start);
        REQUIRE(t.has_value());
        CHECK(t->next == S::starting);
        CHECK((t->actions & sup::act_spawn) != 0);
        CHECK((t->actions & sup::act_reset_counters) != 0);
    }
    // Leaving backoff early must also cancel the pending backoff timer.
    auto b = sup::transition(S::backoff, E::start);
    REQUIRE(b.has_value());
    CHECK((b->actions & sup::act_cancel_timers) != 0);
}

TEST_CASE("a start while running never spawns a second copy") {
    for (S state : {S::starting, S::online, S::stopping}) {
        INFO(pm::to_string(state));
        CHECK_FALSE(sup::transition(state, E::start).has_value());
    }
}

TEST_CASE("spawning and timers follow the states that need them") {
    for (S state : pm::k_all_states) {
        for (E event : sup::k_all_events) {
            auto t = sup::transition(state, event);
            if (!t) {
                continue;
            }
            INFO(pm::to_string(state), " + ", sup::to_string(event), " -> ",
                 pm::to_string(t->next), " [", actions_str(t->actions), "]");
            // Only a move into starting spawns, and every move into starting from
            // another state spawns (starting -> starting waits for readiness).
            if (state != S::starting) {
                CHECK(((t->actions & sup::act_spawn) != 0) == (t->next == S::starting));
            } else {
                CHECK((t->actions & sup::act_spawn) == 0);
            }
            // Entering backoff arms its timer and counts the restart.
            if (t->next == S::backoff) {
                CHECK((t->actions & sup::act_arm_backoff) != 0);
                CHECK((t->actions & sup::act_count_restart) != 0);
            }
            // Entering stopping from elsewhere sends the stop signal.
            if (t->next == S::stopping && state != S::stopping) {
                CHECK((t->actions & sup::act_signal_stop) != 0);
            }
            // The uptime timer is armed only right after a successful spawn.
            if ((t->actions & sup::act_arm_uptime) != 0) {
                CHECK((event == E::spawn_ok || event == E::spawn_ok_unready));
            }
            // A running process that leaves the running states drops its timers.
            if (pm::is_running(state) && !pm::is_running(t->next)) {
                CHECK((t->actions & sup::act_cancel_timers) != 0);
            }
            // Only SIGKILL escalation happens in stopping.
            if ((t->actions & sup::act_signal_kill) != 0) {
                CHECK(state == S::stopping);
            }
        }
    }
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
    CHECK(sup::to_string(E::min_uptime_reached) == "min_uptime_reached");
    CHECK(sup::to_string(E::backoff_elapsed) == "backoff_elapsed");
}

}  // TEST_SUITE("supervisor")
