// Unit tests for the restart policy: restart decisions by mode and exit,
// unstable-run counting, giving up, and the backoff delay.
#include "daemon/supervisor/restart_policy.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace {

using pm::sup::ExitInfo;
using pm::sup::ProcEvent;
using pm::sup::RestartMode;
using pm::sup::RestartPolicy;
namespace sup = pm::sup;

constexpr ExitInfo k_clean{false, 0};
constexpr ExitInfo k_failed{false, 1};
constexpr ExitInfo k_signalled{true, 15};

RestartPolicy policy(RestartMode mode) {
    RestartPolicy p;
    p.mode = mode;
    return p;
}

std::string ev(ProcEvent e) { return std::string(sup::to_string(e)); }

}  // namespace

TEST_SUITE("supervisor") {

TEST_CASE("restart policy defaults match the documented values") {
    RestartPolicy p;
    CHECK(p.mode == RestartMode::always);
    CHECK(p.max_restarts == 16);
    CHECK(p.min_uptime_ms == 1000);
    CHECK(p.restart_delay_ms == 0);
    CHECK(p.backoff_base_ms == 100);
    CHECK(p.max_backoff_ms == 15000);
}

TEST_CASE("restart mode decides by exit code and signal after a stable run") {
    struct Row {
        RestartMode mode;
        ExitInfo exit;
        ProcEvent event;
    };
    const Row rows[] = {
        {RestartMode::always, k_clean, ProcEvent::exit_restart},
        {RestartMode::always, k_failed, ProcEvent::exit_restart},
        {RestartMode::always, k_signalled, ProcEvent::exit_restart},
        {RestartMode::on_failure, k_clean, ProcEvent::exit_done},
        {RestartMode::on_failure, k_failed, ProcEvent::exit_restart},
        {RestartMode::on_failure, k_signalled, ProcEvent::exit_restart},
        {RestartMode::on_failure, ExitInfo{false, 255}, ProcEvent::exit_restart},
        {RestartMode::on_failure, ExitInfo{true, 0}, ProcEvent::exit_restart},
        {RestartMode::never, k_clean, ProcEvent::exit_done},
        {RestartMode::never, k_failed, ProcEvent::exit_done},
        {RestartMode::never, k_signalled, ProcEvent::exit_done},
    };
    for (const auto& row : rows) {
        CAPTURE(sup::to_string(row.mode));
        CAPTURE(row.exit.by_signal);
        CAPTURE(row.exit.code);
        auto p = policy(row.mode);
        auto d = sup::decide_on_exit(p, row.exit, 60000, 0);
        CHECK(ev(d.event) == ev(row.event));
        CHECK(d.unstable == 0);
        if (row.event == ProcEvent::exit_restart) {
            CHECK(d.delay_ms == p.restart_delay_ms);
        }
    }
}

TEST_CASE("modes that do not restart never count an unstable run") {
    for (RestartMode mode : {RestartMode::never, RestartMode::on_failure}) {
        CAPTURE(sup::to_string(mode));
        auto d = sup::decide_on_exit(policy(mode), k_clean, 10, 5);
        CHECK(ev(d.event) == "exit_done");
        CHECK(d.unstable == 0);
        CHECK(d.delay_ms == 0);
    }
}

TEST_CASE("a run shorter than min_uptime is unstable and a longer one is stable") {
    RestartPolicy p;
    p.min_uptime_ms = 1000;
    p.restart_delay_ms = 250;
    SUBCASE("stable at exactly min_uptime resets the series") {
        auto d = sup::decide_on_exit(p, k_failed, 1000, 7);
        CHECK(ev(d.event) == "exit_restart");
        CHECK(d.unstable == 0);
        CHECK(d.delay_ms == 250);
    }
    SUBCASE("one millisecond short is unstable") {
        auto d = sup::decide_on_exit(p, k_failed, 999, 0);
        CHECK(ev(d.event) == "exit_restart");
        CHECK(d.unstable == 1);
        CHECK(d.delay_ms == 250);  // restart_delay is a floor over the 100 ms base
    }
    SUBCASE("an immediate exit is unstable") {
        auto d = sup::decide_on_exit(p, k_clean, 0, 2);
        CHECK(ev(d.event) == "exit_restart");
        CHECK(d.unstable == 3);
    }
}

TEST_CASE("consecutive unstable runs count up and give up past max_restarts") {
    RestartPolicy p;
    p.max_restarts = 3;
    p.min_uptime_ms = 1000;
    int unstable = 0;
    for (int run = 1; run <= 3; ++run) {
        CAPTURE(run);
        auto d = sup::decide_on_exit(p, k_failed, 10, unstable);
        REQUIRE(ev(d.event) == "exit_restart");
        CHECK(d.unstable == run);
        unstable = d.unstable;
    }
    // Exactly at the limit still restarted; one more gives up.
    auto d = sup::decide_on_exit(p, k_failed, 10, unstable);
    CHECK(ev(d.event) == "exit_give_up");
    CHECK(d.unstable == 4);
    CHECK(d.delay_ms == 0);
}

TEST_CASE("max_restarts boundary with the default policy") {
    RestartPolicy p;  // max_restarts 16
    auto at_limit = sup::decide_on_exit(p, k_failed, 0, 15);
    CHECK(ev(at_limit.event) == "exit_restart");
    CHECK(at_limit.unstable == 16);
    auto past_limit = sup::decide_on_exit(p, k_failed, 0, 16);
    CHECK(ev(past_limit.event) == "exit_give_up");
    CHECK(past_limit.unstable == 17);
    SUBCASE("max_restarts 0 gives up on the first unstable run") {
        p.max_restarts = 0;
        CHECK(ev(sup::decide_on_exit(p, k_failed, 0, 0).event) == "exit_give_up");
        // but a stable run still restarts
        CHECK(ev(sup::decide_on_exit(p, k_failed, 5000, 0).event) == "exit_restart");
    }
}

TEST_CASE("backoff doubles from the base and caps at max_backoff") {
    RestartPolicy p;
    p.backoff_base_ms = 100;
    p.max_backoff_ms = 15000;
    p.restart_delay_ms = 0;
    struct Row {
        int unstable;
        std::int64_t delay;
    };
    const Row rows[] = {
        {0, 0},  {1, 100},   {2, 200},   {3, 400},   {4, 800},     {5, 1600},
        {6, 3200}, {7, 6400}, {8, 12800}, {9, 15000}, {10, 15000}, {1000, 15000},
    };
    for (const auto& row : rows) {
        CAPTURE(row.unstable);
        CHECK(sup::backoff_delay_ms(p, row.unstable) == row.delay);
    }
    SUBCASE("decide_on_exit uses the same delays, with spawns at least 1 s apart") {
        for (int before = 0; before < 12; ++before) {
            CAPTURE(before);
            auto d = sup::decide_on_exit(p, k_failed, 0, before);
            CHECK(d.delay_ms == std::max<std::int64_t>(1000, sup::backoff_delay_ms(p, before + 1)));
            auto later = sup::decide_on_exit(p, k_failed, 700, before);
            CHECK(later.delay_ms == std::max<std::int64_t>(300, sup::backoff_delay_ms(p, before + 1)));
        }
    }
}

TEST_CASE("the 1 s spawn floor is capped by max_backoff, so --max-backoff 0 restarts at once") {
    RestartPolicy p;
    p.max_backoff_ms = 0;
    p.backoff_base_ms = 0;
    CHECK(sup::decide_on_exit(p, k_failed, 0, 0).delay_ms == 0);
    p.max_backoff_ms = 400;
    p.backoff_base_ms = 100;
    CHECK(sup::decide_on_exit(p, k_failed, 0, 0).delay_ms == 400);
    CHECK(sup::decide_on_exit(p, k_failed, 350, 0).delay_ms == 100);
    // A stable run is restarted after restart_delay alone.
    CHECK(sup::decide_on_exit(p, k_failed, 5000, 3).delay_ms == 0);
}

TEST_CASE("backoff never overflows for a huge unstable count") {
    RestartPolicy p;
    p.backoff_base_ms = 1;
    p.max_backoff_ms = 7LL * 86400 * 1000;
    CHECK(sup::backoff_delay_ms(p, 1000000) == p.max_backoff_ms);
    p.backoff_base_ms = 0;
    p.max_backoff_ms = 0;
    CHECK(sup::backoff_delay_ms(p, 50) == 0);
}

TEST_CASE("restart_delay is a floor under the backoff") {
    RestartPolicy p;
    p.backoff_base_ms = 100;
    p.max_backoff_ms = 15000;
    p.restart_delay_ms = 1000;
    CHECK(sup::backoff_delay_ms(p, 0) == 1000);
    CHECK(sup::backoff_delay_ms(p, 1) == 1000);
    CHECK(sup::backoff_delay_ms(p, 4) == 1000);
    CHECK(sup::backoff_delay_ms(p, 5) == 1600);
    CHECK(sup::backoff_delay_ms(p, 20) == 15000);
    p.restart_delay_ms = 20000;  // a floor above the ceiling wins
    CHECK(sup::backoff_delay_ms(p, 20) == 20000);
}

TEST_CASE("restart modes round-trip through their names") {
    struct Row {
        RestartMode mode;
        const char* name;
    };
    const Row rows[] = {
        {RestartMode::always, "always"},
        {RestartMode::on_failure, "on-failure"},
        {RestartMode::never, "never"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.name);
        CHECK(sup::to_string(row.mode) == row.name);
        auto back = sup::restart_mode_from_string(row.name);
        REQUIRE(back.has_value());
        CHECK(*back == row.mode);
    }
    for (const char* bad : {"", "on_failure", "Always", "NEVER", "sometimes", "always "}) {
        CAPTURE(bad);
        CHECK_FALSE(sup::restart_mode_from_string(bad).has_value());
    }
}

}  // TEST_SUITE("supervisor")
