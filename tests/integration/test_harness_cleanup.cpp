// The harness itself: a test process killed before its teardown (a crash, a
// CI timeout) takes its pmd with it, so a failed run leaves no daemon behind.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <sstream>
#include <thread>

#include "harness.hpp"

using namespace pm::test;

namespace {

constexpr const char* k_report_env = "PM_HARNESS_CLEANUP_REPORT";
constexpr const char* k_victim_test = "harness victim: a test killed while its pmd and a child run";

std::string self_exe() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    REQUIRE_MESSAGE(!ec, "readlink /proc/self/exe: " << ec.message());
    return p.string();
}

}  // namespace

TEST_SUITE("integration/harness_cleanup") {

// Skipped in a normal run (and not listed to ctest); the test below runs it
// with --no-skip and kills it. It reports its home and tag, then waits.
TEST_CASE("harness victim: a test killed while its pmd and a child run" * doctest::skip()) {
    const char* report = std::getenv(k_report_env);
    REQUIRE_MESSAGE(report != nullptr, "run only by the harness cleanup test");
    TempHome home;
    RunResult r = start_child(home, "sleeper", {"sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_instance(
        home, "sleeper", [](const json& p) { return p.value("state", "") == "online"; }, "sleeper online");
    std::string tmp = std::string(report) + ".tmp";
    write_text(tmp, home.path() + "\n" + home.tag() + "\n");
    std::filesystem::rename(tmp, report);
    std::this_thread::sleep_for(60s);  // the killer's bound; never reached when it works
    FAIL("the victim was not killed");
}

TEST_CASE("a test process killed without its teardown takes its pmd with it") {
    TempHome scratch(no_daemon());
    std::string report = scratch.file("report");
    Spawned victim = spawn_captured(self_exe(), {"--no-skip", std::string("-tc=") + k_victim_test},
                                    scratch.env({std::string(k_report_env) + "=" + report}));
    REQUIRE(victim.pid > 0);
    bool reported = wait_until(
        [&](std::string& observed) {
            observed = "no report yet";
            return file_exists(report);
        },
        30s, "the victim test has started its pmd and child");
    std::istringstream lines(read_file(report));
    std::string home_path, tag;
    std::getline(lines, home_path);
    std::getline(lines, tag);
    pid_t pmd = reported ? [&] {
        auto pids = read_pids(home_path + "/pmd.pid");
        return pids.empty() ? -1 : pids[0];
    }() : -1;
    CHECK_MESSAGE(pid_alive(pmd), "the victim's pmd (" << pmd << ") runs before the kill");

    ::kill(victim.pid, SIGKILL);
    RunResult v = finish(victim, 10s);
    CHECK_MESSAGE(v.exit_code == 128 + SIGKILL, describe(v));
    CHECK(wait_until(
        [&](std::string& observed) {
            observed = describe_pids({pmd});
            return !pid_alive(pmd);
        },
        10s, "the victim's pmd is gone after the victim was killed"));

    // pmd's children are in their own process groups and outlive a SIGKILLed
    // pmd; nothing reaches them but a scan for the victim's tag.
    for (pid_t pid : tag.empty() ? std::vector<pid_t>{} : pids_with_env("PMD_TEST_TAG=" + tag)) {
        ::kill(pid, SIGKILL);
    }
    if (!home_path.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(home_path, ec);
    }
}

}  // TEST_SUITE("integration/harness_cleanup")
