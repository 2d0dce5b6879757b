// Rolling reload (one instance at a time, each back online before the next)
// and watch mode (restart on file changes, debounced, with ignore patterns).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "harness.hpp"

using namespace pm::test;

namespace {

json parse(const std::string& text) { return json::parse(text, nullptr, false); }

std::vector<pid_t> pids_of(const json& insts) {
    std::vector<pid_t> pids;
    for (const auto& i : insts) {
        pids.push_back(i["pid"].is_number_integer() ? i["pid"].get<pid_t>() : -1);
    }
    return pids;
}

void require_online(const TempHome& home, const std::string& name) {
    RunResult w = run_pm(home, {"--timeout", "20s", "wait", name});
    REQUIRE_MESSAGE(w.exit_code == 0, describe(w));
}

// `pm --json show NAME` result.
json show(const TempHome& home, const std::string& name) {
    RunResult r = run_pm(home, {"--json", "show", name});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    return parse(r.out);
}

json watch_status(const TempHome& home, const std::string& name) {
    json reply = request(home, "show", json{{"selector", name}});
    if (!reply.is_object() || !reply.value("ok", false)) {
        return nullptr;
    }
    return reply["result"]["spec"].value("watch_status", json(nullptr));
}

// Polls the watch status until counter `key` (fires, ignored, ...) is at least 1.
json wait_watch(const TempHome& home, const std::string& name, const char* key, std::string_view what) {
    json ws;
    wait_until(
        [&](std::string& observed) {
            ws = watch_status(home, name);
            observed = ws.dump();
            return ws.is_object() && ws[key].get<int>() >= 1;
        },
        10s, what);
    return ws;
}

}  // namespace

