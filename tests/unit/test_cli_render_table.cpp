// Unit tests for the CLI's human output helpers: state colours come from the
// parsed state, and exits are described for a person.
#include "cli/render/table.hpp"

#include <doctest/doctest.h>

#include "common/process_state.hpp"

TEST_SUITE("cli") {

TEST_CASE("state colours: online green, errored red, stopped and exited grey, the rest yellow") {
    CHECK(pm::cli::state_colour("online") == "\033[32m");
    CHECK(pm::cli::state_colour("errored") == "\033[31m");
    CHECK(pm::cli::state_colour("stopped") == "\033[90m");
    CHECK(pm::cli::state_colour("exited") == "\033[90m");
    for (auto s : {pm::ProcessState::starting, pm::ProcessState::stopping, pm::ProcessState::backoff}) {
        CHECK(pm::cli::state_colour(std::string(pm::to_string(s))) == "\033[33m");
    }
    CHECK(pm::cli::state_colour("a-state-from-a-newer-pmd") == "\033[33m");
}

TEST_CASE("an exit is described by its signal or its code") {
    CHECK(pm::cli::describe_exit(pm::json(nullptr)) == "-");
    CHECK(pm::cli::describe_exit(pm::json{{"code", 3}}) == "code 3");
    CHECK(pm::cli::describe_exit(pm::json{{"signal", "SIGTERM"}}) == "SIGTERM");
    CHECK(pm::cli::describe_exit(pm::json{{"signal", "SIGKILL"}, {"escalated", true}}) ==
          "SIGKILL (SIGKILL after kill timeout)");
}

}  // TEST_SUITE("cli")
