// Ecosystem files (JSON apps, PM2 keys) and Procfiles: pm start FILE,
// pm validate FILE, --only, and stop/restart/delete FILE.
#include <doctest/doctest.h>
#include <unistd.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "harness.hpp"

using namespace pm::test;

namespace {

// <home>/<dir> created, returned as an absolute path.
// Writes {"apps": apps} to <dir>/<file> and returns its path.
// (A vector, not a json: json{{"apps", {app}}} with one app is not an array.)
std::string write_apps(const std::string& dir, const std::vector<json>& apps,
                       const std::string& file = "apps.json") {
    std::string path = dir + "/" + file;
    json doc = json::object();
    doc["apps"] = json(apps);
    write_text(path, doc.dump(2));
    return path;
}

// A long-running app: pm_test_child sleep.
json sleeper(const std::string& name) {
    return json{{"name", name}, {"script", PM_TEST_CHILD}, {"args", json::array({"sleep"})}};
}

// "name:index" of every listed instance, sorted.
std::vector<std::string> listed(const TempHome& home) {
    std::vector<std::string> out;
    json list = list_json(home);
    for (const auto& p : list["processes"]) {
        out.push_back(p["name"].get<std::string>() + ":" + std::to_string(p["index"].get<int>()));
    }
    std::sort(out.begin(), out.end());
    return out;
}

// pid of an online instance (waits for it); -1 if it never gets one.
pid_t online_pid(const TempHome& home, const std::string& name, int index = 0) {
    pid_t pid = -1;
    wait_until(
        [&](std::string& observed) {
            json i = instance(home, name, index);
            observed = i.dump();
            if (i.is_object() && i["state"] == "online" && i["pid"].is_number_integer()) {
                pid = i["pid"].get<pid_t>();
                return true;
            }
            return false;
        },
        5s, name + ":" + std::to_string(index) + " is online");
    return pid;
}

std::map<std::string, std::string> environ_of(pid_t pid) {
    std::map<std::string, std::string> env;
    for (const auto& kv : proc_strings(pid, "environ")) {
        auto eq = kv.find('=');
        if (eq != std::string::npos) {
            env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
    }
    return env;
}

std::string cwd_of(pid_t pid) {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
    return ec ? std::string("(unreadable: ") + ec.message() + ")" : p.string();
}

std::string canonical(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::canonical(path, ec);
    return ec ? path : p.string();
}

json parse(const std::string& text) { return json::parse(text, nullptr, false); }

// One broken file and the problem pm must name for it.
struct BadFile {
    const char* what;
    std::string text;
    std::string problem;  // expected substring of the reported problem
};

std::vector<BadFile> bad_files() {
    json good = sleeper("good");
    json zero_instances = sleeper("second");
    zero_instances["instances"] = -7;
    json unknown = sleeper("odd");
    unknown["colour"] = "blue";
    json bad_name = sleeper("bad name!");
    json reserved = sleeper("all");
    return {
        {"instances -7 in the second app", json{{"apps", json::array({good, zero_instances})}}.dump(),
         "apps[1].instances: expected a positive integer"},
        {"an unknown key", json{{"apps", json::array({unknown})}}.dump(), "apps[0].colour: unknown key"},
        {"a name with a space", json{{"apps", json::array({bad_name})}}.dump(), "apps[0].name: invalid name 'bad name!'"},
        {"a reserved name", json{{"apps", json::array({good, reserved})}}.dump(), "apps[1].name: invalid name 'all'"},
        {"two apps with one name", json{{"apps", json::array({good, good})}}.dump(),
         "apps[1].name: 'good' is used twice (also apps[0])"},
        {"text that is not JSON", "{\"apps\": [ {\"name\": \"x\", ", "the file is not valid JSON"},
        {"an empty apps array", R"({"apps": []})", "apps: expected a non-empty array"},
        {"an app without script or command", R"({"apps": [{"name": "nothing"}]})",
         "apps[0]: needs a script or a command"},
    };
}

}  // namespace

TEST_SUITE("integration/ecosystem") {

TEST_CASE("pm start apps.json starts every app with its instances") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    json web = sleeper("web");
    web["instances"] = 2;
    std::string file = write_apps(dir, {web, sleeper("worker")});

    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(listed(home) == std::vector<std::string>{"web:0", "web:1", "worker:0"});
    for (auto [name, index] : {std::pair{"web", 0}, {"web", 1}, {"worker", 0}}) {
        CAPTURE(name);
        CAPTURE(index);
        pid_t pid = online_pid(home, name, index);
        CHECK(pid_alive(pid));
        CHECK(proc_strings(pid, "cmdline") == std::vector<std::string>{PM_TEST_CHILD, "sleep"});
    }
}

TEST_CASE("pm --json start apps.json replies with one started entry per app") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), sleeper("b")});
    RunResult r = run_pm(home, {"--json", "start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = parse(r.out);
    REQUIRE_MESSAGE(reply.is_object(), r.out);
    REQUIRE(reply["apps"].is_array());
    REQUIRE(reply["apps"].size() == 2);
    CHECK(reply["apps"][0]["name"] == "a");
    CHECK(reply["apps"][1]["name"] == "b");
    for (const auto& app : reply["apps"]) {
        CHECK(app["action"] == "started");
        REQUIRE(app["instances"].size() == 1);
        CHECK(app["instances"][0]["pid"].is_number_integer());
    }
}

TEST_CASE("ecosystem env values given as numbers and booleans reach the process as strings") {
    TempHome home;
    json app = sleeper("envy");
    app["env"] = {{"PORT", 3000}, {"RATIO", 1.5}, {"DEBUG", true}, {"GREETING", "hello world"}};
    std::string file = write_apps(make_dir(home, "proj"), {app});
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

    auto env = environ_of(online_pid(home, "envy"));
    CHECK(env["PORT"] == "3000");
    CHECK(env["RATIO"] == "1.5");
    CHECK(env["DEBUG"] == "true");
    CHECK(env["GREETING"] == "hello world");
    CHECK(env["PMD_TEST_TAG"] == home.tag());  // on top of pm's own environment
}

TEST_CASE("increment_var PORT gives instance 0 port 3000 and instance 1 port 3001, as pm env shows") {
    TempHome home;
    json app = sleeper("api");
    app["instances"] = 2;
    app["env"] = {{"PORT", 3000}};
    app["increment_var"] = "PORT";
    std::string file = write_apps(make_dir(home, "proj"), {app});
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

    auto env0 = environ_of(online_pid(home, "api", 0));
    auto env1 = environ_of(online_pid(home, "api", 1));
    CHECK(env0["PORT"] == "3000");
    CHECK(env1["PORT"] == "3001");
    CHECK(env0["PM_INSTANCE"] == "0");
    CHECK(env1["PM_INSTANCE"] == "1");

    // pm env shows what each instance was given, as the processes see it.
    RunResult one = run_pm(home, {"env", "api:1"});
    REQUIRE_MESSAGE(one.exit_code == 0, describe(one));
    for (const char* key : {"PORT", "PM_INSTANCE", "PM_ID", "PMD_TEST_TAG"}) {
        CAPTURE(key);
        CHECK(one.out.find(std::string(key) + "=" + env1[key] + "\n") != std::string::npos);
    }
    RunResult all = run_pm(home, {"--json", "env", "api"});
    REQUIRE_MESSAGE(all.exit_code == 0, describe(all));
    json procs = json::parse(all.out)["processes"];
    REQUIRE(procs.size() == 2);
    CHECK(procs[0]["env"]["PORT"] == "3000");
    CHECK(procs[1]["env"]["PORT"] == "3001");
    CHECK(procs[1]["index"] == 1);
    RunResult missing = run_pm(home, {"env", "nope"});
    CHECK_MESSAGE(missing.exit_code == 3, describe(missing));
}

TEST_CASE("pm env of instances whose environments pass the reply cap is limit_reached, one instance still works") {
    TempHome home;
    json app = sleeper("big");
    app["instances"] = 4;
    json env = json::object();
    for (int k = 0; k < 220; ++k) {
        env["BIG_" + std::to_string(k)] = std::string(1000, 'x');  // ~220 KB per instance
    }
    app["env"] = env;
    std::string file = write_apps(make_dir(home, "proj"), {app});
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    RunResult all = run_pm(home, {"--json", "env", "big"});
    CHECK_MESSAGE(all.exit_code == 1, describe(all));
    CHECK_MESSAGE(all.out.find("limit_reached") != std::string::npos, describe(all));
    RunResult one = run_pm(home, {"env", "big:3"});
    CHECK_MESSAGE(one.exit_code == 0, describe(one));
    CHECK(one.out.find("BIG_219=" + std::string(1000, 'x') + "\n") != std::string::npos);
}

TEST_CASE("a relative cwd in an ecosystem file is resolved against the file's directory") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    make_dir(home, "proj/sub");
    json in_sub = sleeper("insub");
    in_sub["cwd"] = "sub";
    json absolute = sleeper("abs");
    absolute["cwd"] = "/";
    write_apps(dir, {in_sub, sleeper("default"), absolute});

    // pm runs in <home> and names the file by a relative path.
    std::string cmd = "cd '" + home.path() + "' && exec '" + PM_BIN + "' start proj/apps.json";
    RunResult r = run_process("/bin/sh", {"-c", cmd}, home.env());
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

    CHECK(cwd_of(online_pid(home, "insub")) == canonical(dir + "/sub"));
    CHECK(cwd_of(online_pid(home, "default")) == canonical(dir));
    CHECK(cwd_of(online_pid(home, "abs")) == "/");
}

