// Operator commands on running processes (scale, signal, reset) and the
// exit-code table end to end, with --json errors on stdout.
#include <doctest/doctest.h>

#include <set>

#include "harness.hpp"

using namespace pm::test;

namespace {

json parse(const std::string& text) { return json::parse(text, nullptr, false); }

pid_t start_sleeper(const TempHome& home, const std::string& name, const std::vector<std::string>& opts = {}) {
    RunResult r = start_child(home, name, {"sleep"}, opts);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = instance(home, name);
    REQUIRE(inst.is_object());
    REQUIRE(inst["pid"].is_number_integer());
    return inst["pid"].get<pid_t>();
}

// A --json error: one object on stdout with ok false and error {code, message}.
void check_json_error(const RunResult& r, int exit_code, const std::string& code) {
    CHECK_MESSAGE(r.exit_code == exit_code, describe(r));
    json reply = parse(r.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(r));
    CHECK(reply["ok"] == false);
    REQUIRE(reply["error"].is_object());
    CHECK(reply["error"]["code"] == code);
    REQUIRE(reply["error"]["message"].is_string());
    CHECK_FALSE(reply["error"]["message"].get<std::string>().empty());
    CHECK_MESSAGE(r.err.empty(), describe(r));
}

}  // namespace

TEST_SUITE("integration/operate") {

TEST_CASE("pm scale NAME 3 adds two online instances and keeps the first") {
    TempHome home;
    pid_t first = start_sleeper(home, "web");

    RunResult r = run_pm(home, {"scale", "web", "3"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    for (int index : {1, 2}) {
        wait_instance(home, "web", [](const json& i) { return i["state"] == "online"; },
                      "the new instance is online", 5s, index);
    }
    json insts = instances_named(home, "web");
    REQUIRE(insts.size() == 3);
    std::set<int> indexes;
    std::set<pid_t> pids;
    for (const auto& i : insts) {
        CHECK(i["state"] == "online");
        indexes.insert(i["index"].get<int>());
        pids.insert(i["pid"].get<pid_t>());
        CHECK(pid_alive(i["pid"].get<pid_t>()));
    }
    CHECK(indexes == std::set<int>{0, 1, 2});
    CHECK(pids.size() == 3);
    CHECK(instance(home, "web", 0)["pid"] == first);
}

TEST_CASE("pm scale NAME 1 removes instances 1 and 2 and their processes die") {
    TempHome home;
    start_sleeper(home, "web", {"--instances", "3"});
    pid_t keep = instance(home, "web", 0)["pid"].get<pid_t>();
    pid_t gone1 = instance(home, "web", 1)["pid"].get<pid_t>();
    pid_t gone2 = instance(home, "web", 2)["pid"].get<pid_t>();

    RunResult r = run_pm(home, {"--json", "scale", "web", "1"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = parse(r.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(r));
    CHECK(reply["name"] == "web");
    REQUIRE(reply["instances"].size() == 1);
    CHECK(reply["instances"][0]["index"] == 0);

    json insts = instances_named(home, "web");
    REQUIRE(insts.size() == 1);
    CHECK(insts[0]["index"] == 0);
    CHECK(insts[0]["pid"] == keep);
    CHECK(insts[0]["state"] == "online");
    CHECK(instance(home, "web", 1).is_null());
    CHECK(instance(home, "web", 2).is_null());
    CHECK(wait_until([&] { return !pid_exists(gone1) && !pid_exists(gone2); }, 5s,
                     "the removed instances' processes are gone"));
    CHECK(pid_alive(keep));
}

TEST_CASE("pm scale of a stopped process adds stopped instances") {
    TempHome home;
    start_sleeper(home, "idle");
    REQUIRE(run_pm(home, {"stop", "idle"}).exit_code == 0);
    RunResult r = run_pm(home, {"scale", "idle", "2"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json insts = instances_named(home, "idle");
    REQUIRE(insts.size() == 2);
    for (const auto& i : insts) {
        CHECK(i["state"] == "stopped");
        CHECK(i["pid"].is_null());
    }
}

TEST_CASE("pm scale of an unknown name exits 3 and of 0 instances exits 2") {
    TempHome home;
    RunResult r = run_pm(home, {"scale", "nosuch", "2"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    start_sleeper(home, "web");
    RunResult zero = run_pm(home, {"scale", "web", "0"});
    CHECK_MESSAGE(zero.exit_code == 2, describe(zero));
    CHECK(instances_named(home, "web").size() == 1);
}

TEST_CASE("pm signal SIGUSR1 NAME reaches the process and is recorded as its last exit") {
    TempHome home;
    pid_t pid = start_sleeper(home, "usr", {"--restart", "never"});

    RunResult r = run_pm(home, {"signal", "SIGUSR1", "usr"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.out, "sent SIGUSR1 to 1 instances"), describe(r));
    json inst = wait_instance(home, "usr", [](const json& i) { return i["last_exit"].is_object(); },
                              "usr has exited", 5s);
    CHECK(inst["last_exit"]["signal"] == "SIGUSR1");
    CHECK(inst["last_exit"]["code"].is_null());
    CHECK(inst["state"] == "exited");
    CHECK(wait_until([&] { return !pid_exists(pid); }, 5s, "the signalled process is gone"));
}

TEST_CASE("pm signal accepts SIGUSR2, USR2 and 12 and a name:index selector") {
    TempHome home;
    start_sleeper(home, "multi", {"--instances", "3", "--restart", "never"});
    const char* forms[] = {"SIGUSR2", "USR2", "12"};
    for (int index = 0; index < 3; ++index) {
        CAPTURE(forms[index]);
        RunResult r = run_pm(home, {"--json", "signal", forms[index], "multi:" + std::to_string(index)});
        REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
        json reply = parse(r.out);
        REQUIRE_MESSAGE(reply.is_object(), describe(r));
        CHECK(reply["signal"] == "SIGUSR2");
        CHECK(reply["sent_to"].size() == 1);
        json inst = wait_instance(home, "multi", [](const json& i) { return i["state"] == "exited"; },
                                  "the signalled instance exited", 5s, index);
        CHECK(inst["last_exit"]["signal"] == "SIGUSR2");
        // The others are untouched.
        for (int later = index + 1; later < 3; ++later) {
            CHECK(instance(home, "multi", later)["state"] == "online");
        }
    }
}

TEST_CASE("pm signal to a stopped process exits 3") {
    TempHome home;
    start_sleeper(home, "idle");
    REQUIRE(run_pm(home, {"stop", "idle"}).exit_code == 0);
    RunResult r = run_pm(home, {"signal", "SIGUSR1", "idle"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK_MESSAGE(contains(r.err, "no running instance"), describe(r));
    CHECK(instance(home, "idle")["state"] == "stopped");
}

TEST_CASE("pm signal with an unknown signal name exits 2 and sends nothing") {
    TempHome home;
    pid_t pid = start_sleeper(home, "web");
    RunResult r = run_pm(home, {"signal", "SIGBOGUS", "web"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(instance(home, "web")["pid"] == pid);
    CHECK(pid_alive(pid));
}

TEST_CASE("pm reset NAME zeroes the restart counters after crashes") {
    TempHome home;
    RunResult r = start_child(home, "crashy", {"exit", "3"},
                              {"--min-uptime", "5s", "--max-backoff", "50ms", "--max-restarts", "2"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json before = wait_instance(home, "crashy", [](const json& i) { return i["state"] == "errored"; },
                                "crashy gave up", 5s);
    REQUIRE(before["restarts"] == 2);
    CHECK(before["restarts_by_reason"]["crash"] == 2);

    RunResult reset = run_pm(home, {"reset", "crashy"});
    REQUIRE_MESSAGE(reset.exit_code == 0, describe(reset));
    CHECK_MESSAGE(contains(reset.out, "reset 1 instances"), describe(reset));
    json after = instance(home, "crashy");
    CHECK(after["restarts"] == 0);
    CHECK(after["unstable_restarts"] == 0);
    CHECK(after["restart_reason"].is_null());
    for (const auto& [reason, count] : after["restarts_by_reason"].items()) {
        CAPTURE(reason);
        CHECK(count == 0);
    }
    CHECK(after["last_exit"]["code"] == 3);  // history of the exit itself is kept
}

TEST_CASE("pm reset of an unknown name exits 3") {
    TempHome home;
    RunResult r = run_pm(home, {"reset", "nosuch"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
}

TEST_CASE("exit code 0: a successful command") {
    TempHome home;
    CHECK(start_child(home, "ok", {"sleep"}).exit_code == 0);
    CHECK(run_pm(home, {"list"}).exit_code == 0);
    CHECK(run_pm(home, {"stop", "ok"}).exit_code == 0);
    CHECK(run_pm(home, {"--help"}).exit_code == 0);
}

TEST_CASE("exit code 2: an unknown option is a usage error and starts nothing") {
    TempHome home;
    RunResult r = run_pm(home, {"list", "--bogus-option"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    RunResult s = run_pm(home, {"start", "--no-such-flag", "--name", "x", PM_TEST_CHILD, "sleep"});
    CHECK_MESSAGE(s.exit_code == 2, describe(s));
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("exit code 2: a bad option value (--restart bogus) is rejected and starts nothing") {
    TempHome home;
    RunResult r = start_child(home, "x", {"sleep"}, {"--restart", "bogus"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("exit code 2: an argument the daemon rejects (--stop-signal BOGUS) is bad_args") {
    TempHome home;
    RunResult r = start_child(home, "x", {"sleep"}, {"--stop-signal", "BOGUS"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK(list_json(home)["processes"].empty());
    check_json_error(run_pm(home, {"--json", "start", "--stop-signal", "BOGUS", "--name", "x", PM_TEST_CHILD, "sleep"}),
                     2, "bad_args");
}

TEST_CASE("exit code 3: stop of an unknown name is not_found") {
    TempHome home;
    RunResult r = run_pm(home, {"stop", "nosuch"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    check_json_error(run_pm(home, {"--json", "stop", "nosuch"}), 3, "not_found");
}

TEST_CASE("exit code 4: with --no-autostart and no daemon, pm is unreachable") {
    TempHome home(no_daemon());
    RunResult r = run_pm(home, {"--no-autostart", "list"});
    CHECK_MESSAGE(r.exit_code == 4, describe(r));
    CHECK_MESSAGE(!r.err.empty(), describe(r));
    check_json_error(run_pm(home, {"--json", "--no-autostart", "list"}), 4, "unreachable");
    RunResult env = run_pm(home, {"list"}, {"PM_NO_AUTOSTART=1"});
    CHECK_MESSAGE(env.exit_code == 4, describe(env));
    CHECK(home.daemons().empty());
}

TEST_CASE("exit code 1: starting a running name with a different command is already_exists") {
    TempHome home;
    pid_t pid = start_sleeper(home, "dup");
    RunResult r = start_child(home, "dup", {"line", "other", "sleep"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(contains(r.err, "different command"), describe(r));
    check_json_error(run_pm(home, {"--json", "start", "--name", "dup", PM_TEST_CHILD, "line", "other", "sleep"}), 1,
                     "already_exists");
    CHECK(instance(home, "dup")["pid"] == pid);
}

TEST_CASE("starting a running name with the same command again is a success that changes nothing") {
    TempHome home;
    pid_t pid = start_sleeper(home, "same");
    RunResult r = run_pm(home, {"--json", "start", "--name", "same", PM_TEST_CHILD, "sleep"});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    json reply = parse(r.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(r));
    CHECK(reply["action"] == "already_running");
    CHECK(instance(home, "same")["pid"] == pid);
    CHECK(instance(home, "same")["restarts"] == 0);
}

TEST_CASE("--json client-side usage errors are printed on stdout as {ok:false,error}") {
    TempHome home;
    check_json_error(run_pm(home, {"--json", "--timeout", "0s", "list"}), 2, "usage");
    check_json_error(run_pm(home, {"--json", "start", "--only", "a", PM_TEST_CHILD, "sleep"}), 2, "usage");
}

}  // TEST_SUITE
