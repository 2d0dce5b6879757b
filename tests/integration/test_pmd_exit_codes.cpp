// pmd's documented exit codes, which pm's autostart reads instead of pmd's
// messages (docs/cli.md, "pmd").
#include <doctest/doctest.h>

#include "common/protocol.hpp"
#include "harness.hpp"

using namespace pm::test;

TEST_SUITE("integration/pmd_exit_codes") {

TEST_CASE("a second foreground pmd on the same home exits with the already-running code") {
    TempHome home;
    RunResult second = run_process(PMD_BIN, {"--foreground"}, home.env(), 10s);
    CHECK_MESSAGE(second.exit_code == pm::k_pmd_exit_already_running, describe(second));
    CHECK_MESSAGE(second.err.find("already running (pid ") != std::string::npos, describe(second));
}

TEST_CASE("a second detaching pmd passes the already-running code on to its parent") {
    TempHome home;
    RunResult second = run_process(PMD_BIN, {}, home.env(), 10s);
    CHECK_MESSAGE(second.exit_code == pm::k_pmd_exit_already_running, describe(second));
    CHECK_MESSAGE(second.err.find("already running (pid ") != std::string::npos, describe(second));
    CHECK(home.daemons() == std::vector<pid_t>{home.pmd_child()});
}

}  // TEST_SUITE("integration/pmd_exit_codes")
