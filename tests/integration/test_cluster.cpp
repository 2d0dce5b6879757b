// Cluster mode: sockets pmd binds once per app (`listen`) and hands to every
// instance (LISTEN_FDS), a node server sharing one port through pm's preload,
// reloads under load that fail no request, bind errors and the socket's end.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "harness.hpp"

using namespace pm::test;

namespace {

const std::string k_fixtures = std::string(PM_SOURCE_DIR) + "/tests/fixtures/cluster";

// Whether this process can bind 127.0.0.1:port itself (the port is free).
bool can_bind(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

struct Reply {
    bool ok = false;
    std::string body;   // after the headers
    std::string error;  // what failed: "connect: Connection refused", "read: ...", a bad status
};

// One HTTP/1.0 GET on a fresh connection (one short request, as a load
// balancer's health check or a browser without keep-alive makes).
Reply http_get(const sockaddr* addr, socklen_t len, Ms timeout = 10s) {
    Reply r;
    int fd = ::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, addr, len) != 0) {
        r.error = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
        return r;
    }
    const std::string req = "GET / HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        r.error = std::string("send: ") + std::strerror(errno);
        ::close(fd);
        return r;
    }
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            r.error = std::string("read: ") + std::strerror(errno);
            ::close(fd);
            return r;
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    auto head_end = text.find("\r\n\r\n");
    if (!text.starts_with("HTTP/1.") || text.find(" 200 ") > 12 || head_end == std::string::npos) {
        r.error = "bad reply: " + text.substr(0, 80);
        return r;
    }
    r.ok = true;
    r.body = text.substr(head_end + 4);
    return r;
}

Reply http_get(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    return http_get(reinterpret_cast<sockaddr*>(&addr), sizeof addr);
}

Reply http_get_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    return http_get(reinterpret_cast<sockaddr*>(&addr), sizeof addr);
}

// "pid=1234" of a reply body.
std::string pid_in(const std::string& body) {
    auto at = body.find("pid=");
    return at == std::string::npos ? "" : body.substr(at, body.find_first_of(" \n", at) - at);
}

// Clients making one short request after another, on `threads` threads,
// until stopped; counts what was made, what failed and who answered.
class Load {
public:
    Load(int port, int threads) {
        for (int t = 0; t < threads; ++t) {
            m_threads.emplace_back([this, port] { run(port); });
        }
    }
    ~Load() { stop(); }
    Load(const Load&) = delete;
    Load& operator=(const Load&) = delete;

    void stop() {
        m_stop = true;
        for (auto& t : m_threads) {
            if (t.joinable()) {
                t.join();
            }
        }
    }
    int made() const { return m_made; }
    int failed() const { return m_failed; }
    std::set<std::string> answered_by() const {
        std::lock_guard lock(m_mutex);
        return m_pids;
    }
    std::string first_errors() const {
        std::lock_guard lock(m_mutex);
        return m_errors;
    }

private:
    void run(int port) {
        while (!m_stop) {
            Reply r = http_get(port);
            std::lock_guard lock(m_mutex);
            if (r.ok) {
                m_pids.insert(pid_in(r.body));
            } else if (m_failed < 5) {
                m_errors += r.error + "; ";
            }
            m_failed += r.ok ? 0 : 1;
            ++m_made;
        }
    }

    std::vector<std::thread> m_threads;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_made{0};
    std::atomic<int> m_failed{0};
    mutable std::mutex m_mutex;
    std::set<std::string> m_pids;
    std::string m_errors;
};

std::set<pid_t> pids_of(const TempHome& home, const std::string& name) {
    std::set<pid_t> pids;
    for (const auto& i : raw_instances_named(home, name)) {
        if (i["pid"].is_number_integer()) {
            pids.insert(i["pid"].get<pid_t>());
        }
    }
    return pids;
}

// `pm start` of the node server at `instances` on 127.0.0.1:port, settled
// online (min_uptime 300ms, so a reload steps quickly).
void start_node_web(const TempHome& home, int port, int instances) {
    std::string url = "tcp://127.0.0.1:" + std::to_string(port);
    RunResult r = run_pm(home, {"start", "--name", "web", "-i", std::to_string(instances), "--listen", url,
                                "--min-uptime", "300ms", "--wait", "node", k_fixtures + "/http_server.js",
                                std::to_string(port)});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
}

// A `pm reload web` while clients keep making requests: none may fail.
void reload_under_load(int instances) {
    TempHome home;
    int port = free_port();
    start_node_web(home, port, instances);
    std::set<pid_t> before = pids_of(home, "web");
    REQUIRE(before.size() == static_cast<std::size_t>(instances));

    Load load(port, 2);
    wait_until([&] { return load.made() >= 50; }, 10s, "50 requests answered before the reload");
    int at_start = load.made();
    int failed_before = load.failed();
    RunResult r = run_pm(home, {"reload", "web"});
    int at_end = load.made();
    int failed_during = load.failed() - failed_before;
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    wait_until([&] { return load.made() >= at_end + 50; }, 10s, "50 requests answered after the reload");
    load.stop();

    std::set<pid_t> after = pids_of(home, "web");
    MESSAGE("reload of " << instances << " instance(s) under load: " << at_end - at_start
                         << " requests during the reload, " << failed_during << " failed; " << load.made()
                         << " in all, " << load.failed() << " failed");
    CHECK_MESSAGE(load.failed() == 0, load.first_errors());
    CHECK(at_end - at_start > 20);  // the load really ran through the reload
    CHECK(after.size() == static_cast<std::size_t>(instances));
    for (pid_t p : after) {
        CHECK_MESSAGE(before.count(p) == 0, "instance pid " << p << " was not replaced");
    }
}

}  // namespace

