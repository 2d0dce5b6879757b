// Unit tests for ProcessState names and the running predicate.
#include "common/process_state.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

TEST_SUITE("common") {

TEST_CASE("every process state round-trips through its name") {
    struct Row {
        pm::ProcessState state;
        const char* name;
        bool running;
    };
    const Row rows[] = {
        {pm::ProcessState::stopped, "stopped", false},
        {pm::ProcessState::starting, "starting", true},
        {pm::ProcessState::online, "online", true},
        {pm::ProcessState::stopping, "stopping", true},
        {pm::ProcessState::exited, "exited", false},
        {pm::ProcessState::backoff, "backoff", false},
        {pm::ProcessState::errored, "errored", false},
    };
    REQUIRE(std::size(rows) == std::size(pm::k_all_states));
    for (std::size_t i = 0; i < std::size(rows); ++i) {
        const auto& row = rows[i];
        CAPTURE(row.name);
        CHECK(pm::k_all_states[i] == row.state);
        CHECK(pm::to_string(row.state) == row.name);
        auto back = pm::process_state_from_string(row.name);
        REQUIRE(back.has_value());
        CHECK(*back == row.state);
        CHECK(pm::is_running(row.state) == row.running);
    }
}

TEST_CASE("every listed state has a distinct known name") {
    std::set<std::string> names;
    for (auto s : pm::k_all_states) {
        auto name = std::string(pm::to_string(s));
        CHECK(name != "unknown");
        CHECK(names.insert(name).second);
        auto back = pm::process_state_from_string(name);
        REQUIRE(back.has_value());
        CHECK(*back == s);
    }
}

TEST_CASE("unknown state names are rejected") {
    for (const char* name : {"", "Online", "ONLINE", "running", "unknown", "online "}) {
        CAPTURE(name);
        CHECK_FALSE(pm::process_state_from_string(name).has_value());
    }
}

}  // TEST_SUITE("common")