TEST_CASE("ecosystem args may be a shell-like string or an array of strings") {
    TempHome home;
    json as_string{{"name", "str"}, {"script", PM_TEST_CHILD}, {"args", "line 'hello world' sleep"}};
    json as_array{{"name", "arr"}, {"script", PM_TEST_CHILD}, {"args", {"line", "it's \"quoted\"", "sleep"}}};
    json command{{"name", "cmd"}, {"command", std::string(PM_TEST_CHILD) + " line \"a b\" sleep"}};
    std::string file = write_apps(make_dir(home, "proj"), {as_string, as_array, command});
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

    using V = std::vector<std::string>;
    CHECK(proc_strings(online_pid(home, "str"), "cmdline") == V{PM_TEST_CHILD, "line", "hello world", "sleep"});
    CHECK(proc_strings(online_pid(home, "arr"), "cmdline") ==
          V{PM_TEST_CHILD, "line", "it's \"quoted\"", "sleep"});
    CHECK(proc_strings(online_pid(home, "cmd"), "cmdline") == V{PM_TEST_CHILD, "line", "a b", "sleep"});
    CHECK(wait_until([&] { return contains(read_file(home.out_log("str")), "hello world\n"); }, 5s,
                     "str printed its argument"));
}

TEST_CASE("instances \"max\" starts one instance per online CPU") {
    TempHome home;
    json app = sleeper("maxed");
    app["instances"] = "max";
    std::string file = write_apps(make_dir(home, "proj"), {app});
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    long cpus = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
    CHECK(static_cast<long>(list_json(home)["processes"].size()) == cpus);
}

