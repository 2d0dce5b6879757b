// Unit tests for RestartMode's name table.
#include "common/restart_mode.hpp"

#include <doctest/doctest.h>

TEST_SUITE("common") {

TEST_CASE("every restart mode round-trips through its name") {
    for (const auto& [mode, name] : pm::k_restart_modes) {
        CAPTURE(name);
        CHECK(pm::to_string(mode) == name);
        CHECK(pm::restart_mode_from_string(name) == mode);
    }
    CHECK_FALSE(pm::restart_mode_from_string("on_failure").has_value());
    CHECK(pm::restart_mode_list() == "always, on-failure or never");
}

}  // TEST_SUITE
