// Unit tests for the listening sockets: the environment and trampoline an
// instance gets, the executable check, and binding (real sockets on
// loopback): a socket kept across specs, a failed bind leaving nothing.
#include "daemon/supervisor/listen_sockets.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace {

namespace sup = pm::sup;

std::vector<pm::ListenUrl> urls(const std::vector<std::string>& text) {
    auto parsed = pm::parse_listen_urls(text, 0);
    REQUIRE(parsed.has_value());
    return *parsed;
}

bool has(const std::vector<std::string>& env, const std::string& kv) {
    return std::find(env.begin(), env.end(), kv) != env.end();
}

}  // namespace

TEST_SUITE("daemon") {

TEST_CASE("an instance's environment names its sockets and loads the node preload after the app's NODE_OPTIONS") {
    auto set = sup::bind_listen_set(urls({"tcp://127.0.0.1:0", "tcp://127.0.0.1:0"}), nullptr, "/h/pm \"x\".js");
    REQUIRE(set.has_value());
    std::string names = (*set)->sockets[0]->name + ":" + (*set)->sockets[1]->name;
    CHECK((*set)->sockets[0]->name.starts_with("tcp-"));
    CHECK((*set)->sockets[0]->name != "tcp-0");  // the port really bound

    std::vector<std::string> env{"A=1", "NODE_OPTIONS=--max-old-space-size=512", "LISTEN_FDS=9", "LISTEN_PID=1"};
    sup::add_listen_environment(env, **set);
    CHECK(has(env, "A=1"));
    CHECK(has(env, "LISTEN_FDS=2"));
    CHECK(has(env, "LISTEN_FDNAMES=" + names));
    CHECK(has(env, "NODE_OPTIONS=--max-old-space-size=512 --require \"/h/pm \\\"x\\\".js\""));
    CHECK(std::none_of(env.begin(), env.end(), [](const std::string& kv) { return kv.starts_with("LISTEN_PID="); }));
    CHECK(env.size() == 4);
}

TEST_CASE("the LISTEN_PID trampoline execs the command with its words intact") {
    auto argv = sup::with_listen_pid({"node", "a b.js", "$HOME"});
    REQUIRE(argv.size() == 7);
    CHECK(argv[0] == "/bin/sh");
    CHECK(argv[2] == "LISTEN_PID=$$; export LISTEN_PID; exec \"$@\"");
    CHECK(std::vector<std::string>(argv.begin() + 4, argv.end()) == std::vector<std::string>{"node", "a b.js", "$HOME"});
}

TEST_CASE("the executable check finds programs as execvp does") {
    pm::test::TempDir dir;
    std::string script = dir.path + "/run.sh";
    REQUIRE(std::system(("printf '#!/bin/sh\\n' > '" + script + "'").c_str()) == 0);
    CHECK(sup::check_executable(script, "/", {}) == UV_EACCES);  // not executable yet
    REQUIRE(::chmod(script.c_str(), 0755) == 0);
    CHECK(sup::check_executable(script, "/", {}) == 0);
    CHECK(sup::check_executable("./run.sh", dir.path, {}) == 0);
    CHECK(sup::check_executable("run.sh", "/", {"PATH=/nowhere:" + dir.path}) == 0);
    CHECK(sup::check_executable("run.sh", "/", {"PATH=/usr/bin"}) == UV_ENOENT);
    CHECK(sup::check_executable("sh", "/", {}) == 0);  // default PATH /bin:/usr/bin
    CHECK(sup::check_executable(dir.path, "/", {}) == UV_EACCES);  // a directory
}

TEST_CASE("a socket the app holds is kept by its next spec, and a failed bind closes what it bound") {
    auto first = sup::bind_listen_set(urls({"tcp://127.0.0.1:0"}), nullptr, "");
    REQUIRE(first.has_value());
    // A fixed port to hold: what the kernel gave the first socket.
    int port = std::stoi((*first)->sockets[0]->name.substr(4));
    std::string fixed = "tcp://127.0.0.1:" + std::to_string(port);
    auto held = sup::bind_listen_set(urls({fixed}), nullptr, "");
    REQUIRE_FALSE(held.has_value());  // the first set holds it
    CHECK(held.error().code == pm::ErrorCode::io_error);
    CHECK(held.error().message == "listen " + fixed + ": unable to bind: EADDRINUSE (address already in use)");

    first->reset();  // the app is gone: its port is free
    auto mine = sup::bind_listen_set(urls({fixed}), nullptr, "");
    REQUIRE(mine.has_value());
    auto again = sup::bind_listen_set(urls({fixed, "tcp://127.0.0.1:0"}), mine->get(), "");
    REQUIRE(again.has_value());
    CHECK((*again)->sockets[0] == (*mine)->sockets[0]);  // the same socket, never closed

    pm::test::TempDir dir;
    std::string path = dir.path + "/s.sock";
    auto partial = sup::bind_listen_set(urls({"unix:" + path, fixed}), nullptr, "");
    REQUIRE_FALSE(partial.has_value());
    struct stat st {};
    CHECK(::stat(path.c_str(), &st) != 0);  // bound first, removed with the failure
}

TEST_CASE("a unix socket file left by a dead server is replaced, and the file goes with the socket") {
    pm::test::TempDir dir;
    std::string path = dir.path + "/s.sock";
    REQUIRE(std::system(("python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('" + path + "')\"").c_str()) == 0);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);  // a socket file nobody listens on
    auto first = sup::bind_listen_set(urls({"unix:" + path}), nullptr, "");
    REQUIRE(first.has_value());
    auto busy = sup::bind_listen_set(urls({"unix:" + path}), nullptr, "");
    REQUIRE_FALSE(busy.has_value());
    CHECK(busy.error().message.find("a server answers on it") != std::string::npos);
    first->reset();
    CHECK(::stat(path.c_str(), &st) != 0);
}

}  // TEST_SUITE
