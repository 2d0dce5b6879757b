// PM2's interpreter rules for a script (an ecosystem app's or pm start's): the extension map,
// the shebang of a non-executable file, `interpreter` (and "none"),
// node_args / interpreter_args, and a command line in `script`, each run as
// PM2 runs it, with the output the user sees in the logs.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Writes a script with `mode` into `dir`; returns its path.
std::string write_script(const std::string& dir, const std::string& name, const std::string& text, mode_t mode) {
    std::string path = dir + "/" + name;
    write_text(path, text);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    return path;
}

std::string write_apps(const std::string& dir, const std::vector<json>& apps) {
    json doc = json::object();
    doc["apps"] = json(apps);
    write_text(dir + "/ecosystem.json", doc.dump(2));
    return dir + "/ecosystem.json";
}

// Waits until the app's stdout log holds `text`; returns the log.
std::string wait_for_output(const TempHome& home, const std::string& name, const std::string& text) {
    std::string log;
    wait_until([&] { return contains(log = read_file(home.out_log(name)), text); }, 10s, "the app's output in its log");
    return log;
}

}  // namespace

TEST_SUITE("integration/pm2-interpreter") {

TEST_CASE("a .js script without execute bit runs under node, with node_args before the script") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    write_script(dir, "server.js",
                 "console.log('js-ok ' + JSON.stringify(process.execArgv)); setInterval(() => {}, 1000);\n", 0644);
    json app{{"name", "jsapp"}, {"script", "server.js"}, {"node_args", "--max-old-space-size=64"}};
    RunResult v = run_pm(home, {"validate", write_apps(dir, {app})});
    CHECK_MESSAGE(v.exit_code == 0, describe(v));
    CHECK_MESSAGE(!contains(v.err, "node_args"), describe(v));  // passed now, no "not used" warning
    RunResult r = run_pm(home, {"start", dir + "/ecosystem.json"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_for_output(home, "jsapp", "js-ok [\"--max-old-space-size=64\"]");
}

TEST_CASE("a .py script runs under python3 with PYTHONUNBUFFERED=1, as PM2 sets it") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    write_script(dir, "worker.py",
                 "import os, time\nprint('py-ok', os.environ.get('PYTHONUNBUFFERED'))\ntime.sleep(1000)\n", 0644);
    RunResult r = run_pm(home, {"start", write_apps(dir, {json{{"script", "worker.py"}}})});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_for_output(home, "worker", "py-ok 1");  // unbuffered: the line is there while it sleeps
}

TEST_CASE("a non-executable .sh script runs under bash, and one without extension by its shebang") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    write_script(dir, "job.sh", "echo \"sh-ok $BASH_VERSION\"\nexec sleep 1000\n", 0644);
    write_script(dir, "tool", "#!/usr/bin/perl\nprint \"perl-ok\\n\"; $| = 1; sleep 1000;\n", 0644);
    RunResult r = run_pm(home, {"start", write_apps(dir, {json{{"script", "job.sh"}}, json{{"script", "tool"}}})});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string sh = wait_for_output(home, "job", "sh-ok ");
    CHECK_MESSAGE(!contains(sh, "sh-ok \n"), sh);  // BASH_VERSION set: bash ran it, not sh
    wait_for_output(home, "tool", "perl-ok");
}

TEST_CASE("interpreter names the program, and interpreter none runs the script directly") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    write_script(dir, "direct.js", "#!/bin/sh\necho \"direct-ok $0\"\nexec sleep 1000\n", 0755);
    write_script(dir, "plain.txt", "print('by-interpreter')\nimport time\ntime.sleep(1000)\n", 0644);
    json none{{"name", "direct"}, {"script", "direct.js"}, {"interpreter", "none"}};
    json py{{"name", "plain"}, {"script", "plain.txt"}, {"interpreter", "python3"}, {"interpreter_args", "-u"}};
    RunResult r = run_pm(home, {"start", write_apps(dir, {none, py})});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_for_output(home, "plain", "by-interpreter");
    // Not node (a shell script is a syntax error to it): the kernel ran the
    // file found in the app's cwd, as PM2 resolves the script there.
    wait_for_output(home, "direct", "direct-ok ./direct.js");
}

TEST_CASE("a command line in script runs through bash -c, as PM2 runs it") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    json app{{"name", "cmdline"}, {"script", "echo \"cmd-ok $((20 + 22))\" && exec sleep 1000"}};
    RunResult r = run_pm(home, {"start", write_apps(dir, {app})});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_for_output(home, "cmdline", "cmd-ok 42");

    json with_args{{"name", "both"}, {"script", "npm start"}, {"args", "--port 3"}};
    RunResult bad = run_pm(home, {"validate", write_apps(dir, {with_args})});
    CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
    CHECK_MESSAGE(contains(bad.err, "apps[0].args: a command line in script takes no args"), describe(bad));
}

TEST_CASE("node_args on a script run without an interpreter is a warning naming it") {
    TempHome home(no_daemon());
    std::string dir = make_dir(home, "proj");
    json app{{"name", "bin"}, {"script", PM_TEST_CHILD}, {"node_args", "--inspect"}, {"args", "sleep"}};
    RunResult v = run_pm(home, {"validate", write_apps(dir, {app})});
    CHECK_MESSAGE(v.exit_code == 0, describe(v));
    CHECK_MESSAGE(contains(v.err, "apps[0].node_args: not passed by pm: "), describe(v));
}