TEST_CASE("instances in PM2's forms: a numeric string, 0 for every CPU, -1 for every CPU but one") {
    TempHome home;
    json two = sleeper("two");
    two["instances"] = "2";
    json all = sleeper("all-cpus");
    all["instances"] = 0;
    json but_one = sleeper("but-one");
    but_one["instances"] = "-1";
    std::string file = write_apps(make_dir(home, "proj"), {two, all, but_one});
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    long cpus = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
    std::map<std::string, long> count;
    json listing = list_json(home);
    for (const auto& p : listing["processes"]) {
        ++count[p["name"].get<std::string>()];
    }
    CHECK(count["two"] == 2);
    CHECK(count["all-cpus"] == cpus);
    CHECK(count["but-one"] == std::max<long>(1, cpus - 1));
}

TEST_CASE("pm start of an invalid ecosystem file exits 2, names each problem and starts nothing") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    for (const auto& bad : bad_files()) {
        CAPTURE(bad.what);
        std::string file = dir + "/bad.json";
        write_text(file, bad.text);

        RunResult r = run_pm(home, {"start", file});
        CHECK_MESSAGE(r.exit_code == 2, describe(r));
        CHECK_MESSAGE(contains(r.err, bad.problem), describe(r));
        CHECK_MESSAGE(contains(r.err, "nothing was started"), describe(r));

        RunResult j = run_pm(home, {"--json", "start", file});
        CHECK(j.exit_code == 2);
        json reply = parse(j.out);
        REQUIRE_MESSAGE(reply.is_object(), describe(j));
        CHECK(reply["ok"] == false);
        CHECK(reply["error"]["code"] == "bad_args");
        CHECK(contains(reply["error"]["message"].get<std::string>(), "is invalid"));
        REQUIRE(reply["problems"].is_array());
        CHECK_MESSAGE(contains(reply["problems"].dump(), bad.problem), reply.dump());

        CHECK(list_json(home)["processes"].empty());
    }
}

