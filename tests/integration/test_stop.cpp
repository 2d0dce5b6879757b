// Stopping: SIGKILL escalation, whole process trees, orphan reaping.
#include <doctest/doctest.h>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Waits for a pid file written by pm_test_child and returns its pids.
std::vector<pid_t> wait_pids(const std::string& path, std::size_t count) {
    std::vector<pid_t> pids;
    wait_until(
        [&](std::string& observed) {
            pids = read_pids(path);
            observed = std::to_string(pids.size()) + " pids in " + path;
            return pids.size() == count;
        },
        5s, "the child wrote its pid file");
    return pids;
}

bool wait_gone(const std::vector<pid_t>& pids, Ms timeout, std::string_view what) {
    return wait_until(
        [&](std::string& observed) {
            std::vector<pid_t> left;
            for (pid_t pid : pids) {
                if (pid_exists(pid)) {
                    left.push_back(pid);
                }
            }
            observed = describe_pids(left);
            return left.empty();
        },
        timeout, what);
}

bool wait_no_zombies(pid_t parent) {
    return wait_until(
        [&](std::string& observed) {
            auto z = zombies_of(parent);
            observed = describe_pids(z);
            return z.empty();
        },
        3s, "pmd has no zombie children");
}

}  // namespace

TEST_SUITE("integration/stop") {

TEST_CASE("a child that ignores SIGTERM is killed with SIGKILL after --kill-timeout") {
    TempHome home;
    std::string ready = home.file("stubborn.pid");
    RunResult r = start_child(home, "stubborn", {"ignore-term", "pidfile", ready, "sleep"},
                              {"--kill-timeout", "500ms"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::vector<pid_t> pid = wait_pids(ready, 1);  // SIGTERM is ignored from here on
    REQUIRE(pid.size() == 1);

    RunResult stop = run_pm(home, {"--json", "stop", "stubborn"});
    REQUIRE_MESSAGE(stop.exit_code == 0, describe(stop));
    CHECK(stop.elapsed >= 450ms);
    json reply = json::parse(stop.out, nullptr, false);
    REQUIRE(reply.is_object());
    REQUIRE(reply["instances"].size() == 1);
    const json& inst = reply["instances"][0];
    CHECK(inst["state"] == "stopped");
    REQUIRE(inst["last_exit"].is_object());
    CHECK(inst["last_exit"]["signal"] == "SIGKILL");
    CHECK(inst["last_exit"]["escalated"] == true);
    CHECK(wait_gone(pid, 2s, "the stubborn process is gone"));
}

TEST_CASE("stop kills every process of the child's tree") {
    TempHome home;
    std::string tree = home.file("tree.pids");
    RunResult r = start_child(home, "tree", {"fork-tree", "3", tree, "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::vector<pid_t> pids = wait_pids(tree, 3);
    REQUIRE(pids.size() == 3);
    for (pid_t pid : pids) {
        CHECK(pid_alive(pid));
    }
    pids.push_back(instance(home, "tree")["pid"].get<pid_t>());

    RunResult stop = run_pm(home, {"stop", "tree"});
    REQUIRE_MESSAGE(stop.exit_code == 0, describe(stop));
    CHECK(wait_gone(pids, 3s, "every process of the tree is gone (and reaped)"));
    CHECK(wait_no_zombies(home.pmd_child()));
}

TEST_CASE("stop kills a double-forked grandchild and leaves no zombie") {
    TempHome home;
    std::string gc_file = home.file("gc.pid");
    RunResult r = start_child(home, "df", {"double-fork", gc_file, "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::vector<pid_t> gc = wait_pids(gc_file, 1);
    REQUIRE(gc.size() == 1);
    CHECK(pid_alive(gc[0]));

    RunResult stop = run_pm(home, {"stop", "df"});
    REQUIRE_MESSAGE(stop.exit_code == 0, describe(stop));
    CHECK(wait_gone(gc, 3s, "the grandchild is gone and reaped"));
    CHECK_FALSE(is_zombie(gc[0]));
    CHECK(wait_no_zombies(home.pmd_child()));
}

TEST_CASE("an orphaned grandchild is reaped by pmd while its parent stays online") {
    TempHome home;
    std::string gc_file = home.file("gc.pid");
    RunResult r = start_child(home, "parent", {"double-fork-exit", gc_file, "50", "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::vector<pid_t> gc = wait_pids(gc_file, 1);
    REQUIRE(gc.size() == 1);
    json before = instance(home, "parent");
    REQUIRE(before["pid"].is_number_integer());

    CHECK(wait_gone(gc, 2s, "the orphaned grandchild exited and pmd reaped it"));
    CHECK(wait_no_zombies(home.pmd_child()));
    json after = instance(home, "parent");
    CHECK(after["state"] == "online");
    CHECK(after["pid"] == before["pid"]);
    CHECK(after["restarts"] == 0);
    CHECK(pid_alive(after["pid"].get<pid_t>()));
}

TEST_CASE("stop of an already stopped process succeeds and changes nothing") {
    TempHome home;
    REQUIRE(start_child(home, "svc", {"sleep"}).exit_code == 0);
    REQUIRE(run_pm(home, {"stop", "svc"}).exit_code == 0);
    json before = instance(home, "svc");
    RunResult again = run_pm(home, {"stop", "svc"});
    CHECK_MESSAGE(again.exit_code == 0, describe(again));
    json after = instance(home, "svc");
    CHECK(after["state"] == "stopped");
    CHECK(after["last_exit"] == before["last_exit"]);
}

TEST_CASE("when the leader exits on its own, the rest of its process group is stopped too") {
    TempHome home;
    std::string tree = home.file("tree.pids");
    // Three children sleep on in the leader's group after it exits with 3.
    RunResult r = start_child(home, "leader", {"fork-tree", "3", tree, "sleep-ms", "200", "exit", "3"},
                              {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::vector<pid_t> pids = wait_pids(tree, 3);
    REQUIRE(pids.size() == 3);
    CHECK(wait_gone(pids, 3s, "the leader's leftover children are gone"));
    CHECK(instance(home, "leader")["state"] == "exited");
    CHECK(wait_no_zombies(home.pmd_child()));
}

TEST_CASE("pmd refuses changes from other clients once pm kill has begun, and still exits") {
    TempHome home;
    std::string ready = home.file("stubborn.pid");
    RunResult r = start_child(home, "stubborn", {"ignore-term", "pidfile", ready, "sleep"}, {"--kill-timeout", "3s"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    REQUIRE(wait_pids(ready, 1).size() == 1);
    RawClient other(home.sock());
    REQUIRE(other.connected());
    Spawned kill = spawn_pm(home, {"kill"});
    wait_until(
        [&](std::string& observed) {
            json reply = other.request("list");
            observed = reply.dump();
            return reply.value("ok", false) && reply["result"]["processes"].size() == 1 &&
                   reply["result"]["processes"][0]["state"] == "stopping";
        },
        5s, "the stop begun by pm kill");
    json start = other.request("start", json{{"argv", {PM_TEST_CHILD, "sleep"}}, {"name", "late"}}, 2);
    CHECK(start["ok"] == false);
    CHECK(start["error"]["code"] == "busy");
    CHECK(start["error"]["message"] == "pmd is shutting down");
    json restart = other.request("restart", json{{"selector", "stubborn"}}, 3);
    CHECK(restart["error"]["code"] == "busy");
    RunResult done = finish(kill);
    CHECK_MESSAGE(done.exit_code == 0, describe(done));
    CHECK(home.wait_pmd_exit(10s).has_value());
}

}  // TEST_SUITE
