// Spawn failures of a start are reported synchronously and leave nothing
// behind (PM2's "Script not found"): no process in the list, no restart loop;
// a known process started again keeps its place, errored; failures of
// automatic restarts are retried with the backoff like a crash loop.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Lets the daemon run a whole other process lifecycle, then checks that the
// failed start left nothing behind: not in the list, no restart attempted.
void check_nothing_left(const TempHome& home, const std::string& name) {
    REQUIRE(start_child(home, "witness", {"exit", "0"}, {"--restart", "never"}).exit_code == 0);
    wait_until([&] { return instance(home, "witness")["state"] == "exited"; }, 5s, "witness exited");
    json procs = list_json(home)["processes"];
    CHECK_MESSAGE(procs.size() == 1, procs.dump());
    CHECK(instance(home, name).is_null());
    CHECK(zombies_of(home.pmd_child()).empty());
}

// A process crashing in a loop (every run unstable) with `cwd` as its directory.
void crash_loop_in(const TempHome& home, const std::string& name, const std::string& cwd,
                   const std::string& max_backoff, const std::string& max_restarts) {
    std::filesystem::create_directories(cwd);
    RunResult r = start_child(home, name, {"exit", "3"},
                              {"--cwd", cwd, "--min-uptime", "5s", "--max-backoff", max_backoff, "--max-restarts",
                               max_restarts});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
}

}  // namespace

TEST_SUITE("integration/spawn-failure") {

TEST_CASE("starting a missing executable exits 1 with ENOENT and leaves nothing in the list") {
    TempHome home;
    RunResult r = run_pm(home, {"start", "/nonexistent/cmd"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(r.err.find("ENOENT") != std::string::npos, describe(r));
    check_nothing_left(home, "cmd");
    // The name is free: a corrected start under it works.
    RunResult again = run_pm(home, {"start", "--name", "cmd", PM_TEST_CHILD, "sleep"});
    CHECK_MESSAGE(again.exit_code == 0, describe(again));
    CHECK(instance(home, "cmd")["state"] == "online");
}

TEST_CASE("a known process whose start fails again stays in the list, errored with the cause") {
    TempHome home;
    TempDir dir("pm-cwd");
    std::string cwd = dir.file("app");
    std::filesystem::create_directories(cwd);
    REQUIRE(start_child(home, "kept", {"sleep"}, {"--cwd", cwd}).exit_code == 0);
    REQUIRE(run_pm(home, {"stop", "kept"}).exit_code == 0);
    std::filesystem::remove_all(cwd);
    RunResult r = run_pm(home, {"start", "kept"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    json inst = instance(home, "kept");
    REQUIRE_MESSAGE(inst.is_object(), "the known process was removed");
    CHECK(inst["state"] == "errored");
    CHECK(inst.value("last_error", "").find("ENOENT") != std::string::npos);
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

TEST_CASE("starting a binary without execute permission exits 1 with EACCES") {
    TempHome home;
    // A script without execute bit runs by its shebang (PM2's rule); a
    // binary cannot, and the kernel's refusal is reported.
    std::string path = home.file("not-executable");
    const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, elf, sizeof elf) == static_cast<ssize_t>(sizeof elf));
    ::close(fd);
    REQUIRE(::chmod(path.c_str(), 0644) == 0);

    RunResult r = run_pm(home, {"start", "--name", "noexec", path});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(r.err.find("EACCES") != std::string::npos, describe(r));
    check_nothing_left(home, "noexec");
}

TEST_CASE("a script without execute permission runs by its shebang, as PM2 runs it") {
    TempHome home;
    std::string path = home.file("job");
    write_text(path, "#!/bin/sh\necho \"shebang-ok\"\nexec sleep 1000\n");
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    RunResult r = run_pm(home, {"start", path});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_until([&] { return read_file(home.out_log("job")).find("shebang-ok") != std::string::npos; }, 10s,
               "the script's output");
}

TEST_CASE("starting with a --cwd that does not exist exits 1 and leaves nothing in the list") {
    TempHome home;
    RunResult r = start_child(home, "lost", {"sleep"}, {"--cwd", "/nonexistent/dir"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(r.err.find("ENOENT") != std::string::npos, describe(r));
    check_nothing_left(home, "lost");
}

TEST_CASE("an automatic restart that cannot spawn is retried with the backoff, and recovers when it can") {
    TempHome home;
    TempDir dir("pm-cwd");
    std::string cwd = dir.file("app");
    crash_loop_in(home, "flaky", cwd, "200ms", "1000");
    std::filesystem::remove_all(cwd);  // a deploy swapping the directory
    json inst = wait_instance(
        home, "flaky",
        [](const json& i) {
            return i["last_error"].is_string() &&
                   i["last_error"].get<std::string>().find("unable to spawn") != std::string::npos;
        },
        "a failed automatic spawn recorded");
    CHECK(inst["state"] != "errored");
    std::filesystem::create_directories(cwd);
    int restarts = inst["restarts"].get<int>();
    inst = wait_instance(
        home, "flaky",
        [restarts](const json& i) { return i["restarts"].get<int>() > restarts && i["last_error"].is_null(); },
        "spawning again once the cwd is back (a successful spawn clears last_error)");
    CHECK(inst["state"] != "errored");
}

TEST_CASE("an automatic restart that keeps failing to spawn ends errored after --max-restarts, naming the cause") {
    TempHome home;
    TempDir dir("pm-cwd");
    std::string cwd = dir.file("app");
    crash_loop_in(home, "gone", cwd, "50ms", "4");
    std::filesystem::remove_all(cwd);
    json inst = wait_instance(home, "gone", [](const json& i) { return i["state"] == "errored"; },
                              "errored after the restarts ran out");
    std::string err = inst.value("last_error", "");
    CHECK_MESSAGE(err.find("gave up after 4 unstable restarts") != std::string::npos, err);
    CHECK_MESSAGE(err.find("unable to spawn") != std::string::npos, err);
}

}  // TEST_SUITE