TEST_SUITE("integration/reload") {

TEST_CASE("pm reload replaces every instance while at least two of three stay online throughout") {
    TempHome home;
    RunResult r = start_child(home, "web", {"sleep"}, {"--instances", "3", "--min-uptime", "300ms"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "web");
    std::vector<pid_t> before = pids_of(raw_instances_named(home, "web"));
    REQUIRE(before.size() == 3);

    Spawned reload = spawn_pm(home, {"reload", "web"});
    std::size_t fewest_online = 3;
    std::size_t polls = 0;
    bool replaced = wait_until(
        [&](std::string& observed) {
            json insts = raw_instances_named(home, "web");
            observed = insts.dump();
            if (insts.size() != 3) {
                return false;
            }
            ++polls;
            std::size_t online = 0;
            bool all_new = true;
            for (std::size_t k = 0; k < 3; ++k) {
                bool up = insts[k]["state"] == "online" && insts[k]["pid"].is_number_integer() &&
                          pid_alive(insts[k]["pid"].get<pid_t>());
                online += up ? 1 : 0;
                all_new = all_new && up && insts[k]["stable"] == true && insts[k]["pid"].get<pid_t>() != before[k];
            }
            fewest_online = std::min(fewest_online, online);
            return all_new;
        },
        30s, "every instance replaced by a new, stable one");
    RunResult done = finish(reload);
    CHECK_MESSAGE(done.exit_code == 0, describe(done));
    CHECK(replaced);
    CHECK(polls > 3);
    CHECK_MESSAGE(fewest_online >= 2, "fewest online during the reload: " << fewest_online);
    for (const auto& i : raw_instances_named(home, "web")) {
        CHECK(i["restart_reason"] == "reload");
        CHECK(i["restarts_by_reason"]["reload"] == 1);
    }
    for (pid_t old : before) {
        CHECK_FALSE(pid_alive(old));
    }
}

TEST_CASE("pm reload stops at the first instance that does not come back and leaves the others running") {
    TempHome home;
    TempDir dir("pm-reload");
    std::string flag = dir.file("broken");
    RunResult r = run_pm(home, {"start", "--name", "web", "--instances", "3", "--min-uptime", "300ms",
                                "--restart-delay", "10s", "--shell", "--",
                                "test -e " + flag + " && exit 3; exec sleep 1000"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "web");
    std::vector<pid_t> before = pids_of(raw_instances_named(home, "web"));

    write_text(flag, "");  // the new version is broken
    RunResult rel = run_pm(home, {"reload", "web"});
    CHECK_MESSAGE(rel.exit_code == 1, describe(rel));
    CHECK_MESSAGE(contains(rel.err, "reload stopped: web:0"), describe(rel));
    CHECK_MESSAGE(contains(rel.err, "exit code 3"), describe(rel));
    CHECK_MESSAGE(contains(rel.err, "not reloaded: web:1, web:2"), describe(rel));
    json insts = raw_instances_named(home, "web");
    REQUIRE(insts.size() == 3);
    for (std::size_t k = 1; k < 3; ++k) {
        CHECK(insts[k]["state"] == "online");
        CHECK(insts[k]["pid"] == before[k]);
    }
}

TEST_CASE("pm reload that outlasts --timeout exits 4 and names the instance it waited for") {
    TempHome home;
    // Port 1 never accepts, so the new instance never becomes ready.
    RunResult r = start_child(home, "slow", {"sleep"}, {"--ready-tcp", "1"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    RunResult rel = run_pm(home, {"--timeout", "3s", "reload", "slow"});
    CHECK_MESSAGE(rel.exit_code == 4, describe(rel));
    CHECK_MESSAGE(contains(rel.err, "timed out waiting for slow to come back online"), describe(rel));
}

TEST_CASE("a second reload of the same instances while one runs is refused with busy") {
    TempHome home;
    RunResult r = start_child(home, "web", {"sleep"}, {"--instances", "2", "--min-uptime", "1s"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "web");
    Spawned first = spawn_pm(home, {"reload", "web"});
    pid_t old0 = pids_of(raw_instances_named(home, "web"))[0];
    wait_until([&] { return pids_of(raw_instances_named(home, "web"))[0] != old0; }, 10s, "web:0 replaced");
    RunResult second = run_pm(home, {"reload", "web:1"});
    CHECK_MESSAGE(second.exit_code == 1, describe(second));
    CHECK_MESSAGE(contains(second.err, "a reload of web:1 is already running"), describe(second));
    RunResult done = finish(first);
    CHECK_MESSAGE(done.exit_code == 0, describe(done));
    RunResult again = run_pm(home, {"reload", "web:1"});  // allowed once the first is over
    CHECK_MESSAGE(again.exit_code == 0, describe(again));
}

TEST_CASE("deleting a process during its reload completes, and nothing is started again") {
    TempHome home;
    RunResult r = start_child(home, "web", {"sleep"}, {"--instances", "3", "--min-uptime", "1s"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "web");
    std::vector<pid_t> before = pids_of(raw_instances_named(home, "web"));
    Spawned reload = spawn_pm(home, {"reload", "web"});
    wait_until([&] { return pids_of(raw_instances_named(home, "web"))[0] != before[0]; }, 10s, "web:0 replaced");
    RunResult del = run_pm(home, {"delete", "web"}, {}, 20s);
    CHECK_MESSAGE(del.exit_code == 0, describe(del));
    RunResult rel = finish(reload, 20s);
    CHECK(rel.exit_code != -1);  // it ended (with whatever outcome), it did not hang
    CHECK(raw_instances_named(home, "web").empty());
    CHECK(home.tagged().size() <= 1);  // only pmd itself carries the tag
}

TEST_CASE("pm reload of an unknown name exits 3 - --json gives the error object") {
    TempHome home;
    RunResult r = run_pm(home, {"--json", "reload", "nope"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    json reply = parse(r.out);
    REQUIRE(reply.is_object());
    CHECK(reply["error"]["code"] == "not_found");
}

}  // TEST_SUITE

TEST_SUITE("integration/watch") {

TEST_CASE("pm start --watch restarts the process once for a burst of changes") {
    TempHome home;
    TempDir src("pm-watch");
    std::filesystem::create_directories(src.file("lib"));
    RunResult r = start_child(home, "w", {"sleep"}, {"--watch=" + src.path(), "--watch-delay", "300ms"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "w");
    pid_t first = instance(home, "w")["pid"].get<pid_t>();

    for (int i = 0; i < 20; ++i) {
        write_text(src.file("lib/m" + std::to_string(i) + ".js"), "v2");
    }
    json inst = wait_instance(
        home, "w",
        [first](const json& i) { return i["pid"].is_number_integer() && i["pid"] != first && i["stable"] == true; },
        "a new, stable process after the change", 15s);
    // Stable means min_uptime (1s) passed: more than three debounce periods.
    CHECK(inst["restarts_by_reason"]["watch"] == 1);
    json ws = watch_status(home, "w");
    REQUIRE(ws.is_object());
    CHECK(ws["fires"] == 1);
    CHECK(ws["dirs"] == 2);
    CHECK(contains(ws.value("last_change", ""), src.file("lib/m")));
    CHECK_FALSE(pid_alive(first));
}

TEST_CASE("changes under .git, node_modules and --ignore-watch patterns do not restart") {
    TempHome home;
    TempDir src("pm-watch");
    std::filesystem::create_directories(src.file(".git/refs"));
    std::filesystem::create_directories(src.file("node_modules/pkg"));
    RunResult r = start_child(home, "w", {"sleep"},
                              {"--watch=" + src.path(), "--ignore-watch", "*.tmp", "--watch-delay", "100ms"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "w");
    write_text(src.file(".git/refs/HEAD"), "x");
    write_text(src.file("node_modules/pkg/index.js"), "x");
    write_text(src.file("swap.tmp"), "x");
    wait_watch(home, "w", "ignored", "the ignored change seen");
    // A real change after them: the one restart must be for it alone.
    write_text(src.file("app.js"), "x");
    json ws = wait_watch(home, "w", "fires", "a restart for app.js");
    CHECK(ws["fires"] == 1);
    CHECK(ws["last_change"] == src.file("app.js"));
    CHECK(ws["dirs"] == 1);  // .git and node_modules are not even watched
    json show_reply = show(home, "w");
    CHECK(show_reply["spec"]["watch_ignore"] == json::array({"*.tmp"}));
}

TEST_CASE("watching PM_HOME itself: pmd's own files (logs, dump) never restart the app") {
    TempHome home;
    RunResult r = start_child(home, "w", {"print", "3", "sleep"}, {"--watch=" + home.path(), "--watch-delay", "50ms"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "w");
    pid_t pid = instance(home, "w")["pid"].get<pid_t>();
    REQUIRE(run_pm(home, {"save"}).exit_code == 0);  // writes dump.json in PM_HOME
    wait_watch(home, "w", "ignored", "pmd's own writes seen and ignored");
    require_online(home, "w");
    json ws = watch_status(home, "w");
    CHECK(ws["fires"] == 0);
    CHECK(instance(home, "w")["pid"] == pid);
}

TEST_CASE("the app's own --output file inside its watched tree, and its rotations, never restart it") {
    TempHome home;
    TempDir src("pm-watch");
    std::filesystem::create_directories(src.file("logs"));
    RunResult r = start_child(home, "w", {"stamps", "1000000", "20"},
                              {"--watch=" + src.path(), "--watch-delay", "50ms", "--output",
                               src.file("logs/out.log"), "--max-log-size", "2K"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    require_online(home, "w");
    pid_t pid = instance(home, "w")["pid"].get<pid_t>();
    // A line every 20 ms, and a rotation every ~60 lines: out.log.1 comes and goes.
    wait_until([&] { return file_exists(src.file("logs/out.log.1")); }, 10s, "a rotation in the watched tree");
    wait_watch(home, "w", "ignored", "the log writes seen and ignored");
    json ws = watch_status(home, "w");
    CHECK(ws["fires"] == 0);
    CHECK(instance(home, "w")["pid"] == pid);
    write_text(src.file("app.js"), "x");  // a real change still restarts
    json fired = wait_watch(home, "w", "fires", "a restart for app.js");
    CHECK(fired["last_change"] == src.file("app.js"));
}

TEST_CASE("a stopped watched process stays stopped when files change") {
    TempHome home;
    TempDir src("pm-watch");
    RunResult r = start_child(home, "w", {"sleep"}, {"--watch=" + src.path(), "--watch-delay", "50ms"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    REQUIRE(run_pm(home, {"stop", "w"}).exit_code == 0);
    write_text(src.file("a.js"), "x");
    wait_watch(home, "w", "fires", "the change seen");
    CHECK(instance(home, "w")["state"] == "stopped");
}

TEST_CASE("pm start --watch with a path that does not exist exits 2 and starts nothing") {
    TempHome home;
    RunResult r = start_child(home, "w", {"sleep"}, {"--watch=/nonexistent/pm-watch-src"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(contains(r.err, "/nonexistent/pm-watch-src"), describe(r));
    CHECK(list_json(home)["processes"].empty());
    RunResult bad = start_child(home, "w", {"sleep"}, {"--watch-delay", "1s"});
    CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
    CHECK_MESSAGE(contains(bad.err, "need --watch"), describe(bad));
}

TEST_CASE("watch settings come from an ecosystem file and survive save and resurrect") {
    TempHome home;
    TempDir app("pm-watch");
    std::filesystem::create_directories(app.file("src"));
    json doc{{"apps", json::array({json{{"name", "w"},
                                         {"script", PM_TEST_CHILD},
                                         {"args", json::array({"sleep"})},
                                         {"watch", json::array({"src"})},
                                         {"ignore_watch", json::array({"*.tmp"})},
                                         {"watch_delay", 150}}})}};
    write_text(app.file("apps.json"), doc.dump());
    RunResult r = run_pm(home, {"start", app.file("apps.json")});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_FALSE(contains(r.err, "watch"));  // no "accepted but ignored" warning
    json spec = show(home, "w")["spec"];
    CHECK(spec["watch"] == json::array({app.file("src")}));
    CHECK(spec["watch_delay_ms"] == 150);

    REQUIRE(run_pm(home, {"save"}).exit_code == 0);
    REQUIRE(run_pm(home, {"delete", "w"}).exit_code == 0);
    REQUIRE(run_pm(home, {"resurrect"}).exit_code == 0);
    json again = show(home, "w")["spec"];
    CHECK(again["watch"] == spec["watch"]);
    CHECK(again["watch_ignore"] == json::array({"*.tmp"}));
    CHECK(again["watch_delay_ms"] == 150);
    CHECK(again["watch_status"]["dirs"] == 1);
}

TEST_CASE("an ecosystem watch path that does not exist fails validation in pmd - nothing starts") {
    TempHome home;
    TempDir app("pm-watch");
    json doc{{"apps", json::array({json{{"name", "ok"}, {"script", PM_TEST_CHILD}, {"args", json::array({"sleep"})}},
                                   json{{"name", "w"},
                                        {"script", PM_TEST_CHILD},
                                        {"args", json::array({"sleep"})},
                                        {"watch", "missing-dir"}}})}};
    write_text(app.file("apps.json"), doc.dump());
    RunResult r = run_pm(home, {"start", app.file("apps.json")});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(contains(r.err, "missing-dir"), describe(r));
    CHECK(list_json(home)["processes"].empty());
    json bad{{"apps", json::array({json{{"name", "w"}, {"script", PM_TEST_CHILD}, {"watch", 5}},
                                   json{{"name", "c"}, {"script", PM_TEST_CHILD}, {"cron_restart", "0 25 * * *"}}})}};
    write_text(app.file("bad.json"), bad.dump());
    RunResult v = run_pm(home, {"validate", app.file("bad.json")});
    CHECK_MESSAGE(v.exit_code == 2, describe(v));
    CHECK_MESSAGE(contains(v.err, "apps[0].watch: expected a string or an array of strings"), describe(v));
    CHECK_MESSAGE(contains(v.err, "apps[1].cron_restart: expected a cron expression"), describe(v));
}

}  // TEST_SUITE

TEST_CASE("pm kill during a reload stops everything and pmd exits 0") {
    TempHome home;
    RunResult r = start_child(home, "web", {"sleep"}, {"--instances", "2", "--min-uptime", "30s"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_until([&] { return pids_of(raw_instances_named(home, "web")).size() == 2; }, 10s, "web running");
    pid_t old0 = pids_of(raw_instances_named(home, "web"))[0];
    Spawned reload = spawn_pm(home, {"reload", "web"});  // waits 30 s for web:0 to be stable
    wait_until([&] { return pids_of(raw_instances_named(home, "web"))[0] != old0; }, 10s, "web:0 replaced");
    RunResult kill = run_pm(home, {"kill"}, {}, 20s);
    CHECK_MESSAGE(kill.exit_code == 0, describe(kill));
    auto status = home.wait_pmd_exit(20s);
    REQUIRE_MESSAGE(status.has_value(), "pmd did not exit after pm kill");
    CHECK_MESSAGE(WIFEXITED(*status), "pmd died of signal " << (WIFSIGNALED(*status) ? WTERMSIG(*status) : 0));
    CHECK(WEXITSTATUS(*status) == 0);
    RunResult rel = finish(reload, 20s);
    CHECK(rel.exit_code != -1);  // the reload's client ended, it did not hang
}