TEST_CASE("pm validate of an invalid file exits 2 with each problem named, without a daemon") {
    TempHome home(no_daemon());
    std::string dir = make_dir(home, "proj");
    for (const auto& bad : bad_files()) {
        CAPTURE(bad.what);
        std::string file = dir + "/bad.json";
        write_text(file, bad.text);

        RunResult r = run_pm(home, {"validate", file});
        CHECK_MESSAGE(r.exit_code == 2, describe(r));
        CHECK_MESSAGE(contains(r.err, bad.problem), describe(r));

        RunResult j = run_pm(home, {"--json", "validate", file});
        CHECK(j.exit_code == 2);
        json reply = parse(j.out);
        REQUIRE_MESSAGE(reply.is_object(), describe(j));
        CHECK(reply["ok"] == false);
        CHECK(reply["error"]["code"] == "bad_args");
        CHECK_MESSAGE(contains(reply["problems"].dump(), bad.problem), reply.dump());
    }
    CHECK(home.daemons().empty());  // validate never starts pmd
}

TEST_CASE("pm validate names the bad lines of a Procfile and a missing file") {
    TempHome home(no_daemon());
    std::string dir = make_dir(home, "proj");
    write_text(dir + "/Procfile", "web: run-web\nno colon here\nall: reserved-name\nempty:\nweb: again\n");
    RunResult r = run_pm(home, {"validate", dir + "/Procfile"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(contains(r.err, "line 2: expected \"name: command\""), describe(r));
    CHECK_MESSAGE(contains(r.err, "line 3: invalid name 'all'"), describe(r));
    CHECK_MESSAGE(contains(r.err, "line 4: 'empty' has no command"), describe(r));
    CHECK_MESSAGE(contains(r.err, "'web' is used twice"), describe(r));

    RunResult missing = run_pm(home, {"validate", dir + "/missing.json"});
    CHECK_MESSAGE(missing.exit_code == 2, describe(missing));
    CHECK_MESSAGE(contains(missing.err, "unable to read"), describe(missing));
    CHECK(home.daemons().empty());
}

TEST_CASE("a file with one bad app among good ones starts none of them") {
    TempHome home;
    json bad = sleeper("b");
    bad["max_restarts"] = -1;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), bad, sleeper("c")});
    RunResult r = run_pm(home, {"start", file});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(contains(r.err, "apps[1].max_restarts: expected a non-negative integer"), describe(r));
    CHECK(list_json(home)["processes"].empty());
}

// README: "nothing starts unless the whole file is valid". Values that pass
// the file's type checks but that pmd rejects must be caught up front too.
TEST_CASE("an app with a value pmd rejects fails validation and nothing is started") {
    TempHome home;
    json bad_signal = sleeper("b");
    bad_signal["stop_signal"] = "SIGBOGUS";
    json tiny_buffer = sleeper("c");
    tiny_buffer["log_buffer"] = "1K";  // pmd's minimum is 4K
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), bad_signal, tiny_buffer});

    RunResult v = run_pm(home, {"validate", file});
    CHECK_MESSAGE(v.exit_code == 2, describe(v));
    CHECK_MESSAGE(contains(v.err, "apps[1].stop_signal"), describe(v));
    CHECK_MESSAGE(contains(v.err, "apps[2].log_buffer"), describe(v));

    RunResult r = run_pm(home, {"start", file});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(contains(r.err, "nothing was started"), describe(r));
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("pm validate of a valid file exits 0 and lists its apps") {
    TempHome home(no_daemon());
    json pm2 = sleeper("b");
    pm2["exec_mode"] = "cluster";
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), pm2});

    RunResult r = run_pm(home, {"validate", file});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.out, "is valid: 2 apps"), describe(r));
    CHECK_MESSAGE(contains(r.out, R"(["a","b"])"), describe(r));
    CHECK_MESSAGE(contains(r.err, "apps[1].exec_mode: pm's instances share a port only through listen"), describe(r));

    RunResult j = run_pm(home, {"--json", "validate", file});
    CHECK_MESSAGE(j.exit_code == 0, describe(j));
    json reply = parse(j.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(j));
    CHECK(reply["ok"] == true);
    CHECK(reply["apps"] == json::array({"a", "b"}));
    REQUIRE(reply["warnings"].size() == 1);
    CHECK(contains(reply["warnings"][0].get<std::string>(), "apps[1].exec_mode: pm's instances share a port only through listen"));
    CHECK(j.err.empty());
    CHECK(home.daemons().empty());
}