TEST_SUITE("integration/cluster") {

TEST_CASE("an unmodified node HTTP server at 4 instances (exec_mode cluster, listen) answers on one port from every instance") {
    TempHome home;
    int port = free_port();
    std::string file = home.file("ecosystem.json");
    json app{{"name", "web"},         {"script", "node"},
             {"args", {k_fixtures + "/http_server.js", std::to_string(port)}},
             {"exec_mode", "cluster"}, {"instances", 4},
             {"listen", "tcp://127.0.0.1:" + std::to_string(port)}};
    write_text(file, json{{"apps", json::array({app})}}.dump());
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(!contains(r.err, "exec_mode"), "cluster mode with listen needs no warning: " << describe(r));
    RunResult w = run_pm(home, {"--timeout", "20s", "wait", "web"});
    REQUIRE_MESSAGE(w.exit_code == 0, describe(w));

    std::set<pid_t> pids = pids_of(home, "web");
    REQUIRE(pids.size() == 4);
    std::set<std::string> answered;
    int requests = 0;
    int failed = 0;
    // Every instance accepts on the one socket; the kernel wakes them in turn.
    Load load(port, 4);
    wait_until(
        [&](std::string& seen) {
            answered = load.answered_by();
            seen = std::to_string(answered.size()) + " instances answered";
            return answered.size() == 4;
        },
        20s, "every instance answers");
    load.stop();
    requests = load.made();
    failed = load.failed();
    MESSAGE(requests << " requests to 4 instances on one port, " << failed << " failed");
    CHECK_MESSAGE(failed == 0, load.first_errors());
    for (pid_t p : pids) {
        CHECK_MESSAGE(answered.count("pid=" + std::to_string(p)) == 1, "instance pid " << p << " never answered");
    }
    for (const auto& i : raw_instances_named(home, "web")) {
        CHECK(i["restarts"] == 0);  // nobody crash-looped on EADDRINUSE
    }
    json show = request(home, "show", json{{"selector", "web"}});
    REQUIRE_MESSAGE(show["ok"] == true, show.dump());
    CHECK(show["result"]["spec"]["listen_sockets"][0]["name"] == "tcp-" + std::to_string(port));
}

TEST_CASE("a node server started through a shell (--shell, as npm start runs one) adopts the socket too") {
    TempHome home;
    int port = free_port();
    RunResult r = run_pm(home, {"start", "--shell", "--name", "web", "-i", "2", "--listen",
                                "tcp://127.0.0.1:" + std::to_string(port), "--min-uptime", "300ms", "--wait",
                                "cd / && node '" + k_fixtures + "/http_server.js' " + std::to_string(port)});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    Load load(port, 2);
    wait_until([&] { return load.answered_by().size() == 2; }, 20s, "both node servers answer");
    load.stop();
    CHECK_MESSAGE(load.failed() == 0, load.first_errors());
    for (const auto& i : raw_instances_named(home, "web")) {
        CHECK(i["restarts"] == 0);
        CHECK(i["state"] == "online");
    }
}

TEST_CASE("pm reload of a single instance sharing its socket under constant load fails no request") {
    reload_under_load(1);
}

TEST_CASE("pm reload of 4 instances sharing a socket under constant load fails no request") {
    reload_under_load(4);
}

TEST_CASE("a Python server gets pmd's sockets from fd 3 with LISTEN_FDS, LISTEN_FDNAMES and its own LISTEN_PID") {
    TempHome home;
    int port = free_port();
    std::string unix_path = home.file("py.sock");
    RunResult r = run_pm(home, {"start", "--name", "py", "--listen", "tcp://127.0.0.1:" + std::to_string(port),
                                "--listen", "unix:" + unix_path, "--", "python3", k_fixtures + "/fd_server.py"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    Reply tcp;
    wait_until([&] { return (tcp = http_get(port)).ok; }, 10s, "the python server answers on TCP");
    pid_t pid = pids_of(home, "py").empty() ? -1 : *pids_of(home, "py").begin();
    std::string expect = "pid=" + std::to_string(pid) + " fds=2 names=tcp-" + std::to_string(port) + ":unix";
    CHECK_MESSAGE(contains(tcp.body, "tcp fd=3 " + expect), tcp.body << tcp.error);
    Reply local = http_get_unix(unix_path);
    CHECK_MESSAGE(contains(local.body, "unix fd=4 " + expect), local.body << local.error);

    // A restart is a new process on the same sockets: nothing to rebind.
    RunResult again = run_pm(home, {"restart", "py"});
    CHECK_MESSAGE(again.exit_code == 0, describe(again));
    Reply after;
    wait_until([&] { return (after = http_get(port)).ok && !contains(after.body, expect); }, 10s,
               "the restarted server answers on the same port");

    RunResult del = run_pm(home, {"delete", "py"});
    CHECK_MESSAGE(del.exit_code == 0, describe(del));
    CHECK_FALSE(file_exists(unix_path));
}

TEST_CASE("a port in use is a start error naming EADDRINUSE that leaves nothing behind") {
    TempHome home;
    int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(holder, 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    int port = ntohs(addr.sin_port);
    std::string other = home.file("other.sock");

    RunResult r = run_pm(home, {"start", "--name", "web", "-i", "2", "--listen", "unix:" + other, "--listen",
                                "tcp://127.0.0.1:" + std::to_string(port), "node",
                                k_fixtures + "/http_server.js", std::to_string(port)});
    ::close(holder);
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(contains(r.err, "web: listen tcp://127.0.0.1:" + std::to_string(port) +
                                      ": unable to bind: EADDRINUSE (address already in use)"),
                  describe(r));
    CHECK(list_json(home)["processes"].empty());
    CHECK(home.tagged().size() == home.daemons().size());  // pmd alone: no instance was spawned
    CHECK_FALSE(file_exists(other));  // the socket bound before the failure is gone too
    CHECK(can_bind(port));
}

TEST_CASE("a bad listen URL is a usage error (exit 2) naming the accepted forms") {
    TempHome home;
    struct Row {
        std::string url;
        std::string problem;
    };
    const Row rows[] = {
        {"http://127.0.0.1:80", "unknown scheme"},
        {"tcp://localhost:3000", "'localhost' is not an IPv4 address"},
        {"tcp://127.0.0.1:70000", "the port must be a number from 0 to 65535"},
        {"tcp://::1:3000", "an IPv6 address goes in brackets"},
        {"unix:relative.sock", "the socket path must be absolute"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.url);
        RunResult r = run_pm(home, {"start", "--name", "web", "--listen", row.url, "node", "x.js"});
        CHECK_MESSAGE(r.exit_code == 2, describe(r));
        CHECK_MESSAGE(contains(r.err, row.problem), describe(r));
        CHECK_MESSAGE(contains(r.err, "expected tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:/PATH"), describe(r));
    }
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("with listen, a missing program still fails the start as unable to spawn, not as a shell's exit 127") {
    TempHome home;
    RunResult r = run_pm(home, {"start", "--name", "web", "--listen", "tcp://127.0.0.1:0", "pm-no-such-program"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK_MESSAGE(contains(r.err, "unable to spawn \"pm-no-such-program\": ENOENT"), describe(r));
    CHECK(list_json(home)["processes"].empty());  // a first spawn that failed leaves nothing behind
}

TEST_CASE("save, kill and resurrect: the app binds its listen sockets again and serves on them") {
    TempHome home;
    int port = free_port();
    std::string file = home.file("ecosystem.json");
    json app{{"name", "web"},
             {"script", "node"},
             {"args", {k_fixtures + "/http_server.js", std::to_string(port)}},
             {"instances", 2},
             {"listen", {"tcp://127.0.0.1:" + std::to_string(port), "unix:" + home.file("web.sock")}}};
    write_text(file, json{{"apps", json::array({app})}}.dump());
    RunResult r = run_pm(home, {"start", file});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_until([&] { return http_get(port).ok; }, 10s, "the server answers");
    RunResult save = run_pm(home, {"save"});
    REQUIRE_MESSAGE(save.exit_code == 0, describe(save));
    RunResult kill = run_pm(home, {"kill"});
    REQUIRE_MESSAGE(kill.exit_code == 0, describe(kill));
    REQUIRE(home.wait_pmd_exit(20s).has_value());
    CHECK(can_bind(port));  // pmd's end closed the socket
    CHECK_FALSE(file_exists(home.file("web.sock")));

    home.start_pmd();
    RunResult back = run_pm(home, {"resurrect"});
    REQUIRE_MESSAGE(back.exit_code == 0, describe(back));
    Reply reply;
    wait_until([&] { return (reply = http_get(port)).ok; }, 10s, "the resurrected server answers");
    CHECK(file_exists(home.file("web.sock")));
    json show = request(home, "show", json{{"selector", "web"}});
    CHECK(show["result"]["spec"]["listen"].size() == 2);
    CHECK(show["result"]["spec"]["listen_sockets"].size() == 2);
}

TEST_CASE("pm delete closes the app's socket: the port is free again") {
    TempHome home;
    int port = free_port();
    start_node_web(home, port, 2);
    CHECK(http_get(port).ok);
    CHECK_FALSE(can_bind(port));
    RunResult stop = run_pm(home, {"stop", "web"});
    CHECK_MESSAGE(stop.exit_code == 0, describe(stop));
    CHECK_FALSE(can_bind(port));  // stopped, not deleted: pmd keeps the port for the next start
    RunResult del = run_pm(home, {"delete", "web"});
    CHECK_MESSAGE(del.exit_code == 0, describe(del));
    CHECK(can_bind(port));
}

}  // TEST_SUITE
