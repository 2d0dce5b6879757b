// The saved process list: pm save, pm resurrect, pmd --resurrect, the
// dump.json.bak fallback, and save's refusal to overwrite with nothing.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "harness.hpp"

using namespace pm::test;

namespace {

json parse(const std::string& text) { return json::parse(text, nullptr, false); }

// The entries of /proc/PID/environ.
std::vector<std::string> environ_of(pid_t pid) { return proc_strings(pid, "environ"); }

void check_json_error_code(const RunResult& r, const std::string& code) {
    json reply = parse(r.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(r));
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == code);
}

std::string dump_path(const TempHome& home) { return home.file("dump.json"); }
std::string bak_path(const TempHome& home) { return home.file("dump.json.bak"); }

// What a user compares after a resurrect: "name:index state", sorted.
std::vector<std::string> states(const TempHome& home) {
    std::vector<std::string> out;
    json list = list_json(home);
    for (const auto& p : list["processes"]) {
        out.push_back(p["name"].get<std::string>() + ":" + std::to_string(p["index"].get<int>()) + " " +
                      p["state"].get<std::string>());
    }
    std::sort(out.begin(), out.end());
    return out;
}

json spec_of(const TempHome& home, const std::string& name) {
    RunResult r = run_pm(home, {"--json", "show", name});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    json j = parse(r.out);
    return j.is_object() ? j["spec"] : json();
}

void save(const TempHome& home, int expected_count) {
    RunResult r = run_pm(home, {"save"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.out, "saved " + std::to_string(expected_count) + " processes"), describe(r));
}

