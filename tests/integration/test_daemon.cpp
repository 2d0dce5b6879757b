// The daemon itself: single instance, autostart, kill, signals, files,
// stale sockets and hung-daemon timeouts.
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <doctest/doctest.h>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Starts a few processes whose trees reach past the direct child.
void start_workload(const TempHome& home) {
    REQUIRE(start_child(home, "plain", {"sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "tree", {"fork-tree", "3", home.file("tree.pids"), "sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "df", {"double-fork", home.file("gc.pid"), "sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "stubborn", {"ignore-term", "pidfile", home.file("stubborn.pid"), "sleep"},
                        {"--kill-timeout", "300ms"})
                .exit_code == 0);
    REQUIRE(wait_until(
        [&] {
            return read_pids(home.file("tree.pids")).size() == 3 && file_exists(home.file("gc.pid")) &&
                   file_exists(home.file("stubborn.pid"));
        },
        5s, "every workload process is up"));
    // The test's processes: 4 direct children, 3 tree members, 1 grandchild.
    CHECK(home.tagged().size() >= 8);
}

bool wait_untagged(const TempHome& home) {
    return wait_until(
        [&](std::string& observed) {
            auto t = home.tagged();
            observed = describe_pids(t);
            return t.empty();
        },
        3s, "no process of this test is alive");
}

struct Continue {  // resumes a SIGSTOPped pmd whatever happens
    pid_t pid;
    ~Continue() { ::kill(pid, SIGCONT); }
};

}  // namespace

TEST_SUITE("integration/daemon") {

TEST_CASE("a second pmd on the same home exits non-zero naming the running pid") {
    TempHome home;
    pid_t first = home.pmd_child();
    RunResult second = run_process(PMD_BIN, {"--foreground"}, home.env(), 10s);
    CHECK(second.exit_code != 0);
    CHECK_MESSAGE(second.err.find("already running (pid " + std::to_string(first) + ")") != std::string::npos,
                  describe(second));

    RunResult ping = run_pm(home, {"--json", "version"});
    REQUIRE_MESSAGE(ping.exit_code == 0, describe(ping));
    json v = json::parse(ping.out, nullptr, false);
    CHECK(v["pid"] == first);
    CHECK(pmd_pid(home) == first);
    CHECK(home.daemons() == std::vector<pid_t>{first});
}

TEST_CASE("concurrent pm commands autostart exactly one daemon") {
    TempHome home(no_daemon());
    std::vector<Spawned> runs;
    for (int i = 0; i < 8; ++i) {
        runs.push_back(spawn_pm(home, {"ping"}));
    }
    for (auto& s : runs) {
        RunResult r = finish(s);
        CHECK_MESSAGE(r.exit_code == 0, describe(r));
        CHECK(r.out == "pong\n");
    }
    CHECK(wait_until(
        [&](std::string& observed) {
            auto d = home.daemons();
            observed = describe_pids(d);
            return d.size() == 1;
        },
        5s, "exactly one pmd serves the home"));
    auto d = home.daemons();
    REQUIRE(d.size() == 1);
    CHECK(pmd_pid(home) == d[0]);
    CHECK(run_pm(home, {"--no-autostart", "ping"}).exit_code == 0);
}

TEST_CASE("pm --no-autostart with no daemon exits 4 and starts nothing") {
    TempHome home(no_daemon());
    RunResult r = run_pm(home, {"--no-autostart", "ping"});
    CHECK_MESSAGE(r.exit_code == 4, describe(r));
    CHECK(home.daemons().empty());
    CHECK_FALSE(file_exists(home.sock()));

    RunResult env = run_pm(home, {"ping"}, {"PM_NO_AUTOSTART=1"});
    CHECK_MESSAGE(env.exit_code == 4, describe(env));
    CHECK(home.daemons().empty());
}

TEST_CASE("pm kill stops every managed process and removes pmd.sock and pmd.pid") {
    TempHome home;
    start_workload(home);

    RunResult r = run_pm(home, {"kill"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out.find("4 processes stopped") != std::string::npos);
    auto status = home.wait_pmd_exit(10s);
    REQUIRE_MESSAGE(status.has_value(), "pmd did not exit after pm kill");
    CHECK(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 0);
    CHECK(wait_untagged(home));
    CHECK_FALSE(file_exists(home.sock()));
    CHECK_FALSE(file_exists(home.pid_file()));
}

TEST_CASE("SIGTERM to pmd stops every managed process and pmd exits 0") {
    TempHome home;
    start_workload(home);

    REQUIRE(::kill(home.pmd_child(), SIGTERM) == 0);
    auto status = home.wait_pmd_exit(10s);
    REQUIRE_MESSAGE(status.has_value(), "pmd did not exit after SIGTERM");
    CHECK(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 0);
    CHECK(wait_untagged(home));
    CHECK_FALSE(file_exists(home.sock()));
    CHECK_FALSE(file_exists(home.pid_file()));
}

TEST_CASE("pm kill with no daemon running exits 4 and does not start one") {
    TempHome home(no_daemon());
    RunResult r = run_pm(home, {"kill"});
    CHECK_MESSAGE(r.exit_code == 4, describe(r));
    CHECK(home.daemons().empty());
}

TEST_CASE("pmd makes PM_HOME 0700 and pmd.sock 0600 and writes its pid to pmd.pid") {
    TempHome home(no_daemon());
    REQUIRE(::chmod(home.path().c_str(), 0755) == 0);
    pid_t pmd = home.start_pmd();

    struct stat st{};
    REQUIRE(::stat(home.path().c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    REQUIRE(::stat(home.file("logs").c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);
    REQUIRE(::lstat(home.sock().c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(read_file(home.pid_file()) == std::to_string(pmd) + "\n");
}

TEST_CASE("a stale socket left by a SIGKILLed pmd is replaced by the next pmd") {
    TempHome home;
    pid_t first = home.pmd_child();
    REQUIRE(::kill(first, SIGKILL) == 0);
    REQUIRE(home.wait_pmd_exit(5s).has_value());
    REQUIRE(file_exists(home.sock()));  // left behind
    CHECK(run_pm(home, {"--no-autostart", "ping"}).exit_code == 4);

    pid_t second = home.start_pmd();
    CHECK(second != first);
    RunResult ping = run_pm(home, {"--no-autostart", "ping"});
    CHECK_MESSAGE(ping.exit_code == 0, describe(ping));
    CHECK(pmd_pid(home) == second);
}

TEST_CASE("pm --timeout gives up on a hung daemon with exit 4") {
    TempHome home;
    pid_t pmd = home.pmd_child();
    {
        REQUIRE(::kill(pmd, SIGSTOP) == 0);
        Continue resume{pmd};
        RunResult r = run_pm(home, {"--timeout", "300ms", "ping"});
        CHECK_MESSAGE(r.exit_code == 4, describe(r));
        CHECK(r.elapsed >= 300ms);
        CHECK_MESSAGE(r.elapsed < 3s, describe(r));
    }
    RunResult ping = run_pm(home, {"ping"});
    CHECK_MESSAGE(ping.exit_code == 0, describe(ping));
}

TEST_CASE("pm version reports the daemon's pid and home") {
    TempHome home;
    RunResult r = run_pm(home, {"--json", "version"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json v = json::parse(r.out, nullptr, false);
    REQUIRE(v.is_object());
    CHECK(v["pid"] == home.pmd_child());
    CHECK(v["home"] == home.path());
    CHECK(v["protocol"] == 1);
}

// The socket's 0600 mode keeps other users out; pmd's SO_PEERCRED check is
// the second wall. Needs root to become another uid (CI runs as root).
TEST_CASE("a client of another uid that reaches the socket is refused, and the refusal is recorded") {
    if (geteuid() != 0) {
        MESSAGE("skipped: only root can connect as another uid");
        return;
    }
    TempHome home;
    // Open the first wall so that the second one is what refuses.
    REQUIRE(::chmod(home.path().c_str(), 0711) == 0);
    REQUIRE(::chmod(home.sock().c_str(), 0666) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // 0: closed without a reply; 1: answered; 2: could not connect.
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
            ::_exit(2);
        }
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, home.sock().c_str(), sizeof addr.sun_path - 1);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::_exit(2);
        }
        const char ping[] = "{\"id\":1,\"cmd\":\"ping\"}\n";
        // pmd may have closed already: EPIPE, not SIGPIPE.
        (void)!::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL);
        pollfd p{fd, POLLIN, 0};
        char buf[256];
        ::_exit(::poll(&p, 1, 5000) == 1 && ::read(fd, buf, sizeof buf) > 0 ? 1 : 0);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE_MESSAGE(WIFEXITED(status), "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
    CHECK_MESSAGE(WEXITSTATUS(status) == 0, "exit " << WEXITSTATUS(status) << " (1: answered, 2: no connect)");
    RunResult errors = run_pm(home, {"--json", "errors"});
    REQUIRE_MESSAGE(errors.exit_code == 0, describe(errors));
    json e = json::parse(errors.out, nullptr, false);
    REQUIRE(e.is_object());
    CHECK(e["counts"]["client_rejected"] == 1);
    CHECK(run_pm(home, {"ping"}).exit_code == 0);  // our own uid still gets in
}

// RELIABILITY X3: a PM_HOME someone prepared for us is refused, and nothing
// is created through it.
TEST_CASE("pmd refuses a PM_HOME that is a symlink or owned by another uid and creates nothing there") {
    TempHome home(no_daemon());
    auto env_with_home = [&](const std::string& dir) {
        std::vector<std::string> env = home.env();
        for (auto& kv : env) {
            if (kv.rfind("PM_HOME=", 0) == 0) {
                kv = "PM_HOME=" + dir;
            }
        }
        return env;
    };
    auto is_empty = [](const std::string& dir) { return std::filesystem::is_empty(dir); };
    std::string target = home.file("elsewhere");
    std::filesystem::create_directory(target);
    std::string link = home.file("link");
    std::filesystem::create_directory_symlink(target, link);
    RunResult r = run_process(PMD_BIN, {"--foreground"}, env_with_home(link), 10s);
    CHECK(r.exit_code != 0);
    CHECK_MESSAGE(r.err.find("is a symbolic link") != std::string::npos, describe(r));
    CHECK(is_empty(target));
    if (geteuid() == 0) {  // only root can give a directory away
        std::string foreign = home.file("foreign");
        std::filesystem::create_directory(foreign);
        REQUIRE(::chown(foreign.c_str(), 65534, 65534) == 0);
        RunResult f = run_process(PMD_BIN, {"--foreground"}, env_with_home(foreign), 10s);
        CHECK(f.exit_code != 0);
        CHECK_MESSAGE(f.err.find("is owned by uid 65534") != std::string::npos, describe(f));
        CHECK(is_empty(foreign));
    }
}

}  // TEST_SUITE
