// pm validate catches what pm start would refuse or fail on (a missing or
// non-executable script, a missing interpreter or cwd, a log directory that
// cannot be made), and start refuses the same file before starting anything;
// a missing log directory that can be made is made, as PM2 makes it.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

std::string write_apps(const std::string& dir, const std::vector<json>& apps) {
    json doc = json::object();
    doc["apps"] = json(apps);
    write_text(dir + "/ecosystem.json", doc.dump(2));
    return dir + "/ecosystem.json";
}

json sleeper(const std::string& name) {
    return json{{"name", name}, {"script", PM_TEST_CHILD}, {"args", json::array({"sleep"})}};
}

struct Refused {
    const char* what;
    json app;
    std::string problem;  // the problem pm names, after "apps[1]: <name>: "
};

}  // namespace

TEST_SUITE("integration/pm2-validate") {

TEST_CASE("validate and start refuse, naming the path, what start would fail on, and nothing is started") {
    TempHome home;
    TempDir project("pm-proj");  // log files may not go inside PM_HOME
    const std::string& dir = project.path();
    write_text(dir + "/data.txt", "not executable\n");
    write_text(dir + "/a-file", "x\n");
    const Refused cases[] = {
        {"a missing script run by node", json{{"name", "m"}, {"script", "missing.js"}},
         "script " + dir + "/missing.js not found"},
        {"a missing script run directly", json{{"name", "d"}, {"script", "./bin/server"}},
         "script " + dir + "/bin/server not found"},
        {"a file without execute bit run with interpreter none",
         json{{"name", "x"}, {"script", "data.txt"}, {"interpreter", "none"}},
         dir + "/data.txt is not executable: chmod +x it, or set \"interpreter\""},
        {"an interpreter that is not installed",
         json{{"name", "i"}, {"script", "data.txt"}, {"interpreter", "no-such-interpreter"}},
         "interpreter 'no-such-interpreter' (for data.txt) is not installed or not in PATH"},
        {"a command not in PATH", json{{"name", "c"}, {"command", "no-such-command --flag"}},
         "command 'no-such-command' is not installed or not in PATH"},
        {"a missing cwd", json{{"name", "w"}, {"script", PM_TEST_CHILD}, {"cwd", dir + "/gone"}},
         "cwd " + dir + "/gone does not exist"},
        {"a log directory under a file",
         json{{"name", "l"}, {"script", PM_TEST_CHILD}, {"args", "sleep"}, {"out_file", "a-file/logs/out.log"}},
         "out_file " + dir + "/a-file/logs/out.log: directory " + dir + "/a-file/logs cannot be created (" + dir +
             "/a-file is not a writable directory)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        std::string file = write_apps(dir, {sleeper("fine"), c.app});
        std::string line = "pm: " + file + ": apps[1]: " + c.app["name"].get<std::string>() + ": " + c.problem;
        RunResult v = run_pm(home, {"validate", file});
        CHECK_MESSAGE(v.exit_code == 2, describe(v));
        CHECK_MESSAGE(contains(v.err, line), describe(v));
        RunResult s = run_pm(home, {"start", file});
        CHECK_MESSAGE(s.exit_code == 2, describe(s));
        CHECK_MESSAGE(contains(s.err, line), describe(s));
        CHECK_MESSAGE(contains(s.err, "is invalid; nothing was started"), describe(s));
        CHECK(list_json(home)["processes"].empty());
    }
}

TEST_CASE("validate --json lists the start problems") {
    TempHome home(no_daemon());
    std::string dir = make_dir(home, "proj");
    std::string file = write_apps(dir, {json{{"name", "m"}, {"script", "missing.py"}}});
    RunResult v = run_pm(home, {"--json", "validate", file});
    CHECK_MESSAGE(v.exit_code == 2, describe(v));
    json reply = json::parse(v.out, nullptr, false);
    REQUIRE_MESSAGE(reply.is_object(), describe(v));
    CHECK(reply["problems"] == json::array({"apps[0]: m: script " + dir + "/missing.py not found"}));
    CHECK(home.daemons().empty());  // validate still needs no daemon
}

TEST_CASE("missing log directories are created (0755) and the logs written there") {
    TempHome home;
    TempDir project("pm-proj");
    const std::string& dir = project.path();
    json app = sleeper("logged");
    app["args"] = json::array({"print", "1", "sleep"});
    app["out_file"] = "var/log/app/out.log";
    app["error_file"] = dir + "/var/err/err.log";
    std::string file = write_apps(dir, {app});
    RunResult v = run_pm(home, {"validate", file});
    CHECK_MESSAGE(v.exit_code == 0, describe(v));
    CHECK_MESSAGE(!std::filesystem::exists(dir + "/var"), "validate changed nothing");
    RunResult s = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(s.exit_code == 0, describe(s));
    wait_until([&] { return !read_file(dir + "/var/log/app/out.log").empty(); }, 10s, "the out log written");
    struct stat st {};
    REQUIRE(::stat((dir + "/var/log/app").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    REQUIRE(::stat((dir + "/var/err").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
}

TEST_CASE("a missing log directory from the command line is created too") {
    TempHome home;
    TempDir dir("pm-logdir");
    std::string out = dir.file("a/b/out.log");
    RunResult r = start_child(home, "cli", {"print", "1", "sleep"}, {"--output", out});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_until([&] { return !read_file(out).empty(); }, 10s, "the out log written");
}

}  // TEST_SUITE("integration/pm2-validate")