TEST_CASE("a PM2-style file with script, args, autorestart, max_memory_restart, out_file, time and exec_mode works") {
    TempHome home;
    TempDir app_dir;  // log files may not go inside PM_HOME
    json app{{"name", "legacy"},
             {"script", PM_TEST_CHILD},
             {"args", "sleep"},
             {"autorestart", false},
             {"max_memory_restart", "200M"},
             {"exec_mode", "cluster"},
             {"out_file", "/dev/null"},
             {"cwd", app_dir.path()},
             {"error_file", "legacy-err.log"},  // relative to the app's cwd
             {"time", true},
             {"kill_timeout", 3000},
             {"restart_delay", "250ms"}};
    std::string file = write_apps(make_dir(home, "proj"), {app}, "ecosystem.config.json");
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.err, "apps[0].exec_mode: pm's instances share a port only through listen"), describe(r));
    CHECK_MESSAGE(!contains(r.err, "out_file"), describe(r));
    CHECK(online_pid(home, "legacy") > 0);

    RunResult show = run_pm(home, {"--json", "show", "legacy"});
    REQUIRE_MESSAGE(show.exit_code == 0, describe(show));
    json spec = parse(show.out)["spec"];
    CHECK(spec["argv"] == json::array({PM_TEST_CHILD, "sleep"}));
    CHECK(spec["restart"] == "never");
    CHECK(spec["max_memory"] == 200LL * 1024 * 1024);
    CHECK(spec["kill_timeout_ms"] == 3000);
    CHECK(spec["restart_delay_ms"] == 250);
    CHECK(spec["instances"] == 1);
    CHECK(spec["out_file"] == "/dev/null");
    CHECK(spec["err_file"] == app_dir.file("legacy-err.log"));
    CHECK(spec["log_date_format"] == "YYYY-MM-DDTHH:mm:ss");
}

