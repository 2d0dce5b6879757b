// Spawn failures are reported synchronously, leave the process errored and
// never start a restart loop.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Lets the daemon run a whole other process lifecycle, then checks that the
// failed process is still errored with no restart attempted meanwhile.
void check_no_restart_loop(const TempHome& home, const std::string& name) {
    REQUIRE(start_child(home, "witness", {"exit", "0"}, {"--restart", "never"}).exit_code == 0);
    wait_until([&] { return instance(home, "witness")["state"] == "exited"; }, 5s, "witness exited");
    json inst = instance(home, name);
    CHECK(inst["state"] == "errored");
    CHECK(inst["restarts"] == 0);
    CHECK(inst["pid"].is_null());
    CHECK(zombies_of(home.pmd_child()).empty());
}

}  // namespace

TEST_SUITE("integration/spawn-failure") {

TEST_CASE("starting a missing executable exits 1 with ENOENT and leaves it errored") {
    TempHome home;
    RunResult r = run_pm(home, {"start", "/nonexistent/cmd"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(r.err.find("ENOENT") != std::string::npos, describe(r));

    json inst = instance(home, "cmd");
    REQUIRE(inst.is_object());
    CHECK(inst["state"] == "errored");
    CHECK(inst["restarts"] == 0);
    REQUIRE(inst["last_error"].is_string());
    CHECK(inst["last_error"].get<std::string>().find("ENOENT") != std::string::npos);
    check_no_restart_loop(home, "cmd");
}

TEST_CASE("starting a missing executable with --json reports spawn_failed") {
    TempHome home;
    RunResult r = run_pm(home, {"--json", "start", "--name", "missing", "/nonexistent/cmd"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    json reply = json::parse(r.out, nullptr, false);
    REQUIRE(reply.is_object());
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "spawn_failed");
}

TEST_CASE("starting a file without execute permission exits 1 with EACCES") {
    TempHome home;
    std::string path = home.file("not-executable");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "#!/bin/sh\nexit 0\n", 17) == 17);
    ::close(fd);
    REQUIRE(::chmod(path.c_str(), 0644) == 0);

    RunResult r = run_pm(home, {"start", "--name", "noexec", path});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(r.err.find("EACCES") != std::string::npos, describe(r));
    check_no_restart_loop(home, "noexec");
}

TEST_CASE("starting with a --cwd that does not exist exits 1 and leaves it errored") {
    TempHome home;
    RunResult r = start_child(home, "lost", {"sleep"}, {"--cwd", "/nonexistent/dir"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(r.err.find("ENOENT") != std::string::npos, describe(r));
    check_no_restart_loop(home, "lost");
}

}  // TEST_SUITE