TEST_CASE("pm start server.js runs it under node and names it server, as pm2 start does") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::string js = write_script(dir, "server.js", "console.log('cli-js-ok'); setInterval(() => {}, 1000);\n", 0644);
    RunResult r = run_pm(home, {"start", js});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_for_output(home, "server", "cli-js-ok");
    RunResult named = run_pm(home, {"start", "--name", "api", "--", js, "--port", "3"});
    REQUIRE_MESSAGE(named.exit_code == 0, describe(named));
    RunResult show = run_pm(home, {"--json", "show", "api"});
    json spec = json::parse(show.out, nullptr, false)["spec"];
    CHECK_MESSAGE(spec["argv"] == json::array({"node", js, "--port", "3"}), spec.dump());
}

TEST_CASE("pm start worker.py runs under python3 with PYTHONUNBUFFERED=1, as pm2 start worker.py does") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::string py = write_script(dir, "worker.py",
                                  "import os, time\nprint('cli-py-ok', os.environ.get('PYTHONUNBUFFERED'))\n"
                                  "time.sleep(1000)\n",
                                  0644);
    RunResult r = run_pm(home, {"start", py});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_for_output(home, "worker", "cli-py-ok 1");  // unbuffered: the line is there while it sleeps
    // The user's own value wins.
    RunResult own = run_pm(home, {"start", "--name", "own", "--env", "PYTHONUNBUFFERED=0", "--", py});
    REQUIRE_MESSAGE(own.exit_code == 0, describe(own));
    RunResult env = run_pm(home, {"env", "own"});
    CHECK_MESSAGE(contains(env.out, "PYTHONUNBUFFERED=0\n"), describe(env));
}

TEST_CASE("pm start --interpreter and --interpreter-args (--node-args) run the script as pm2 start does") {
    TempHome home;
    std::string dir = make_dir(home, "proj");
    std::string txt = write_script(dir, "plain.txt",
                                   "import sys\nprint('txt-ok', sys._xoptions.get('pm'))\n"
                                   "import time\ntime.sleep(1000)\n",
                                   0644);
    RunResult r = run_pm(home, {"start", "--interpreter", "python3", "--interpreter-args", "-X pm=given", txt});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_for_output(home, "plain", "txt-ok given");  // -X reached python, before the script
    json spec = json::parse(run_pm(home, {"--json", "show", "plain"}).out, nullptr, false)["spec"];
    CHECK_MESSAGE(spec["argv"] == json::array({"python3", "-X", "pm=given", txt}), spec.dump());

    std::string js = write_script(dir, "mem.js",
                                  "console.log('js-ok', JSON.stringify(process.execArgv));\n"
                                  "setInterval(() => {}, 1000);\n",
                                  0644);
    RunResult node = run_pm(home, {"start", "--node-args=--max-old-space-size=64", js});
    REQUIRE_MESSAGE(node.exit_code == 0, describe(node));
    wait_for_output(home, "mem", "js-ok [\"--max-old-space-size=64\"]");

    // none: the kernel runs the file (a shell script node could not parse).
    std::string direct = write_script(dir, "direct.js", "#!/bin/sh\necho direct-ok\nexec sleep 1000\n", 0755);
    RunResult none = run_pm(home, {"start", "--interpreter", "none", direct});
    REQUIRE_MESSAGE(none.exit_code == 0, describe(none));
    wait_for_output(home, "direct", "direct-ok");
}

TEST_CASE("--interpreter-args without an interpreter, with --shell or with an ecosystem file is a usage error") {
    TempHome home(no_daemon());
    std::string dir = make_dir(home, "proj");
    RunResult bin = run_pm(home, {"start", "--interpreter-args", "--inspect", "--", PM_TEST_CHILD, "sleep"});
    CHECK_MESSAGE(bin.exit_code == 2, describe(bin));
    CHECK_MESSAGE(contains(bin.err, "runs without an interpreter; give --interpreter"), describe(bin));
    RunResult shell = run_pm(home, {"start", "--shell", "--interpreter", "python3", "echo hi"});
    CHECK_MESSAGE(shell.exit_code == 2, describe(shell));
    CHECK_MESSAGE(contains(shell.err, "do not apply to a --shell command"), describe(shell));
    json app{{"name", "a"}, {"script", "a.py"}};
    RunResult eco = run_pm(home, {"start", write_apps(dir, {app}), "--interpreter", "python3"});
    CHECK_MESSAGE(eco.exit_code == 2, describe(eco));
    CHECK_MESSAGE(contains(eco.err, "--interpreter does not apply to an ecosystem file: set \"interpreter\""),
                  describe(eco));
    RunResult wait = run_pm(home, {"start", write_apps(dir, {app}), "--wait"});
    CHECK_MESSAGE(wait.exit_code == 2, describe(wait));
    CHECK_MESSAGE(contains(wait.err, "--wait does not apply to an ecosystem file\n"), describe(wait));
}

}  // TEST_SUITE("integration/pm2-interpreter")
