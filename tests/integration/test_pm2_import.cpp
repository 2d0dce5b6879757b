// pm import of a dump written by real PM2 (tests/fixtures/pm2/dump.pm2,
// recorded with `pm2 start ecosystem.config.js; pm2 stop paused; pm2 save`
// from the ecosystem.config.js beside it): names, scripts, interpreters,
// args, cwd, env, instances, log files and stopped state carry over, and
// what does not is reported.
#include <doctest/doctest.h>

#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
    return s;
}

// The recorded app directory and PM2 home, moved under `root`; returns the
// dump's path.
std::string place_fixture(const std::string& root) {
    const std::string app = root + "/app";
    std::filesystem::create_directories(app);
    write_text(app + "/server.js", "console.log('server on', process.env.PORT); setInterval(() => {}, 1000);\n");
    write_text(app + "/worker.py", "import sys, time\nprint('worker', sys.argv[1:], flush=True)\ntime.sleep(100000)\n");
    std::string dump = read_file(std::string(PM_SOURCE_DIR) + "/tests/fixtures/pm2/dump.pm2");
    REQUIRE(!dump.empty());
    dump = replace_all(dump, "/tmp/pm2-fixture-app", app);
    dump = replace_all(dump, "/tmp/pm2rec/home", root + "/pm2home");
    write_text(root + "/dump.pm2", dump);
    return root + "/dump.pm2";
}

json spec_of(const TempHome& home, const std::string& name) {
    RunResult r = run_pm(home, {"--json", "show", name});
    json j = json::parse(r.out, nullptr, false);
    return j.is_object() ? j["spec"] : json();
}

}  // namespace

TEST_SUITE("integration/pm2-import") {

TEST_CASE("pm import starts the processes of a real PM2 dump and reports what did not carry over") {
    TempHome home;
    TempDir root("pm-import");
    std::string dump = place_fixture(root.path());
    const std::string app = root.file("app");

    RunResult r = run_pm(home, {"import", dump});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.out, "pm: importing 4 apps from " + dump), describe(r));
    CHECK_MESSAGE(contains(r.out, "pm: import: my job: renamed to \"my-job\""), describe(r));
    CHECK_MESSAGE(contains(r.out, "pm: import: paused: was stopped under PM2"), describe(r));
    CHECK_MESSAGE(contains(r.out, "pm: import: api: logs: written to pm's log directory"), describe(r));

    // A cluster of two: one dump entry per instance, one pm process.
    json api = spec_of(home, "api");
    CHECK(api["instances"] == 2);
    CHECK(api["argv"] == json::array({"node", "--max-old-space-size=128", app + "/server.js"}));
    CHECK(api["cwd"] == app);
    CHECK(api["max_memory"] == 200 * 1024 * 1024);
    RunResult env = run_pm(home, {"--json", "env", "api:0"});
    json vars = json::parse(env.out, nullptr, false)["processes"][0]["env"];
    CHECK(vars["PORT"] == "3000");
    CHECK(vars["NODE_ENV"] == "production");
    CHECK_MESSAGE(!vars.contains("PM2_HOME"), vars.dump());  // PM2's own variables stay behind

    json worker = spec_of(home, "worker");
    CHECK(worker["argv"] == json::array({"python3", app + "/worker.py", "--queue", "jobs"}));
    CHECK(worker["out_file"] == app + "/logs/worker-out.log");
    CHECK(worker["kill_timeout_ms"] == 30000);
    CHECK(worker["cron_restart"] == "0 3 * * *");
    wait_until([&] { return contains(read_file(app + "/logs/worker-out.log"), "worker ['--queue', 'jobs']"); }, 10s,
               "the worker's output in its own log file (its directory made)");

    json job = spec_of(home, "my-job");
    CHECK(job["argv"] == json::array({"/usr/bin/bash", "-c", "echo hi && sleep 100000"}));
    CHECK(job["restart"] == "never");  // autorestart: false

    CHECK(instance(home, "paused")["state"] == "stopped");
    CHECK(list_json(home)["processes"].size() == 5);
}

TEST_CASE("pm import of a file that is not a PM2 dump, or of no file, changes nothing") {
    TempHome home;
    TempDir root("pm-import");
    write_text(root.file("apps.json"), R"({"apps": []})");
    RunResult bad = run_pm(home, {"import", root.file("apps.json")});
    CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
    CHECK_MESSAGE(contains(bad.err, "not a PM2 dump"), describe(bad));
    RunResult missing = run_pm(home, {"import", root.file("nope.pm2")});
    CHECK_MESSAGE(missing.exit_code == 3, describe(missing));
    CHECK_MESSAGE(contains(missing.err, "unable to read " + root.file("nope.pm2")), describe(missing));
    CHECK(list_json(home)["processes"].empty());
}

}  // TEST_SUITE("integration/pm2-import")