TEST_CASE("pm start FILE --only a,c starts just those apps") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), sleeper("b"), sleeper("c")});
    RunResult r = run_pm(home, {"start", file, "--only", "a,c"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(listed(home) == std::vector<std::string>{"a:0", "c:0"});
}

TEST_CASE("pm start FILE --only with a name not in the file fails and starts nothing") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), sleeper("b")});
    RunResult r = run_pm(home, {"start", file, "--only", "a,nosuch"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(contains(r.err, "--only: no app named 'nosuch'"), describe(r));
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("a Procfile starts each of its processes as a shell command") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::string child = PM_TEST_CHILD;
    write_text(dir + "/Procfile",
               "# processes\n"
               "web: " + child + " line web-up sleep\n"
               "\n"
               "worker: GREETING=hi; echo \"worker $GREETING $((40+2))\" && exec " + child + " sleep\n");
    RunResult r = run_pm(home, {"start", dir + "/Procfile"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(listed(home) == std::vector<std::string>{"web:0", "worker:0"});
    CHECK(online_pid(home, "web") > 0);
    CHECK(online_pid(home, "worker") > 0);

    // The shell expanded the variable and the arithmetic.
    CHECK(wait_until([&] { return contains(read_file(home.out_log("worker")), "worker hi 42\n"); }, 5s,
                     "worker printed through the shell"));
    CHECK(wait_until([&] { return contains(read_file(home.out_log("web")), "web-up\n"); }, 5s,
                     "web printed its line"));
    json spec = parse(run_pm(home, {"--json", "show", "worker"}).out)["spec"];
    REQUIRE(spec["argv"].is_array());
    CHECK(spec["argv"][0] == "/bin/sh");
    CHECK(spec["argv"][1] == "-c");
    CHECK(spec["cwd"] == dir);
}

TEST_CASE("pm stop apps.json stops exactly the file's apps and leaves others running") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), sleeper("b")});
    REQUIRE(run_pm(home, {"start", file}).exit_code == 0);
    RunResult other = start_child(home, "other", {"sleep"});
    REQUIRE_MESSAGE(other.exit_code == 0, describe(other));
    pid_t a = online_pid(home, "a"), b = online_pid(home, "b"), o = online_pid(home, "other");

    RunResult r = run_pm(home, {"stop", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(instance(home, "a")["state"] == "stopped");
    CHECK(instance(home, "b")["state"] == "stopped");
    CHECK(wait_until([&] { return !pid_exists(a) && !pid_exists(b); }, 5s, "a and b are gone"));
    CHECK(instance(home, "other")["state"] == "online");
    CHECK(instance(home, "other")["pid"] == o);
    CHECK(pid_alive(o));
}

TEST_CASE("pm restart apps.json restarts exactly the file's apps") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), sleeper("b")});
    REQUIRE(run_pm(home, {"start", file}).exit_code == 0);
    REQUIRE(start_child(home, "other", {"sleep"}).exit_code == 0);
    pid_t a = online_pid(home, "a"), b = online_pid(home, "b"), o = online_pid(home, "other");

    RunResult r = run_pm(home, {"restart", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    pid_t a2 = online_pid(home, "a"), b2 = online_pid(home, "b");
    CHECK(a2 != a);
    CHECK(b2 != b);
    CHECK(pid_alive(a2));
    CHECK(pid_alive(b2));
    CHECK(instance(home, "other")["pid"] == o);
    CHECK(instance(home, "other")["restarts"] == 0);
}

TEST_CASE("restart and reload FILE --update-env read each app's env from the file again") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    json app = sleeper("api");
    app["env"] = {{"MODE", "one"}, {"OLD", "x"}};
    std::string file = write_apps(dir, {app});
    REQUIRE(run_pm(home, {"start", file}).exit_code == 0);
    CHECK(environ_of(online_pid(home, "api"))["MODE"] == "one");

    app["env"] = {{"MODE", "two"}, {"NEW", "y"}};
    write_apps(dir, {app});
    // Without --update-env the process keeps the environment it was started with.
    REQUIRE(run_pm(home, {"restart", file}).exit_code == 0);
    CHECK(environ_of(online_pid(home, "api"))["MODE"] == "one");

    RunResult r = run_pm(home, {"restart", file, "--update-env"}, {"SHELLVAR=s", "MODE=from-shell"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    auto env = environ_of(online_pid(home, "api"));
    CHECK(env["MODE"] == "two");  // the file's env beats the shell's
    CHECK(env["NEW"] == "y");
    CHECK(env.count("OLD") == 0);  // gone from the file, gone from the process
    CHECK(env["SHELLVAR"] == "s");

    app["env"] = {{"MODE", "three"}};
    write_apps(dir, {app});
    RunResult re = run_pm(home, {"reload", file, "--update-env"});
    REQUIRE_MESSAGE(re.exit_code == 0, describe(re));
    CHECK(environ_of(online_pid(home, "api"))["MODE"] == "three");
    REQUIRE(run_pm(home, {"save"}).exit_code == 0);
    json dump = json::parse(read_file(home.file("dump.json")), nullptr, false);
    REQUIRE(dump.is_object());
    CHECK(dump["apps"][0]["env"] == json{{"MODE", "three"}});  // kept by pm save
}

TEST_CASE("pm delete apps.json removes exactly the file's apps") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), sleeper("b")});
    REQUIRE(run_pm(home, {"start", file}).exit_code == 0);
    REQUIRE(start_child(home, "other", {"sleep"}).exit_code == 0);
    pid_t a = online_pid(home, "a"), o = online_pid(home, "other");

    RunResult r = run_pm(home, {"delete", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(contains(r.out, "deleted a"));
    CHECK(contains(r.out, "deleted b"));
    CHECK(listed(home) == std::vector<std::string>{"other:0"});
    CHECK(wait_until([&] { return !pid_exists(a); }, 5s, "a is gone"));
    CHECK(instance(home, "other")["pid"] == o);
}

TEST_CASE("pm stop apps.json with an app that was never started exits 3 but stops the others") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("a"), sleeper("b")});
    RunResult started = run_pm(home, {"start", file, "--only", "b"});
    REQUIRE_MESSAGE(started.exit_code == 0, describe(started));

    RunResult r = run_pm(home, {"stop", file});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK_MESSAGE(contains(r.err, "'a'"), describe(r));
    CHECK(instance(home, "b")["state"] == "stopped");
}

