// Support for loop-level unit tests: a real uv_loop_t per test that must
// close cleanly (libuv's discipline: a leaked handle fails the test), a
// bounded wait for a condition, a LogHub in a temporary directory, specs
// that run the deterministic child pm_test_child, and a socket pair for a
// Connection.
#pragma once

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/protocol.hpp"
#include "common/string_pool.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervisor/process_spec.hpp"

namespace pm::test {

// Runs the loop until nothing is left to do, then requires uv_loop_close()
// to succeed: every component must have closed its handles by now.
inline void drain_and_close(uv_loop_t* loop) {
    uv_run(loop, UV_RUN_DEFAULT);
    REQUIRE(uv_loop_close(loop) == 0);
}

// A loop per test. Its destructor drains it and requires uv_loop_close() == 0.
struct Loop {
    uv_loop_t loop{};
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);
        CHECK(uv_loop_close(&loop) == 0);
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;
    uv_loop_t* get() { return &loop; }
};

// Runs the loop until `pred` holds or `ms` pass (a 5 ms ticker keeps the loop
// alive when the components' own handles are unref'd). Returns pred().
inline bool run_until(uv_loop_t* loop, const std::function<bool()>& pred, std::uint64_t ms = 5000) {
    uv_timer_t ticker;
    uv_timer_init(loop, &ticker);
    uv_timer_start(&ticker, [](uv_timer_t*) {}, 5, 5);
    uv_update_time(loop);
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

// A line sink that drops every line: the supervisor tests need a hub, not
// its listeners.
struct NullLineSink final : logs::LineSink {
    void on_line(const logs::ChannelIdentity&, const LogRecord&) override {}
};

// The one place a supervisor test builds a LogHub: its log files go to
// `logs_dir`, and its lines go nowhere.
inline std::unique_ptr<logs::LogHub> make_log_hub(uv_loop_t* loop, const std::string& logs_dir) {
    static NullLineSink sink;
    return std::make_unique<logs::LogHub>(loop, logs_dir, logs::HubLimits{}, sink);
}

// A spec named `name` that runs pm_test_child with `steps`; `extra` adds or
// overrides start arguments (restart, kill_timeout, min_uptime, ...).
inline std::shared_ptr<const sup::ProcessSpec> child_spec(StringPool& pool, const std::string& name,
                                                          const std::vector<std::string>& steps,
                                                          json extra = json::object()) {
    json args{{"argv", json::array({PM_TEST_CHILD})}, {"kill_timeout", 2000}};
    for (const auto& s : steps) {
        args["argv"].push_back(s);
    }
    args.update(extra);
    auto spec = sup::spec_from_json(args, name, pool);
    REQUIRE_MESSAGE(spec.has_value(), (spec ? "" : spec.error().message));
    return std::make_shared<const sup::ProcessSpec>(std::move(*spec));
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
