// PM2's log_file (the combined log): stdout and stderr lines in one file, as
// well as in out_file and error_file, from an ecosystem file and --log.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

TEST_SUITE("integration/pm2-logs") {

TEST_CASE("log_file gets the lines of both streams, and out_file and error_file still get their own") {
    TempHome home;
    TempDir project("pm-proj");  // log files may not go inside PM_HOME
    const std::string& dir = project.path();
    json app{{"name", "both"},
             {"script", PM_TEST_CHILD},
             {"args", json::array({"print-both", "2", "sleep"})},
             {"out_file", "logs/out.log"},
             {"error_file", "logs/err.log"},
             {"log_file", "logs/combined.log"}};
    write_text(dir + "/ecosystem.json", json{{"apps", json::array({app})}}.dump());
    RunResult r = run_pm(home, {"start", dir + "/ecosystem.json"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(!contains(r.err, "log_file"), describe(r));  // used now: no warning
    std::string combined;
    wait_until(
        [&] {
            combined = read_file(dir + "/logs/combined.log");
            return std::count(combined.begin(), combined.end(), '\n') == 4;
        },
        10s, "four lines in the combined log");
    CHECK_MESSAGE(contains(read_file(dir + "/logs/out.log"), "out 1"), combined);
    CHECK_MESSAGE(!contains(read_file(dir + "/logs/out.log"), "err 1"), combined);
    CHECK_MESSAGE(contains(read_file(dir + "/logs/err.log"), "err 1"), combined);
    RunResult show = run_pm(home, {"--json", "show", "both"});
    json j = json::parse(show.out, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), describe(show));
    CHECK(j["spec"]["log_file"] == dir + "/logs/combined.log");
    CHECK(j["instances"][0]["logs"]["log_file"]["path"] == dir + "/logs/combined.log");
}

TEST_CASE("--log writes the combined log of each instance, and flush empties it") {
    TempHome home;
    TempDir dir("pm-combined");
    RunResult r = start_child(home, "pair", {"print-both", "1", "sleep"}, {"-i", "2", "--log", dir.file("all.log")});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    for (const char* f : {"all-0.log", "all-1.log"}) {
        CAPTURE(f);
        wait_until(
            [&] {
                std::string text = read_file(dir.file(f));
                return contains(text, "out 1\n") && contains(text, "err 1\n");
            },
            10s, "both streams' lines in the instance's combined log");
    }
    REQUIRE(run_pm(home, {"flush", "pair"}).exit_code == 0);
    CHECK(read_file(dir.file("all-0.log")).empty());
}

}  // TEST_SUITE("integration/pm2-logs")