TEST_CASE("pm start of a Procfile twice is a success that keeps the same processes") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    write_text(dir + "/Procfile", "web: exec " + std::string(PM_TEST_CHILD) + " sleep\n");
    REQUIRE(run_pm(home, {"start", dir + "/Procfile"}).exit_code == 0);
    pid_t pid = online_pid(home, "web");
    RunResult again = run_pm(home, {"start", dir + "/Procfile"});
    CHECK_MESSAGE(again.exit_code == 0, describe(again));
    CHECK(instance(home, "web")["pid"] == pid);
}

TEST_CASE("starting the same ecosystem file twice succeeds without restarting anything") {
    TempHome home;
    json web = sleeper("web");
    web["instances"] = 2;
    std::string file = write_apps(make_dir(home, "proj"), {web, sleeper("worker")});
    RunResult first = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(first.exit_code == 0, describe(first));
    std::set<pid_t> before{online_pid(home, "web", 0), online_pid(home, "web", 1), online_pid(home, "worker")};

    RunResult again = run_pm(home, {"--json", "start", file});
    REQUIRE_MESSAGE(again.exit_code == 0, describe(again));
    json reply = parse(again.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(again));
    REQUIRE(reply["apps"].size() == 2);
    for (const auto& app : reply["apps"]) {
        CHECK(app["action"] == "already_running");
    }
    std::set<pid_t> after{online_pid(home, "web", 0), online_pid(home, "web", 1), online_pid(home, "worker")};
    CHECK(before == after);
    json list = list_json(home);
    for (const auto& p : list["processes"]) {
        CHECK(p["restarts"] == 0);
    }
}

TEST_CASE("starting a file whose app is running with a different command fails with exit 1") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::string file = write_apps(dir, {sleeper("web")});
    REQUIRE(run_pm(home, {"start", file}).exit_code == 0);
    pid_t pid = online_pid(home, "web");

    json changed = sleeper("web");
    changed["args"] = json::array({"line", "v2", "sleep"});
    write_apps(dir, {changed});
    RunResult r = run_pm(home, {"start", file});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(contains(r.err, "already running with a different command"), describe(r));

    RunResult j = run_pm(home, {"--json", "start", file});
    CHECK_MESSAGE(j.exit_code == 1, describe(j));
    json reply = parse(j.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(j));
    REQUIRE(reply["apps"].size() == 1);
    CHECK(reply["apps"][0]["name"] == "web");
    CHECK(reply["apps"][0]["ok"] == false);

    json inst = instance(home, "web");
    CHECK(inst["pid"] == pid);
    CHECK(inst["state"] == "online");
    CHECK(pid_alive(pid));
}

}  // TEST_SUITE

// PM2's file forms: the files a PM2 user already has.

TEST_CASE("pm start of a PM2 JSON file with comments and trailing commas starts its apps") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::string file = dir + "/process.json";
    write_text(file, fmt::format(R"({{
  // written for PM2
  "apps": [
    {{"name": "commented", "script": "{}", "args": ["sleep"], /* one */ }},
  ],
}})",
                                 PM_TEST_CHILD));
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(listed(home) == std::vector<std::string>{"commented:0"});
}

TEST_CASE("pm validate of a JSON file with a syntax error names its line and column and exits 2") {
    TempHome home;
    std::string file = make_dir(home, "proj") + "/apps.json";
    write_text(file, "{\n  \"apps\": [\n    {\"name\": \"a\" \"script\": \"x\"}\n  ]\n}\n");
    RunResult r = run_pm(home, {"validate", file});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("line 3, column") != std::string::npos, describe(r));
}

TEST_CASE("pm start of a YAML ecosystem file starts its apps with their env and instances") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::string file = dir + "/ecosystem.yml";
    write_text(file, fmt::format("apps:\n  - name: yam\n    script: {}\n    args: sleep\n    instances: 2\n"
                                 "    env:\n      PORT: \"8080\"\n      RATIO: 0.5\n",
                                 PM_TEST_CHILD));
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(listed(home) == std::vector<std::string>{"yam:0", "yam:1"});
    auto env = environ_of(online_pid(home, "yam", 1));
    CHECK(env["PORT"] == "8080");
    CHECK(env["RATIO"] == "0.5");
}

