// Usage errors a new user meets first (issue 10): a duration on the command
// line without its unit, and an explicitly empty process name, on the
// command line, in an ecosystem file and on the wire.
#include <doctest/doctest.h>

#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

json parse(const std::string& text) { return json::parse(text, nullptr, false); }

// Runs pm, expecting a usage error (exit 2) whose only line is `line`.
void check_usage_error(const TempHome& home, const std::vector<std::string>& args, const std::string& line) {
    RunResult r = run_pm(home, args);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err == line + "\n", describe(r));
    CHECK_MESSAGE(r.out.empty(), describe(r));
}

// Writes {"apps": [app]} to <home>/proj/apps.json and returns its path.
std::string write_app(const TempHome& home, const json& app) {
    std::string dir = home.file("proj");
    std::filesystem::create_directories(dir);
    json doc = json::object();
    doc["apps"] = json::array({app});
    write_text(dir + "/apps.json", doc.dump(2));
    return dir + "/apps.json";
}

}  // namespace

TEST_SUITE("integration/usage-errors") {

TEST_CASE("pm wait --timeout 3 is refused with exit 2, naming the units") {
    TempHome home;
    REQUIRE(start_child(home, "api", {"sleep"}).exit_code == 0);
    // Read as 3 ms, this wait for a state api never reaches timed out at once (exit 4).
    check_usage_error(home, {"wait", "api", "--state", "stopped", "--timeout", "3"},
                      "pm: --timeout: give a unit: 3s or 3000ms (ms, s, m, h or d)");
    RunResult j = run_pm(home, {"--json", "wait", "api", "--timeout", "3"});
    CHECK_MESSAGE(j.exit_code == 2, describe(j));
    json reply = parse(j.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(j));
    CHECK(reply["error"]["code"] == "usage");

    RunResult ok = run_pm(home, {"wait", "api", "--timeout", "3s"});
    CHECK_MESSAGE(ok.exit_code == 0, describe(ok));
    CHECK(ok.out == "api: online\n");
}

TEST_CASE("the global --timeout needs a unit, before or after the command, and 1.5s works") {
    TempHome home;
    check_usage_error(home, {"--timeout", "3", "list"}, "pm: --timeout: give a unit: 3s or 3000ms (ms, s, m, h or d)");
    check_usage_error(home, {"list", "--timeout", "1.5"},
                      "pm: --timeout: give a unit: 1.5s or 1500ms (ms, s, m, h or d)");
    check_usage_error(home, {"--timeout", "0", "list"}, "pm: --timeout must be a positive duration like 10s");
    for (const char* good : {"3s", "1.5s", "3000ms", "1m"}) {
        CAPTURE(good);
        RunResult r = run_pm(home, {"--timeout", good, "--json", "list"});
        CHECK_MESSAGE(r.exit_code == 0, describe(r));
        CHECK(parse(r.out)["processes"].is_array());
    }
}

TEST_CASE("every start duration flag refuses a bare number and starts nothing") {
    TempHome home;
    const char* flags[] = {"--min-uptime", "--restart-delay", "--max-backoff", "--kill-timeout", "--watch-delay"};
    for (const char* flag : flags) {
        CAPTURE(flag);
        std::vector<std::string> args{"start", "--name", "w", flag, "5"};
        if (std::string(flag) == "--watch-delay") {
            args.emplace_back("--watch");
        }
        args.insert(args.end(), {PM_TEST_CHILD, "sleep"});
        check_usage_error(home, args, std::string("pm: ") + flag + ": give a unit: 5s or 5000ms (ms, s, m, h or d)");
    }
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("pm start --kill-timeout with a unit, and 0 without one, are read as written") {
    TempHome home;
    RunResult r = start_child(home, "grace", {"sleep"}, {"--kill-timeout", "5s", "--restart-delay", "0"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json spec = parse(run_pm(home, {"--json", "show", "grace"}).out)["spec"];
    CHECK(spec["kill_timeout_ms"] == 5000);
    CHECK(spec["restart_delay_ms"] == 0);

    RunResult frac = start_child(home, "frac", {"sleep"}, {"--kill-timeout", "1.5s"});
    REQUIRE_MESSAGE(frac.exit_code == 0, describe(frac));
    CHECK(parse(run_pm(home, {"--json", "show", "frac"}).out)["spec"]["kill_timeout_ms"] == 1500);
}

TEST_CASE("an ecosystem file keeps PM2's milliseconds: kill_timeout 5000 is 5 s") {
    TempHome home;
    json app{{"name", "eco"},
             {"script", PM_TEST_CHILD},
             {"args", json::array({"sleep"})},
             {"kill_timeout", 5000},
             {"min_uptime", "1500"}};
    RunResult r = run_pm(home, {"start", write_app(home, app)});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json spec = parse(run_pm(home, {"--json", "show", "eco"}).out)["spec"];
    CHECK(spec["kill_timeout_ms"] == 5000);
    CHECK(spec["min_uptime_ms"] == 1500);
}

TEST_CASE("pm start --name with an empty name is a usage error and starts nothing") {
    TempHome home;
    const std::string line = "pm: --name must not be empty (leave it out to name the process after its command)";
    check_usage_error(home, {"start", "--name", "", PM_TEST_CHILD, "sleep"}, line);
    check_usage_error(home, {"start", "-n", ""}, line);
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("an empty name in an ecosystem file is an error naming the key") {
    TempHome home;
    json app{{"name", ""}, {"script", PM_TEST_CHILD}, {"args", json::array({"sleep"})}};
    std::string file = write_app(home, app);
    RunResult r = run_pm(home, {"start", file});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err == "pm: " + file + ": apps[0].name: invalid name: must be 1 to 64 characters\npm: " + file +
                               " is invalid; nothing was started\n",
                  describe(r));
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("a start request with an empty name gets bad_args") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.connected());
    json reply = c.request("start", json{{"name", ""}, {"argv", json::array({PM_TEST_CHILD, "sleep"})}, {"cwd", "/"}});
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "bad_args");
    CHECK(reply["error"]["message"] == "invalid name: must be 1 to 64 characters");
    CHECK(list_json(home)["processes"].empty());
}

}  // TEST_SUITE("integration/usage-errors")

TEST_CASE("pmd's duration flags follow the same rule: a bare number is refused with exit 2, a unit works") {
    TempHome bad(no_daemon());
    RunResult r = run_process(PMD_BIN, {"--foreground", "--sample-interval", "500"}, bad.env(), 10s);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err.find("pmd: --sample-interval: give a unit: 500s or 500000ms") != std::string::npos, describe(r));
    r = run_process(PMD_BIN, {"--foreground", "--client-timeout", "60"}, bad.env(), 10s);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err.find("pmd: --client-timeout: give a unit: 60s or 60000ms") != std::string::npos, describe(r));

    TempHome good(with_pmd_args({"--sample-interval", "200ms", "--client-timeout", "0"}));
    CHECK(run_pm(good, {"ping"}).exit_code == 0);
}
