// Readiness: --ready-fd (s6-style notification line) and --ready-tcp (a port
// that accepts), with pm start --wait and pm wait: success, the process
// dying first, and running out of time.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.hpp"

using namespace pm::test;

TEST_SUITE("integration/readiness") {

TEST_CASE("--ready-fd: starting until the process writes its line to fd 3, then online") {
    TempHome home;
    RunResult r = start_child(home, "svc", {"sleep-ms", "1500", "ready-fd", "3", "sleep"}, {"--ready-fd", "3"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(instance(home, "svc")["state"] == "starting");  // 1.5 s before it reports
    RunResult w = run_pm(home, {"--timeout", "10s", "wait", "svc"});
    CHECK_MESSAGE(w.exit_code == 0, describe(w));
    CHECK(instance(home, "svc")["state"] == "online");
    // Any --timeout pm takes, pmd takes too (it was capped at 24 h: bad_args).
    RunResult long_wait = run_pm(home, {"--timeout", "2d", "wait", "svc"});
    CHECK_MESSAGE(long_wait.exit_code == 0, describe(long_wait));
}

TEST_CASE("--ready-fd with start --wait returns once ready, with exit 0") {
    TempHome home;
    RunResult r = start_child(home, "svc", {"sleep-ms", "300", "ready-fd", "3", "sleep"},
                              {"--ready-fd", "3", "--wait"});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(instance(home, "svc")["state"] == "online");
}

TEST_CASE("--ready-tcp: online once the port accepts, and start --wait waits for it") {
    TempHome home;
    int port = free_port();
    RunResult r = start_child(home, "web", {"sleep-ms", "500", "listen", std::to_string(port), "sleep"},
                              {"--ready-tcp", std::to_string(port), "--wait"});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    json inst = instance(home, "web");
    CHECK(inst["state"] == "online");
    CHECK(r.elapsed >= Ms(400));  // it did wait for the listen, not for min_uptime alone
}

TEST_CASE("start --wait exits 1 when the process dies before it is ready") {
    TempHome home;
    RunResult r = start_child(home, "svc", {"exit", "4"}, {"--ready-fd", "3", "--wait", "--restart", "never"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(contains(r.err, "did not reach online"), describe(r));
    CHECK_MESSAGE(contains(r.err, "exit code 4"), describe(r));
}

TEST_CASE("start --wait exits 4 when readiness does not come within --timeout - the process stays starting") {
    TempHome home;
    RunResult r = run_pm(home, {"--timeout", "1s", "start", "--name", "mute", "--ready-fd", "3", "--wait", "--",
                                PM_TEST_CHILD, "sleep"});
    CHECK_MESSAGE(r.exit_code == 4, describe(r));
    CHECK_MESSAGE(contains(r.err, "timed out waiting for online"), describe(r));
    CHECK(instance(home, "mute")["state"] == "starting");
}

TEST_CASE("a readiness fd below 3 is a usage error") {
    TempHome home;
    RunResult r = start_child(home, "svc", {"sleep"}, {"--ready-fd", "1"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(list_json(home)["processes"].empty());
}

}  // TEST_SUITE