TEST_CASE("pm start of one app object with no apps key and no name names it after its script") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::filesystem::create_symlink(PM_TEST_CHILD, dir + "/worker.bin");
    std::string file = dir + "/worker.json";
    write_text(file, R"({"script": "./worker.bin", "args": "sleep"})");
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(listed(home) == std::vector<std::string>{"worker:0"});
}

TEST_CASE("pm start ecosystem.config.js evaluates it with node (require, process.env) and leaves no errored file process") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    write_text(dir + "/shared.js", "module.exports = { args: ['sleep'] };\n");
    std::string file = dir + "/ecosystem.config.js";
    write_text(file, fmt::format(R"(const shared = require('./shared');
module.exports = {{
  apps: [{{
    name: process.env.APP_NAME || 'unset',
    script: '{}',
    args: shared.args,
    env: {{ FROM_JS: String(1 + 1) }},
  }}],
}};
)",
                                 PM_TEST_CHILD));
    RunResult v = run_pm(home, {"validate", file}, {"APP_NAME=jsapp"});
    CHECK_MESSAGE(v.exit_code == 0, describe(v));
    RunResult r = run_pm(home, {"start", file}, {"APP_NAME=jsapp"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(listed(home) == std::vector<std::string>{"jsapp:0"});
    CHECK(environ_of(online_pid(home, "jsapp"))["FROM_JS"] == "2");

    write_text(dir + "/broken.config.js", "module.exports = { apps: [ \n");
    RunResult bad = run_pm(home, {"start", dir + "/broken.config.js"});
    CHECK(bad.exit_code == 2);
    CHECK_MESSAGE(bad.err.find("SyntaxError") != std::string::npos, describe(bad));
    CHECK(listed(home) == std::vector<std::string>{"jsapp:0"});  // nothing named broken.config.js
}

TEST_CASE("pm start FILE --env production applies env_production over env, --env K=V over both") {
    TempHome home;
    json app = sleeper("staged");
    app["env"] = {{"NODE_ENV", "development"}, {"PORT", 3000}, {"KEEP", "yes"}};
    app["env_production"] = {{"NODE_ENV", "production"}, {"PORT", 80}};
    std::string file = write_apps(make_dir(home, "proj"), {app});
    RunResult r = run_pm(home, {"start", file, "--env", "production", "--env", "EXTRA=1"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    auto env = environ_of(online_pid(home, "staged"));
    CHECK(env["NODE_ENV"] == "production");
    CHECK(env["PORT"] == "80");
    CHECK(env["KEEP"] == "yes");
    CHECK(env["EXTRA"] == "1");

    RunResult two = run_pm(home, {"start", file, "--env", "production", "--env", "staging"});
    CHECK(two.exit_code == 2);
    CHECK_MESSAGE(two.err.find("give one") != std::string::npos, describe(two));
}

TEST_CASE("a start flag pm would drop with an ecosystem file is refused, naming the key to set") {
    TempHome home;
    std::string file = write_apps(make_dir(home, "proj"), {sleeper("flagged")});
    RunResult r = run_pm(home, {"start", file, "--max-restarts", "3"});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("--max-restarts does not apply to an ecosystem file: set \"max_restarts\"") !=
                      std::string::npos,
                  describe(r));
    CHECK(listed(home).empty());
}

TEST_CASE("PM2 keys pm does not use warn as PM2 keys, with the consequence where it matters, and no-op values say nothing") {
    TempHome home(no_daemon());
    json app = sleeper("quiet");
    app["exec_mode"] = "fork";
    app["node_args"] = "";
    app["wait_ready"] = false;
    json loud = sleeper("loud");
    loud["pmx"] = true;
    loud["wait_ready"] = true;
    loud["node_args"] = "--max-old-space-size=512";
    std::string file = write_apps(make_dir(home, "proj"), {app, loud});
    RunResult r = run_pm(home, {"--json", "validate", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json warnings = parse(r.out)["warnings"];
    std::string all = warnings.dump();
    CHECK_MESSAGE(!contains(all, "apps[0]"), all);
    CHECK_MESSAGE(contains(all, "apps[1].pmx: PM2 key not used by pm"), all);
    CHECK_MESSAGE(contains(all, "apps[1].wait_ready: pm does not wait for process.send('ready')"), all);
    CHECK_MESSAGE(contains(all, "apps[1].node_args: not passed by pm"), all);
    CHECK_MESSAGE(!contains(all, "unknown key"), all);
}
