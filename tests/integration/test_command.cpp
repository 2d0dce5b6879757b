// What the child is started with: argv, environment and working directory.
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Waits until the out log of `name` contains `needle`; returns the log.
std::string wait_for_log(const TempHome& home, const std::string& name, const std::string& needle) {
    std::string text;
    wait_until(
        [&](std::string& observed) {
            text = read_file(home.out_log(name));
            observed = "log: " + text;
            return text.find(needle) != std::string::npos;
        },
        5s, name + "'s log contains '" + needle + "'");
    return text;
}

}  // namespace

TEST_SUITE("integration/command") {

TEST_CASE("a single quoted command string is split into words") {
    TempHome home;
    std::string command = std::string(PM_TEST_CHILD) + " argv line 'two words' line \"and three more\" sleep";
    RunResult r = run_pm(home, {"start", "--name", "words", command});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

    std::string log = wait_for_log(home, "words", "and three more\n");
    CHECK(log.find("argc=7\n") != std::string::npos);
    CHECK(log.find(std::string("argv[0]=") + PM_TEST_CHILD + "\n") != std::string::npos);
    CHECK(log.find("argv[1]=argv\n") != std::string::npos);
    CHECK(log.find("argv[2]=line\n") != std::string::npos);
    CHECK(log.find("argv[3]=two words\n") != std::string::npos);
    CHECK(log.find("argv[5]=and three more\n") != std::string::npos);
    CHECK(log.find("argv[6]=sleep\n") != std::string::npos);
    json inst = instance(home, "words");
    CHECK(inst["state"] == "online");
    CHECK(inst["restarts"] == 0);
}

TEST_CASE("separate command words reach the child unchanged") {
    TempHome home;
    RunResult r = run_pm(home, {"start", "--name", "plain", PM_TEST_CHILD, "argv", "line", "a b", "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string log = wait_for_log(home, "plain", "\na b\n");
    CHECK(log.find("argc=5\n") != std::string::npos);
    CHECK(log.find("argv[3]=a b\n") != std::string::npos);
    CHECK(log.find("argv[4]=sleep\n") != std::string::npos);
    CHECK(instance(home, "plain")["restarts"] == 0);
}

TEST_CASE("a command after -- reaches the child without the separator") {
    TempHome home;
    RunResult r = run_pm(home, {"start", "--name", "dashes", "--", PM_TEST_CHILD, "argv", "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string log = wait_for_log(home, "dashes", "argv[2]=");
    CHECK_MESSAGE(log.find("argc=3\n") != std::string::npos, "log: " << log);
    CHECK(log.find("argv[2]=sleep\n") != std::string::npos);
    CHECK(log.find("=--\n") == std::string::npos);
    json inst = instance(home, "dashes");
    CHECK(inst["state"] == "online");
    CHECK(inst["restarts"] == 0);
}

TEST_CASE("--env KEY=VALUE reaches the child and overrides the CLI's value") {
    TempHome home;
    RunResult r = run_pm(home,
                         {"start", "--env", "PM_IT_EXTRA=hello world", "-e", "PM_IT_BOTH=from-flag", "--name",
                          "envy", PM_TEST_CHILD, "env", "PM_IT_EXTRA", "env", "PM_IT_BOTH", "line", "done", "sleep"},
                         {"PM_IT_BOTH=from-cli"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string log = wait_for_log(home, "envy", "done\n");
    CHECK(log.find("PM_IT_EXTRA=hello world\n") != std::string::npos);
    CHECK(log.find("PM_IT_BOTH=from-flag\n") != std::string::npos);
}

TEST_CASE("--env KEY=VALUE may come right before the command") {
    TempHome home;
    RunResult r = start_child(home, "envy", {"env", "PM_IT_EXTRA", "sleep"}, {"--env", "PM_IT_EXTRA=yes"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string log = wait_for_log(home, "envy", "PM_IT_EXTRA");
    CHECK(log.find("PM_IT_EXTRA=yes\n") != std::string::npos);
}

TEST_CASE("the CLI's environment, not the daemon's, is the child's base environment") {
    TempHome home(with_pmd_env({"PM_IT_DAEMON_ONLY=daemon"}));
    RunResult r = start_child(home, "based", {"env", "PM_IT_BASE", "env", "PM_IT_DAEMON_ONLY", "line", "done", "sleep"},
                              {}, {"PM_IT_BASE=from the cli"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string log = wait_for_log(home, "based", "done\n");
    CHECK(log.find("PM_IT_BASE=from the cli\n") != std::string::npos);
    CHECK(log.find("PM_IT_DAEMON_ONLY unset\n") != std::string::npos);
    CHECK(log.find("PM_HOME=") == std::string::npos);  // only printed on request
}

TEST_CASE("--cwd sets the child's working directory") {
    TempHome home;
    std::string dir = home.file("work dir");
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    std::string expected = std::filesystem::canonical(dir).string();
    RunResult r = start_child(home, "where", {"cwd", "sleep"}, {"--cwd", dir});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string log = wait_for_log(home, "where", "cwd=");
    CHECK(log.find("cwd=" + expected + "\n") != std::string::npos);
}

}  // TEST_SUITE
