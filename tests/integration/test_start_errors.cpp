// The error line of a start that fails names the process once, whether the
// start came from the command line or an ecosystem file (issue 10: "pm:
// chatbot: chatbot: unable to spawn ..."), for each way a start can fail.
#include <doctest/doctest.h>

#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Writes {"apps": apps} to <home>/proj/apps.json and returns its path.
std::string write_apps(const TempHome& home, const std::vector<json>& apps) {
    std::string dir = home.file("proj");
    std::filesystem::create_directories(dir);
    json doc = json::object();
    doc["apps"] = json(apps);
    write_text(dir + "/apps.json", doc.dump(2));
    return dir + "/apps.json";
}

json app(const std::string& name, const std::string& script) {
    return json{{"name", name}, {"script", script}, {"args", json::array({"sleep"})}};
}

// pm's stderr is exactly `line`; the exit code is `rc`.
void check_error_line(const RunResult& r, int rc, const std::string& line) {
    CHECK_MESSAGE(r.exit_code == rc, describe(r));
    CHECK_MESSAGE(r.err == line + "\n", describe(r));
}

const std::string k_enoent = "ENOENT (no such file or directory)";

}  // namespace

TEST_SUITE("integration/start-errors") {

TEST_CASE("a spawn failure names the process once, from the command line and from a file") {
    TempHome home;
    check_error_line(run_pm(home, {"start", "--name", "chatbot", "/nonexistent"}), 1,
                     "pm: chatbot: unable to spawn \"/nonexistent\": " + k_enoent);
    // From a file, the check before starting names the script (PM2: "Script not found").
    std::string file = write_apps(home, {app("filebot", "/nonexistent")});
    check_error_line(run_pm(home, {"start", file}), 2,
                     "pm: " + file + ": apps[0]: filebot: script /nonexistent not found\npm: " + file +
                         " is invalid; nothing was started");
    RunResult j = run_pm(home, {"--json", "start", "--name", "jsonbot", "/nonexistent"});
    CHECK_MESSAGE(j.exit_code == 1, describe(j));
    json reply = json::parse(j.out, nullptr, false);
    REQUIRE_MESSAGE(reply.is_object(), describe(j));
    CHECK(reply["error"]["message"] == "jsonbot: unable to spawn \"/nonexistent\": " + k_enoent);
    CHECK(list_json(home)["processes"].empty());  // a failed first start leaves nothing behind
}

TEST_CASE("a missing cwd is named as the cause of the spawn failure") {
    TempHome home;
    std::string gone = home.file("gone");
    check_error_line(
        run_pm(home, {"start", "--name", "nowhere", "--cwd", gone, PM_TEST_CHILD, "sleep"}), 1,
        "pm: nowhere: unable to spawn \"" + std::string(PM_TEST_CHILD) + "\": cwd " + gone + ": " + k_enoent);
    json far = app("far", PM_TEST_CHILD);
    far["cwd"] = gone;
    std::string file = write_apps(home, {far});
    check_error_line(run_pm(home, {"start", file}), 2,
                     "pm: " + file + ": apps[0]: far: cwd " + gone + " does not exist\npm: " + file +
                         " is invalid; nothing was started");
}

TEST_CASE("a process already running with other options is named once") {
    TempHome home;
    REQUIRE(start_child(home, "web", {"sleep"}).exit_code == 0);
    const std::string line =
        "pm: web: already running with a different command or options (use restart, or "
        "delete it first)";
    check_error_line(start_child(home, "web", {"sleep", "2"}), 1, line);
    json other = app("web", PM_TEST_CHILD);
    other["args"] = json::array({"sleep", "3"});
    RunResult r = run_pm(home, {"start", write_apps(home, {other})});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(r.err == line + "\n", describe(r));
}

TEST_CASE("a log directory that cannot be made names the process once, and the app once in a file") {
    TempHome home;
    TempDir dir("pm-logs");
    write_text(dir.file("plain"), "a file\n");
    std::string out = dir.file("plain/sub/out.log");
    const std::string why = "out_file '" + out + "': directory " + dir.file("plain/sub") +
                            " does not exist and cannot be created (" + dir.file("plain") +
                            " is not a writable directory)";
    check_error_line(run_pm(home, {"start", "--name", "logless", "--output", out, PM_TEST_CHILD, "sleep"}), 2,
                     "pm: logless: " + why);
    json logless = app("logless", PM_TEST_CHILD);
    logless["out_file"] = out;
    logless["args"] = json::array({"sleep"});
    std::string file = write_apps(home, {logless});
    // The file's check names the path the same way, before pmd is asked.
    RunResult r = run_pm(home, {"start", file});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err.find("apps[0]: logless: out_file " + out + ": directory " + dir.file("plain/sub") +
                             " cannot be created") != std::string::npos,
                  describe(r));
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("the instance limit names the process that did not fit") {
    TempHome home(with_pmd_args({"--max-processes", "1"}));
    REQUIRE(start_child(home, "first", {"sleep"}).exit_code == 0);
    check_error_line(start_child(home, "second", {"sleep"}), 1,
                     "pm: second: too many processes: the limit is 1 instances");
    check_error_line(run_pm(home, {"start", write_apps(home, {app("third", PM_TEST_CHILD)})}), 1,
                     "pm: third: too many processes: the limit is 1 instances");
}

TEST_CASE("start by name and restart of a process that is gone name it once") {
    TempHome home;
    check_error_line(run_pm(home, {"start", "--name", "ghost"}), 3, "pm: no process named 'ghost'");
    REQUIRE(start_child(home, "brief", {"sleep"}).exit_code == 0);
    REQUIRE(run_pm(home, {"delete", "brief"}).exit_code == 0);
    check_error_line(run_pm(home, {"restart", "brief"}), 3, "pm: no process named 'brief'");
    check_error_line(run_pm(home, {"reload", "brief"}), 3, "pm: no process named 'brief'");
}

}  // TEST_SUITE("integration/start-errors")
