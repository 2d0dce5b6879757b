// Process metrics (cpu, memory, process groups, --max-memory) and the daemon's
// self-observation commands: memoryStats, performanceStats, errors, monitor
// and `pm monit --json`.
#include <sys/resource.h>
#include <signal.h>

#include <doctest/doctest.h>

#include "harness.hpp"
#include "log_support.hpp"

using namespace pm::test;
using namespace pm::test::logs;

namespace {

// Metrics tests sample five times a second.
TempHomeOptions sampling() { return with_pmd_args({"--sample-interval", "200ms"}); }

// One process from `pm --json list` (null when absent).
json listed(const TempHome& home, const std::string& name) {
    for (const auto& p : list_json(home).value("processes", json::array())) {
        if (p.value("name", "") == name) {
            return p;
        }
    }
    return nullptr;
}

double number_or(const json& j, const char* key, double fallback) {
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

// The newest metrics sample of instance 0 (show's history), or null.
json latest_sample(const TempHome& home, const std::string& name) {
    json s = result_of(home, "show", json{{"selector", name}});
    if (!s.contains("instances") || s["instances"].empty()) {
        return nullptr;
    }
    const json& h = s["instances"][0].value("history", json::array());
    return h.empty() ? json(nullptr) : h.back();
}

std::uint64_t ping_requests(const TempHome& home) {
    json by = result_of(home, "performanceStats")["requests"]["by_command"];
    return by.contains("ping") ? u64(by["ping"], "requests") : 0;
}

}  // namespace

TEST_SUITE("integration/metrics") {

TEST_CASE("a busy child shows more than half a core and an idle child almost none") {
    TempHome home(sampling());
    REQUIRE(start_child(home, "spin", {"busy", "0"}).exit_code == 0);
    REQUIRE(start_child(home, "idle", {"sleep"}).exit_code == 0);
    // On a loaded machine the spinner still gets most of a core (root only).
    json spin = instance(home, "spin");
    if (spin["pid"].is_number()) {
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(spin["pid"].get<int>()), -10);
    }

    wait_until(
        [&](std::string& observed) {
            json p = listed(home, "spin");
            observed = p.dump();
            return number_or(p, "cpu", 0) > 50;
        },
        10s, "pm --json list shows spin above 50% cpu");
    wait_until(
        [&](std::string& observed) {
            json p = listed(home, "idle");
            observed = p.dump();
            return p.is_object() && p["cpu"].is_number() && p["cpu"].get<double>() < 5;
        },
        10s, "pm --json list shows idle below 5% cpu");
}

TEST_CASE("a child holding 64 MB shows about 60 MB more memory than an idle one") {
    TempHome home(sampling());
    REQUIRE(start_child(home, "hold", {"alloc", "64", "sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "idle", {"sleep"}).exit_code == 0);
    wait_until(
        [&](std::string& observed) {
            json hold = listed(home, "hold");
            json idle = listed(home, "idle");
            observed = "hold " + hold["memory"].dump() + ", idle " + idle["memory"].dump();
            return number_or(hold, "memory", 0) - number_or(idle, "memory", 1e18) >= 60.0 * (1 << 20);
        },
        10s, "hold's memory is at least 60 MB above idle's");
}

TEST_CASE("a process group's metrics include the children it forked") {
    TempHome home(sampling());
    // Forked after the allocation: each child maps the same 40 MB.
    REQUIRE(start_child(home, "tree", {"alloc", "40", "fork-tree", "2", home.file("tree.pids"), "sleep"})
                .exit_code == 0);
    REQUIRE(start_child(home, "solo", {"alloc", "40", "sleep"}).exit_code == 0);
    wait_until(
        [&](std::string& observed) {
            json tree = latest_sample(home, "tree");
            json solo = latest_sample(home, "solo");
            observed = "tree " + tree.dump() + ", solo " + solo.dump();
            return number_or(tree, "processes", 0) == 3 && number_or(solo, "processes", 0) == 1 &&
                   number_or(tree, "memory", 0) - number_or(solo, "memory", 1e18) >= 60.0 * (1 << 20);
        },
        10s, "tree's sample counts 3 processes and their memory");
    CHECK(read_pids(home.file("tree.pids")).size() == 2);
}

TEST_CASE("--max-memory restarts a child that stays over it and leaves one under it alone") {
    TempHome home(with_pmd_args({"--sample-interval", "100ms"}));
    REQUIRE(start_child(home, "hog", {"alloc", "64", "sleep"}, {"--max-memory", "30M"}).exit_code == 0);
    REQUIRE(start_child(home, "calm", {"sleep"}, {"--max-memory", "30M"}).exit_code == 0);
    wait_until(
        [&](std::string& observed) {
            json hog = instance(home, "hog");
            observed = hog.dump();
            return hog.is_object() && hog["restarts_by_reason"].value("memory", 0) >= 1;
        },
        10s, "hog was restarted for its memory");
    json hog = instance(home, "hog");
    CHECK(hog["restart_reason"] == "memory");

    json calm = instance(home, "calm");
    CHECK(calm["restarts"] == 0);
    CHECK(calm["state"] == "online");
    CHECK(calm["restarts_by_reason"].value("memory", -1) == 0);
    json sample = latest_sample(home, "calm");
    CHECK_MESSAGE(number_or(sample, "memory", 1e18) < 30.0 * (1 << 20), "calm is not under the limit: "
                                                                         << sample.dump());
}

TEST_CASE("memoryStats log ring bytes grow with output and fall after flush and delete") {
    TempHome home;
    auto ring_bytes = [&] { return u64(memory_stats(home)["log_rings"], "bytes"); };
    CHECK(ring_bytes() == 0);
    REQUIRE(start_child(home, "talk", {"print", "1000", "sleep"}).exit_code == 0);
    wait_until([&] { return ring_bytes() >= 8000; }, 10s, "talk's 1000 lines are in its ring");

    REQUIRE(run_pm(home, {"flush", "talk"}).exit_code == 0);
    CHECK(ring_bytes() == 0);

    REQUIRE(start_child(home, "talk2", {"print", "1000", "sleep"}).exit_code == 0);
    wait_until([&] { return ring_bytes() >= 8000; }, 10s, "talk2's 1000 lines are in its ring");
    RunResult d = run_pm(home, {"delete", "talk2"});
    REQUIRE_MESSAGE(d.exit_code == 0, describe(d));
    wait_until(
        [&](std::string& observed) {
            auto n = ring_bytes();
            observed = std::to_string(n) + " ring bytes";
            return n == 0;
        },
        5s, "the deleted process's ring is freed");
}

TEST_CASE("memoryStats counts an attached follower as a connection") {
    TempHome home;
    REQUIRE(start_child(home, "quiet", {"sleep"}).exit_code == 0);
    json before = memory_stats(home);
    std::uint64_t base = u64(before["connections"], "count");  // includes that request's own

    Spawned f = spawn_pm(home, {"logs", "quiet", "-f"});
    wait_until(
        [&](std::string& observed) {
            json now = memory_stats(home);
            observed = now["connections"].dump() + " " + now["log_rings"].dump();
            return u64(now["log_rings"], "followers") == 1;
        },
        10s, "the follower is attached");
    json during = memory_stats(home);
    CHECK(u64(during["connections"], "count") == base + 1);
    CHECK(u64(during["connections"], "peak") >= base + 1);
    stop_spawned(f);
}

TEST_CASE("performanceStats counts requests by command") {
    TempHome home;
    std::uint64_t before = ping_requests(home);
    for (int i = 0; i < 3; ++i) {
        RunResult r = run_pm(home, {"ping"});
        REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    }
    CHECK(ping_requests(home) == before + 3);

    RunResult p = run_pm(home, {"--json", "performanceStats"});
    REQUIRE_MESSAGE(p.exit_code == 0, describe(p));
    json j = json::parse(p.out, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(u64(j["requests"]["by_command"]["ping"], "requests") == before + 3);
    CHECK(u64(j["requests"], "total") >= before + 3);
}

TEST_CASE("pm errors --json records a spawn failure") {
    TempHome home;
    json before = result_of(home, "errors");
    CHECK(u64(before["counts"], "spawn_failed") == 0);
    RunResult s = run_pm(home, {"start", "--name", "ghost", "/nonexistent/ghost-cmd"});
    CHECK_MESSAGE(s.exit_code != 0, describe(s));

    RunResult r = run_pm(home, {"errors", "--json"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json j = json::parse(r.out, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(u64(j["counts"], "spawn_failed") == 1);
    bool recorded = false;
    for (const auto& e : j.value("recent", json::array())) {
        recorded = recorded || (e.value("kind", "") == "spawn_failed" &&
                                e.value("message", "").find("ghost") != std::string::npos);
    }
    CHECK_MESSAGE(recorded, "no recent spawn_failed entry naming ghost: " << j.dump());
}

TEST_CASE("a monitor subscription receives stats frames listing the processes") {
    TempHome home(sampling());
    REQUIRE(start_child(home, "watched", {"sleep"}).exit_code == 0);
    RawClient c(home.sock());
    REQUIRE(c.send(json{{"id", 9}, {"cmd", "monitor"}}.dump() + "\n"));
    json reply = c.read_json(5s);
    REQUIRE_MESSAGE(reply.value("ok", false), reply.dump());
    CHECK(reply["id"] == 9);
    CHECK(reply["result"]["interval_ms"] == 200);

    for (int i = 0; i < 2; ++i) {
        json ev = c.read_json(5s);
        REQUIRE_MESSAGE(ev.is_object(), "no stats frame " << i);
        CHECK(ev["id"] == 9);
        CHECK(ev["event"] == "stats");
        const json& procs = ev["data"]["processes"];
        REQUIRE_MESSAGE(procs.is_array(), ev.dump());
        REQUIRE(procs.size() == 1);
        CHECK(procs[0]["name"] == "watched");
    }
}

TEST_CASE("pm monit --json streams a frame per interval until stopped") {
    TempHome home(sampling());
    REQUIRE(start_child(home, "watched", {"sleep"}).exit_code == 0);
    Spawned m = spawn_pm(home, {"monit", "--json"});
    LineReader reader(m.out_fd);
    for (int i = 0; i < 2; ++i) {
        json frame = reader.next_json(5s);
        REQUIRE_MESSAGE(frame.is_object(), "frame " << i << " missing or not JSON");
        REQUIRE(frame["processes"].is_array());
        CHECK(frame["processes"].size() == 1);
    }
    RunResult r = stop_spawned(m, SIGINT);
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
}

TEST_CASE("pm delete drops the process's metrics history") {
    TempHome home(sampling());
    REQUIRE(start_child(home, "keep", {"sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "drop", {"sleep"}).exit_code == 0);
    auto tracked = [&] { return u64(memory_stats(home)["metrics_history"], "instances"); };
    wait_until([&] { return tracked() == 2; }, 5s, "both processes have metrics history");

    RunResult d = run_pm(home, {"delete", "drop"});
    REQUIRE_MESSAGE(d.exit_code == 0, describe(d));
    wait_until(
        [&](std::string& observed) {
            auto n = tracked();
            observed = std::to_string(n) + " instances with history";
            return n == 1;
        },
        5s, "only the remaining process has metrics history");
}

}  // TEST_SUITE
