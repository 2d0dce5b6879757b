// Automatic restarts: crash loops, errored, restart modes, exit recording.
#include <doctest/doctest.h>

#include <sstream>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Every run is shorter than min_uptime (unstable) and restarts come fast.
const std::vector<std::string> k_fast_unstable{"--min-uptime", "5s", "--max-backoff", "50ms"};

std::vector<std::string> with(std::vector<std::string> opts, const std::vector<std::string>& more) {
    opts.insert(opts.end(), more.begin(), more.end());
    return opts;
}

}  // namespace

TEST_SUITE("integration/restart") {

TEST_CASE("a crashing process is restarted automatically and its restart counter grows") {
    TempHome home;
    RunResult r = start_child(home, "crash", {"exit", "3"}, with(k_fast_unstable, {"--max-restarts", "1000"}));
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = wait_instance(
        home, "crash", [](const json& i) { return i["restarts"].get<int>() >= 3; },
        "crash has been restarted at least 3 times");
    REQUIRE(inst["last_exit"].is_object());
    CHECK(inst["last_exit"]["code"] == 3);
    CHECK(inst["last_exit"]["signal"].is_null());
    CHECK(inst["state"] != "errored");
    CHECK(inst["state"] != "exited");
}

TEST_CASE("a process that keeps crashing becomes errored after --max-restarts unstable restarts") {
    TempHome home;
    RunResult r = start_child(home, "flaky", {"exit", "3"}, with(k_fast_unstable, {"--max-restarts", "3"}));
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = wait_instance(
        home, "flaky", [](const json& i) { return i["state"] == "errored"; }, "flaky is errored");
    CHECK(inst["restarts"] == 3);
    CHECK(inst["pid"].is_null());
    CHECK(inst["last_exit"]["code"] == 3);
    REQUIRE(inst["last_error"].is_string());
    CHECK(inst["last_error"].get<std::string>().find("gave up") != std::string::npos);
}

TEST_CASE("pm start NAME on an errored process starts it again with fresh counters") {
    TempHome home;
    RunResult r = start_child(home, "flaky", {"exit", "3"}, with(k_fast_unstable, {"--max-restarts", "3"}));
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_instance(home, "flaky", [](const json& i) { return i["state"] == "errored"; }, "flaky is errored");

    RunResult again = run_pm(home, {"--json", "start", "flaky"});
    REQUIRE_MESSAGE(again.exit_code == 0, describe(again));
    json reply = json::parse(again.out, nullptr, false);
    REQUIRE(reply.is_object());
    REQUIRE(reply["instances"].size() == 1);
    CHECK(reply["instances"][0]["state"] != "errored");
    CHECK(reply["instances"][0]["last_error"].is_null());

    // Supervised again: three more unstable restarts, then errored again.
    json inst = wait_instance(
        home, "flaky", [](const json& i) { return i["state"] == "errored" && i["restarts"] == 6; },
        "flaky is errored again after 3 more restarts");
    CHECK(inst["restarts"] == 6);
}

TEST_CASE("--restart never leaves a process exited when it exits") {
    TempHome home;
    RunResult r = start_child(home, "once", {"exit", "5"}, {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = wait_instance(home, "once", [](const json& i) { return i["state"] == "exited"; }, "once exited");
    CHECK(inst["restarts"] == 0);
    CHECK(inst["pid"].is_null());
    CHECK(inst["last_exit"]["code"] == 5);
}

TEST_CASE("--restart on-failure leaves a process that exits 0 exited") {
    TempHome home;
    RunResult r = start_child(home, "clean", {"exit", "0"}, with(k_fast_unstable, {"--restart", "on-failure"}));
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = wait_instance(home, "clean", [](const json& i) { return i["state"] == "exited"; }, "clean exited");
    CHECK(inst["restarts"] == 0);
    CHECK(inst["last_exit"]["code"] == 0);
}

TEST_CASE("--restart on-failure restarts a process that exits 3") {
    TempHome home;
    RunResult r = start_child(home, "failing", {"exit", "3"},
                              with(k_fast_unstable, {"--restart", "on-failure", "--max-restarts", "2"}));
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = wait_instance(
        home, "failing", [](const json& i) { return i["state"] == "errored"; },
        "failing is restarted until it is errored");
    CHECK(inst["restarts"] == 2);
    CHECK(inst["last_exit"]["code"] == 3);
}

TEST_CASE("a process killed by a signal has the signal recorded as its last exit") {
    TempHome home;
    RunResult r = start_child(home, "killed", {"kill-self", "9"}, {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst =
        wait_instance(home, "killed", [](const json& i) { return i["state"] == "exited"; }, "killed exited");
    CHECK(inst["last_exit"]["signal"] == "SIGKILL");
    CHECK(inst["last_exit"]["code"].is_null());
    CHECK(inst["last_exit"]["escalated"] == false);
}

TEST_CASE("parallel restarts of one process leave exactly one running instance") {
    TempHome home;
    REQUIRE(start_child(home, "svc", {"sleep"}).exit_code == 0);
    std::vector<Spawned> runs;
    for (int i = 0; i < 10; ++i) {
        runs.push_back(spawn_pm(home, {"restart", "svc"}));
    }
    for (auto& s : runs) {
        RunResult r = finish(s);
        CHECK_MESSAGE(r.exit_code == 0, describe(r));
    }
    json inst = wait_instance(home, "svc", [](const json& i) { return i["state"] == "online"; }, "svc is online");
    REQUIRE(inst["pid"].is_number_integer());
    pid_t pid = inst["pid"].get<pid_t>();
    CHECK(wait_until(
        [&](std::string& observed) {
            auto t = home.tagged();
            std::erase(t, home.pmd_child());
            observed = describe_pids(t);
            return t == std::vector<pid_t>{pid};
        },
        3s, "apart from pmd, the only process of this test is svc's current pid"));
}

TEST_CASE("exit codes and killing signals are recorded distinctly") {
    TempHome home;
    const int codes[] = {0, 1, 2, 127, 255};
    const std::pair<int, const char*> signals[] = {{15, "SIGTERM"}, {10, "SIGUSR1"}, {9, "SIGKILL"}};
    for (int code : codes) {
        REQUIRE(start_child(home, "code" + std::to_string(code), {"exit", std::to_string(code)},
                            {"--restart", "never"})
                    .exit_code == 0);
    }
    for (const auto& [sig, name] : signals) {
        REQUIRE(start_child(home, "sig" + std::to_string(sig), {"kill-self", std::to_string(sig)},
                            {"--restart", "never"})
                    .exit_code == 0);
    }
    for (int code : codes) {
        json inst = wait_instance(
            home, "code" + std::to_string(code), [](const json& i) { return i["state"] == "exited"; },
            "the process exited");
        CHECK(inst["last_exit"]["code"] == code);
        CHECK(inst["last_exit"]["signal"].is_null());
    }
    for (const auto& [sig, name] : signals) {
        json inst = wait_instance(
            home, "sig" + std::to_string(sig), [](const json& i) { return i["state"] == "exited"; },
            "the process was killed");
        CHECK(inst["last_exit"]["signal"] == name);
        CHECK(inst["last_exit"]["code"].is_null());
    }
}

TEST_CASE("a process that double-forks and exits still has every exit recorded") {
    TempHome home;
    // Each run leaves an orphan that pmd reaps; libuv must still see the
    // direct child's exit every time, or the restart count stalls.
    std::string gc_file = home.file("gc.pid");
    RunResult r = start_child(home, "forker", {"double-fork-exit", gc_file, "0", "exit", "7"},
                              {"--min-uptime", "5s", "--max-backoff", "10ms", "--max-restarts", "1000"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = wait_instance(
        home, "forker", [](const json& i) { return i["restarts"].get<int>() >= 5; },
        "forker's exits are seen and it is restarted 5 times");
    CHECK(inst["last_exit"]["code"] == 7);
    REQUIRE(run_pm(home, {"stop", "forker"}).exit_code == 0);
    pid_t pmd = home.pmd_child();
    CHECK(wait_until(
        [&](std::string& observed) {
            auto z = zombies_of(pmd);
            observed = describe_pids(z);
            return z.empty();
        },
        3s, "pmd has no zombie children"));
}

TEST_CASE("a process that double-forks and exits with restart never is recorded as exited") {
    TempHome home;
    std::string gc_file = home.file("gc.pid");
    RunResult r =
        start_child(home, "forker", {"double-fork-exit", gc_file, "50", "exit", "7"}, {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst =
        wait_instance(home, "forker", [](const json& i) { return i["state"] == "exited"; }, "forker exited");
    CHECK(inst["last_exit"]["code"] == 7);
    CHECK(inst["restarts"] == 0);
}

TEST_CASE("with the default settings a crash loop spawns at most once a second, then is errored") {
    TempHome home;
    std::string stamps = home.file("spawns");
    RunResult r = run_pm(home, {"start", "--name", "fast", "--max-restarts", "3", "--shell", "--",
                                "date +%s%N >> " + stamps + "; exit 3"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = wait_instance(
        home, "fast", [](const json& i) { return i["state"] == "errored"; }, "errored after 3 restarts", 20s);
    CHECK(inst["restarts"] == 3);
    std::vector<long long> ns;
    std::istringstream in(read_file(stamps));
    for (long long t = 0; in >> t;) {
        ns.push_back(t);
    }
    REQUIRE(ns.size() == 4);  // the first run and 3 restarts
    for (std::size_t k = 1; k < ns.size(); ++k) {
        CAPTURE(k);
        // pmd keeps 1 s between spawns; the shell's own start-up time varies
        // by some ms under load. Without the floor the gaps are 100-400 ms.
        CHECK((ns[k] - ns[k - 1]) / 1000000 >= 900);
    }
}

TEST_CASE("--cron-restart restarts a running process on schedule, recorded as cron") {
    TempHome home;
    RunResult r = start_child(home, "nightly", {"sleep"}, {"--cron-restart", "*/2 * * * * *"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    pid_t first = instance(home, "nightly")["pid"].get<pid_t>();
    json inst = wait_instance(
        home, "nightly", [](const json& i) { return i["restarts_by_reason"]["cron"].get<int>() >= 1; },
        "a cron restart within 2 s", 10s);
    CHECK(inst["restart_reason"] == "cron");
    wait_until([&] { return !pid_alive(first); }, 5s, "the old process gone");
    RunResult show = run_pm(home, {"--json", "show", "nightly"});
    REQUIRE_MESSAGE(show.exit_code == 0, describe(show));
    CHECK(json::parse(show.out)["spec"]["cron_restart"] == "*/2 * * * * *");
}

TEST_CASE("--cron-restart with --restart never runs a job on schedule - a bad expression exits 2") {
    TempHome home;
    std::string runs = home.file("runs");
    RunResult r = run_pm(home, {"start", "--name", "job", "--restart", "never", "--cron-restart", "* * * * * *",
                                "--shell", "--", "echo run >> " + runs});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(wait_until([&] { return read_file(runs).size() >= 3 * 4; }, 10s, "three runs"));
    RunResult bad = start_child(home, "bad", {"sleep"}, {"--cron-restart", "0 25 * * *"});
    CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
    CHECK_MESSAGE(bad.err.find("bad hour field") != std::string::npos, describe(bad));
}

}  // TEST_SUITE