// pm kill, then waits for the harness's pmd to exit so a new one can start.
void kill_daemon(TempHome& home) {
    RunResult r = run_pm(home, {"kill"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    auto status = home.wait_pmd_exit(20s);
    REQUIRE_MESSAGE(status.has_value(), "pmd did not exit after pm kill");
    REQUIRE(home.daemons().empty());
}

// web (2 instances, online) and job (stopped), both pm_test_child sleep.
void start_web_and_stopped_job(const TempHome& home) {
    RunResult web = start_child(home, "web", {"line", "hi", "sleep"}, {"--instances", "2", "--env", "COLOR=blue"});
    REQUIRE_MESSAGE(web.exit_code == 0, describe(web));
    RunResult job = start_child(home, "job", {"sleep"}, {"--restart", "never"});
    REQUIRE_MESSAGE(job.exit_code == 0, describe(job));
    RunResult stop = run_pm(home, {"stop", "job"});
    REQUIRE_MESSAGE(stop.exit_code == 0, describe(stop));
}

const std::vector<std::string> k_web_and_job{"job:0 stopped", "web:0 online", "web:1 online"};

}  // namespace

TEST_SUITE("integration/persistence") {

TEST_CASE("save, kill and resurrect restore the same processes - stopped ones stay stopped") {
    TempHome home;
    start_web_and_stopped_job(home);
    json web_spec = spec_of(home, "web");
    json job_spec = spec_of(home, "job");
    save(home, 2);
    kill_daemon(home);

    home.start_pmd();
    CHECK(list_json(home)["processes"].empty());  // a fresh pmd does not resurrect by itself
    RunResult r = run_pm(home, {"resurrect"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.out, "restored 2 processes from " + dump_path(home)), describe(r));
    CHECK_MESSAGE(!contains(r.err, "WARNING"), describe(r));

    CHECK(states(home) == k_web_and_job);
    for (int index : {0, 1}) {
        json inst = instance(home, "web", index);
        REQUIRE(inst["pid"].is_number_integer());
        CHECK(pid_alive(inst["pid"].get<pid_t>()));
    }
    json web_after = spec_of(home, "web");
    json job_after = spec_of(home, "job");
    for (const char* key : {"argv", "cwd", "instances", "restart", "env_count"}) {
        CAPTURE(key);
        CHECK(web_after[key] == web_spec[key]);
        CHECK(job_after[key] == job_spec[key]);
    }
    CHECK(web_after["argv"] == json::array({PM_TEST_CHILD, "line", "hi", "sleep"}));
    CHECK(job_after["restart"] == "never");
    json env = web_after["env"];
    CHECK(std::find(env.begin(), env.end(), json("COLOR=blue")) != env.end());
}

TEST_CASE("resurrect skips names that are already known") {
    TempHome home;
    start_web_and_stopped_job(home);
    save(home, 2);
    pid_t pid = instance(home, "web", 0)["pid"].get<pid_t>();

    RunResult r = run_pm(home, {"--json", "resurrect"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = parse(r.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(r));
    CHECK(reply["restored"].empty());
    CHECK(reply["skipped"] == json::array({"web", "job"}));
    CHECK(reply["warning"].is_null());
    CHECK(instance(home, "web", 0)["pid"] == pid);
}

TEST_CASE("pmd --resurrect starts with the saved process list") {
    TempHome home;
    start_web_and_stopped_job(home);
    save(home, 2);
    kill_daemon(home);

    home.start_pmd({"--resurrect"});
    CHECK(states(home) == k_web_and_job);
    json inst = instance(home, "web", 1);
    REQUIRE(inst["pid"].is_number_integer());
    CHECK(pid_alive(inst["pid"].get<pid_t>()));
}

TEST_CASE("resurrect = true in $PM_HOME/pmd.conf has pmd start with the saved list") {
    TempHome home;
    start_web_and_stopped_job(home);
    save(home, 2);
    kill_daemon(home);

    write_text(home.file("pmd.conf"), "# pmd settings\nresurrect = true\n");
    home.start_pmd();
    CHECK(states(home) == k_web_and_job);
}

TEST_CASE("pmd --config with a missing file, or a settings file with an unknown key, is a usage error") {
    TempHome home(no_daemon());
    RunResult r = run_process(PMD_BIN, {"--foreground", "--config", home.file("nope.conf")}, home.env(), 10s);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err.find("nope.conf") != std::string::npos, describe(r));
    write_text(home.file("pmd.conf"), "resurect = true\n");  // misspelt
    RunResult typo = run_process(PMD_BIN, {"--foreground"}, home.env(), 10s);
    CHECK_MESSAGE(typo.exit_code == 2, describe(typo));
    CHECK_MESSAGE(typo.err.find("resurect") != std::string::npos, describe(typo));
}

TEST_CASE("after pmd is SIGKILLed, the next pmd stops the orphaned children before resurrecting: no duplicates") {
    TempHome home;
    RunResult r = start_child(home, "svc", {"sleep"}, {"--instances", "3"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    save(home, 1);
    std::vector<pid_t> old;
    for (const auto& i : instances_named(home, "svc")) {
        old.push_back(i["pid"].get<pid_t>());
    }
    REQUIRE(old.size() == 3);
    pid_t pmd = home.pmd_child();
    REQUIRE(::kill(pmd, SIGKILL) == 0);
    REQUIRE(home.wait_pmd_exit(10s).has_value());
    for (pid_t p : old) {
        CHECK(pid_alive(p));  // orphaned, unsupervised
    }

    home.start_pmd({"--resurrect"});
    for (pid_t p : old) {
        CHECK_FALSE(pid_alive(p));
    }
    json now = instances_named(home, "svc");
    REQUIRE(now.size() == 3);
    for (const auto& i : now) {
        CHECK(i["state"] == "online");
    }
    wait_until(
        [&](std::string& observed) {
            auto live = pids_of_exe_with_env(PM_TEST_CHILD, "PMD_TEST_TAG=" + home.tag());
            observed = describe_pids(live);
            return live.size() == 3;
        },
        5s, "exactly one process per instance");
}

TEST_CASE("restart --update-env gives the process the caller's environment - --env values still win") {
    TempHome home;
    RunResult r = start_child(home, "e", {"sleep"}, {"--env", "FIXED=keep", "--env", "X=explicit-x"},
                              {"X=old", "Y=old", "FIXED=from-shell"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    auto env_of = [&] {
        json inst = instance(home, "e");
        REQUIRE(inst["pid"].is_number_integer());
        return proc_strings(inst["pid"].get<pid_t>(), "environ");
    };
    auto has = [](const std::vector<std::string>& env, const std::string& kv) {
        return std::find(env.begin(), env.end(), kv) != env.end();
    };
    CHECK(has(env_of(), "Y=old"));
    // A plain restart keeps the environment the process was started with.
    REQUIRE(run_pm(home, {"restart", "e"}, {"Y=ignored"}).exit_code == 0);
    CHECK(has(env_of(), "Y=old"));
    RunResult up = run_pm(home, {"restart", "e", "--update-env"}, {"Y=new", "Z=added"});
    REQUIRE_MESSAGE(up.exit_code == 0, describe(up));
    auto env = env_of();
    CHECK(has(env, "Y=new"));
    CHECK(has(env, "Z=added"));
    CHECK(has(env, "FIXED=keep"));   // explicit --env beats the new shell's FIXED
    CHECK(has(env, "X=explicit-x"));
    // It sticks: saved and resurrected with the new environment.
    save(home, 1);
    kill_daemon(home);
    home.start_pmd({"--resurrect"});
    CHECK(has(env_of(), "Y=new"));
}

TEST_CASE("a restart request with only env replaces the explicit variables, and PM_ID stays pmd's") {
    TempHome home;
    REQUIRE(start_child(home, "e", {"sleep"}, {"--env", "A=1", "--env", "B=2", "--env", "PM_ID=99"}).exit_code == 0);
    json before = instance(home, "e");
    json reply = request(home, "restart", json{{"selector", "e"}, {"env", {{"A", "3"}}}});
    REQUIRE_MESSAGE(reply.value("ok", false), reply.dump());
    json inst = wait_instance(
        home, "e", [&](const json& i) { return i["state"] == "online" && i["pid"] != before["pid"]; }, "restarted");
    auto env = proc_strings(inst["pid"].get<pid_t>(), "environ");
    auto count = [&](const std::string& prefix) {
        return std::count_if(env.begin(), env.end(), [&](const std::string& kv) { return kv.rfind(prefix, 0) == 0; });
    };
    CHECK(std::find(env.begin(), env.end(), "A=3") != env.end());
    CHECK(count("B=") == 0);  // left out of the new env: gone, not kept through the old base
    CHECK(count("PM_ID=") == 1);  // one value, pmd's, as pm env shows
    CHECK(std::find(env.begin(), env.end(), "PM_ID=" + std::to_string(inst["id"].get<int>())) != env.end());
}

TEST_CASE("start of a running name with different --env values is already_exists, not already_running") {
    TempHome home;
    REQUIRE(start_child(home, "e", {"sleep"}, {"--env", "A=1"}).exit_code == 0);
    RunResult same = start_child(home, "e", {"sleep"}, {"--env", "A=1"});
    CHECK_MESSAGE(same.exit_code == 0, describe(same));
    RunResult differs = start_child(home, "e", {"sleep"}, {"--env", "A=2"});
    CHECK_MESSAGE(differs.exit_code == 1, describe(differs));
}

TEST_CASE("the second save keeps the first as dump.json.bak") {
    TempHome home;
    REQUIRE(start_child(home, "first", {"sleep"}).exit_code == 0);
    save(home, 1);
    CHECK_FALSE(file_exists(bak_path(home)));
    std::string first_dump = read_file(dump_path(home));

    REQUIRE(start_child(home, "second", {"sleep"}).exit_code == 0);
    save(home, 2);
    CHECK(read_file(bak_path(home)) == first_dump);
    json dump = parse(read_file(dump_path(home)));
    REQUIRE(dump.is_object());
    CHECK(dump["version"] == 1);
    REQUIRE(dump["apps"].size() == 2);
    CHECK(dump["apps"][0]["name"] == "first");
    CHECK(dump["apps"][1]["name"] == "second");
    CHECK(dump["apps"][1]["running"] == true);
}

TEST_CASE("resurrect from a dump cut short falls back to dump.json.bak with a warning") {
    TempHome home;
    REQUIRE(start_child(home, "first", {"sleep"}).exit_code == 0);
    save(home, 1);
    REQUIRE(start_child(home, "second", {"sleep"}).exit_code == 0);
    save(home, 2);
    REQUIRE(file_exists(bak_path(home)));
    kill_daemon(home);

    std::string full = read_file(dump_path(home));
    REQUIRE(::truncate(dump_path(home).c_str(), static_cast<off_t>(full.size() / 2)) == 0);

    home.start_pmd();
    RunResult r = run_pm(home, {"resurrect"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.err, "WARNING"), describe(r));
    CHECK_MESSAGE(contains(r.err, "corrupt"), describe(r));
    CHECK_MESSAGE(contains(r.err, "dump.json.bak"), describe(r));
    CHECK_MESSAGE(contains(r.out, "from " + bak_path(home)), describe(r));
    // The backup holds the first save: only "first".
    CHECK(states(home) == std::vector<std::string>{"first:0 online"});
}

TEST_CASE("resurrect --json of a corrupt dump reports the backup as source and a warning") {
    TempHome home;
    REQUIRE(start_child(home, "first", {"sleep"}).exit_code == 0);
    save(home, 1);
    save(home, 1);
    kill_daemon(home);
    write_text(dump_path(home), "{\"version\":1,\"apps\":[{\"name\":\"x\" garbage");

    home.start_pmd();
    RunResult r = run_pm(home, {"--json", "resurrect"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = parse(r.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(r));
    CHECK(reply["source"] == bak_path(home));
    REQUIRE(reply["warning"].is_string());
    CHECK(contains(reply["warning"].get<std::string>(), "corrupt"));
    CHECK(reply["restored"] == json::array({"first"}));
    CHECK(states(home) == std::vector<std::string>{"first:0 online"});
}

TEST_CASE("pmd --resurrect with a corrupt dump starts the list from dump.json.bak") {
    TempHome home;
    REQUIRE(start_child(home, "first", {"sleep"}).exit_code == 0);
    save(home, 1);
    save(home, 1);
    kill_daemon(home);
    write_text(dump_path(home), "[1, 2, 3]\n");  // JSON, but not a dump

    home.start_pmd({"--resurrect"});
    CHECK(states(home) == std::vector<std::string>{"first:0 online"});
    RunResult errors = run_pm(home, {"--json", "errors"});
    CHECK_MESSAGE(contains(errors.out, "dump.json.bak"), describe(errors));
}

TEST_CASE("a save over a corrupt dump.json keeps the last good copy as dump.json.bak") {
    TempHome home;
    REQUIRE(start_child(home, "first", {"sleep"}).exit_code == 0);
    save(home, 1);
    save(home, 1);
    std::string good_bak = read_file(bak_path(home));
    write_text(dump_path(home), "{ not json");

    REQUIRE(start_child(home, "second", {"sleep"}).exit_code == 0);
    save(home, 2);
    CHECK(read_file(bak_path(home)) == good_bak);  // the corrupt file did not become the backup
    json dump = parse(read_file(dump_path(home)));
    REQUIRE(dump.is_object());
    CHECK(dump["apps"].size() == 2);
}

TEST_CASE("a scaled process is resurrected with its new instance count") {
    TempHome home;
    REQUIRE(start_child(home, "web", {"sleep"}).exit_code == 0);
    RunResult scale = run_pm(home, {"scale", "web", "3"});
    REQUIRE_MESSAGE(scale.exit_code == 0, describe(scale));
    save(home, 1);
    kill_daemon(home);

    home.start_pmd({"--resurrect"});
    CHECK(states(home) == std::vector<std::string>{"web:0 online", "web:1 online", "web:2 online"});
}

TEST_CASE("increment_var and ecosystem env survive save and resurrect") {
    TempHome home;
    std::string file = home.file("apps.json");
    json app{{"name", "api"},   {"script", PM_TEST_CHILD}, {"args", "sleep"},
             {"instances", 2},  {"env", {{"PORT", 3000}}}, {"increment_var", "PORT"}};
    json doc = json::object();
    doc["apps"] = json::array({app});
    write_text(file, doc.dump());
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    save(home, 1);
    kill_daemon(home);

    home.start_pmd({"--resurrect"});
    REQUIRE(states(home) == std::vector<std::string>{"api:0 online", "api:1 online"});
    for (int index : {0, 1}) {
        CAPTURE(index);
        json inst = instance(home, "api", index);
        REQUIRE(inst["pid"].is_number_integer());
        std::vector<std::string> env = environ_of(inst["pid"].get<pid_t>());
        std::string want = "PORT=" + std::to_string(3000 + index);
        CHECK_MESSAGE(std::find(env.begin(), env.end(), want) != env.end(), "environ lacks " << want);
    }
}

TEST_CASE("resurrect fails with exit 1 and starts nothing when dump and backup are both corrupt") {
    TempHome home;
    write_text(dump_path(home), "{ corrupt");
    write_text(bak_path(home), "also corrupt");
    RunResult r = run_pm(home, {"resurrect"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(contains(r.err, "dump.json is corrupt"), describe(r));
    CHECK_MESSAGE(contains(r.err, "dump.json.bak is corrupt"), describe(r));
    check_json_error_code(run_pm(home, {"--json", "resurrect"}), "io_error");
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("resurrect with nothing saved fails with exit 3") {
    TempHome home;
    RunResult r = run_pm(home, {"resurrect"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK_MESSAGE(contains(r.err, "nothing saved"), describe(r));
}

TEST_CASE("save with no processes fails without --force and leaves dump.json untouched") {
    TempHome home;
    REQUIRE(start_child(home, "keep", {"sleep"}).exit_code == 0);
    save(home, 1);
    std::string saved = read_file(dump_path(home));
    REQUIRE(run_pm(home, {"delete", "keep"}).exit_code == 0);

    RunResult r = run_pm(home, {"save"});
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(contains(r.err, "--force"), describe(r));
    CHECK(read_file(dump_path(home)) == saved);
    CHECK_FALSE(file_exists(bak_path(home)));

    RunResult j = run_pm(home, {"--json", "save"});
    CHECK(j.exit_code == 2);
    json reply = parse(j.out);
    REQUIRE_MESSAGE(reply.is_object(), describe(j));
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "bad_args");
    CHECK(read_file(dump_path(home)) == saved);
}

TEST_CASE("save --force writes an empty list and keeps the previous one as backup") {
    TempHome home;
    REQUIRE(start_child(home, "keep", {"sleep"}).exit_code == 0);
    save(home, 1);
    std::string saved = read_file(dump_path(home));
    REQUIRE(run_pm(home, {"delete", "keep"}).exit_code == 0);

    RunResult r = run_pm(home, {"save", "--force"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(contains(r.out, "saved 0 processes"));
    json dump = parse(read_file(dump_path(home)));
    REQUIRE(dump.is_object());
    CHECK(dump["apps"].empty());
    CHECK(read_file(bak_path(home)) == saved);
}

TEST_CASE("dump.json is written with mode 0600 and no temporary file is left") {
    TempHome home;
    REQUIRE(start_child(home, "secret", {"sleep"}, {"--env", "TOKEN=hunter2"}).exit_code == 0);
    save(home, 1);
    save(home, 1);
    for (const std::string& path : {dump_path(home), bak_path(home)}) {
        CAPTURE(path);
        struct stat st{};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    CHECK_FALSE(file_exists(dump_path(home) + ".tmp"));
}

TEST_CASE("pm startup prints a systemd user unit that runs pmd --resurrect for this PM_HOME") {
    TempHome home(no_daemon());
    RunResult r = run_pm(home, {"startup"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(contains(r.out, "Environment=PM_HOME=" + home.path() + "\n"), r.out);
    CHECK_MESSAGE(contains(r.out, std::string("ExecStart=") + PMD_BIN + " --foreground --resurrect\n"), r.out);
    CHECK_MESSAGE(contains(r.out, std::string("ExecStop=") + PM_BIN + " --no-autostart kill\n"), r.out);
    CHECK(contains(r.out, "[Install]\nWantedBy=default.target"));
    CHECK(home.daemons().empty());  // printing a unit needs no daemon
}

TEST_CASE("pm startup --install writes the unit under $HOME/.config/systemd/user and --uninstall removes it") {
    TempHome home(no_daemon());
    std::string fake_home = home.file("user");
    RunResult printed = run_pm(home, {"startup"});
    REQUIRE(printed.exit_code == 0);
    RunResult r = run_pm(home, {"startup", "--install"}, {"HOME=" + fake_home});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string unit = fake_home + "/.config/systemd/user/pm.service";
    CHECK_MESSAGE(contains(r.out, "wrote " + unit), describe(r));
    CHECK(read_file(unit) == printed.out);

    // As `systemctl --user enable` leaves it:
    std::string wants = fake_home + "/.config/systemd/user/default.target.wants/pm.service";
    std::filesystem::create_directories(fake_home + "/.config/systemd/user/default.target.wants");
    std::filesystem::create_symlink(unit, wants);
    RunResult removed = run_pm(home, {"startup", "--uninstall"}, {"HOME=" + fake_home});
    REQUIRE_MESSAGE(removed.exit_code == 0, describe(removed));
    CHECK_MESSAGE(contains(removed.out, "removed " + unit + " and its default.target.wants link"), describe(removed));
    CHECK_FALSE(file_exists(unit));
    CHECK_FALSE(std::filesystem::is_symlink(wants));
    RunResult again = run_pm(home, {"startup", "--uninstall"}, {"HOME=" + fake_home});
    CHECK_MESSAGE(again.exit_code == 0, describe(again));  // nothing to remove is not an error
    CHECK_MESSAGE(contains(again.out, "no " + unit + " to remove"), describe(again));
    RunResult both = run_pm(home, {"startup", "--install", "--uninstall"}, {"HOME=" + fake_home});
    CHECK_MESSAGE(both.exit_code == 2, describe(both));
}

}  // TEST_SUITE
