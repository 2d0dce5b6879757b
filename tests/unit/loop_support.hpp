// Support for loop-level unit tests: a real uv_loop_t per test that must
// close cleanly (libuv's discipline: a leaked handle fails the test), a
// bounded wait for a condition, and a socket pair for a Connection.
#pragma once

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/protocol.hpp"

namespace pm::test {

// Runs the loop until nothing is left to do, then requires uv_loop_close()
// to succeed: every component must have closed its handles by now.
inline void drain_and_close(uv_loop_t* loop) {
    uv_run(loop, UV_RUN_DEFAULT);
    REQUIRE(uv_loop_close(loop) == 0);
}

// Runs the loop until `pred` holds or `ms` pass (a 5 ms ticker keeps the loop
// alive when the components' own handles are unref'd). Returns pred().
inline bool run_until(uv_loop_t* loop, const std::function<bool()>& pred, std::uint64_t ms) {
    uv_timer_t ticker;
    uv_timer_init(loop, &ticker);
    uv_timer_start(&ticker, [](uv_timer_t*) {}, 5, 5);
    std::uint64_t end = uv_now(loop) + ms;
    bool held = pred();
    while (!held && uv_now(loop) < end) {
        uv_run(loop, UV_RUN_ONCE);
        held = pred();
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&ticker), nullptr);
    uv_run(loop, UV_RUN_NOWAIT);
    return held;
}

// Two connected Unix stream sockets: `ours` goes to the code under test (a
// Connection's pipe), the test reads and writes `peer` directly.
struct SocketPair {
    int ours = -1;
    int peer = -1;
    SocketPair() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        ours = fds[0];
        peer = fds[1];
    }
    ~SocketPair() {
        if (peer >= 0) {
            ::close(peer);
        }
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;

    // Every byte the code under test wrote so far (non-blocking).
    std::string read_available() const {
        std::string out;
        char buf[65536];
        for (;;) {
            ssize_t n = ::recv(peer, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) {
                return out;
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    // The complete JSON lines written so far.
    std::vector<json> read_messages() const {
        std::vector<json> out;
        std::string bytes = read_available();
        std::size_t start = 0;
        for (std::size_t nl = bytes.find('\n'); nl != std::string::npos; nl = bytes.find('\n', start)) {
            out.push_back(json::parse(bytes.substr(start, nl - start)));
            start = nl + 1;
        }
        return out;
    }
};

}  // namespace pm::test
