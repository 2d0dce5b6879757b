// Loop-level tests for the Dispatcher on a real uv_loop_t: the real
// components behind Services, a Connection over a socket pair, and a test
// command table (the seam) with a handler that throws. Invalid JSON, unknown
// commands and argument keys, the catch-all, the streaming flag, and the
// shutdown flag.
#include "daemon/ipc/dispatch.hpp"

#include <doctest/doctest.h>

#include <array>
#include <memory>

#include "daemon_world.hpp"
#include "loop_support.hpp"

using namespace pm;
using namespace pm::ipc;

namespace {

Result<json> pong(CommandContext&, const json&) { return json{{"pong", true}}; }
Result<json> missing(CommandContext&, const json&) { return fail(ErrorCode::not_found, "nothing here"); }
// A handler bug: .at() on a key that is not there throws json::out_of_range.
Result<json> boom(CommandContext&, const json& args) { return json{{"n", args.at("n").get<int>()}}; }

constexpr std::string_view k_n_args[] = {"n"};
constexpr std::array k_test_table{
    CommandSpec{"boom", boom, flag_none, {}, "throws"},
    CommandSpec{"change", pong, flag_mutating, {}, "a mutating command"},
    CommandSpec{"missing", missing, flag_none, {}, "fails"},
    CommandSpec{"ping", pong, flag_none, k_n_args, "answers"},
    CommandSpec{"stop-all", pong, flag_mutating | flag_during_shutdown, {}, "like kill"},
    CommandSpec{"stream", pong, flag_streaming, {}, "a stream"},
};

// The daemon's components on one loop with the test table's Dispatcher, and
// one client connection whose replies the test reads from `peer`.
struct World : test::DaemonWorld {
    Dispatcher dispatcher{svc, dispatch_stats, k_test_table};
    test::SocketPair sp;
    bool closed = false;
    Connection conn{1, ConnectionLimits{}, [](Connection&, std::string_view) {}, [this](Connection&) { closed = true; }};

    explicit World(uv_loop_t* l) : DaemonWorld(l, {.dir_prefix = "pm-dispatch", .commands = k_test_table.size()}) {
        REQUIRE(uv_pipe_init(loop, conn.pipe(), 0) == 0);
        REQUIRE(uv_pipe_open(conn.pipe(), sp.ours) == 0);
    }
    ~World() {
        conn.close();
        uv_run(loop, UV_RUN_NOWAIT);  // the connection's close callback, before it is freed
    }

    // Dispatches one request line and returns the one reply it produced.
    json request(std::string_view line) {
        dispatcher.handle_line(conn, line);
        auto replies = sp.read_messages();
        REQUIRE(replies.size() == 1);
        return replies[0];
    }
    bool streaming() const { return !conn.idle_expired(1u << 30, 1); }
};

std::string code_of(const json& reply) { return reply["error"]["code"].get<std::string>(); }

}  // namespace

TEST_SUITE("daemon/dispatch") {

TEST_CASE("invalid JSON, an unknown command and an unknown argument key each get an error reply") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        World w(&loop);
        json r = w.request("{not json");
        CHECK(r["id"].is_null());
        CHECK(r["ok"] == false);
        CHECK(code_of(r) == "invalid_json");

        r = w.request(R"({"id":4,"cmd":"nope"})");
        CHECK(r["id"] == 4);
        CHECK(code_of(r) == "unknown_command");
        CHECK(r["error"]["message"] == "unknown command 'nope'");

        r = w.request(R"({"id":5,"cmd":"ping","args":{"n":1,"x":2}})");
        CHECK(code_of(r) == "bad_args");
        CHECK(r["error"]["message"] == "'ping' does not take an argument 'x'");

        r = w.request(R"({"id":6,"cmd":"missing"})");
        CHECK(code_of(r) == "not_found");

        r = w.request(R"({"id":"s","cmd":"ping","args":{"n":1}})");
        CHECK(r == json::parse(R"({"id":"s","ok":true,"result":{"pong":true}})"));
        CHECK(w.dispatch_stats.requests == 5);
        CHECK(w.dispatch_stats.errors == 4);
        CHECK(w.dispatch_stats.per_command[3] == 2);  // ping, counted even when its args were refused
        CHECK(w.dispatch_stats.latency[3].count() == 1);
    }
    test::drain_and_close(&loop);
}

TEST_CASE("a handler that throws gets an internal error reply and the next request is still served") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        World w(&loop);
        json r = w.request(R"({"id":1,"cmd":"boom"})");
        CHECK(r["id"] == 1);
        CHECK(code_of(r) == "internal");
        CHECK(r["error"]["message"] == "internal error; see pmd.log");
        CHECK(w.dispatch_stats.internal_errors == 1);
        r = w.request(R"({"id":2,"cmd":"ping"})");
        CHECK(r["ok"] == true);
        CHECK_FALSE(w.conn.closing());
    }
    test::drain_and_close(&loop);
}

TEST_CASE("a command flagged streaming puts its connection in streaming mode, and only such a command") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        World w(&loop);
        w.request(R"({"id":1,"cmd":"ping"})");
        CHECK_FALSE(w.streaming());
        w.request(R"({"id":2,"cmd":"stream"})");
        CHECK(w.streaming());
    }
    test::drain_and_close(&loop);
}

TEST_CASE("once shutdown has begun mutating commands are busy unless flagged to run during shutdown") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        World w(&loop);
        CHECK(w.request(R"({"id":1,"cmd":"change"})")["ok"] == true);
        w.svc.shutting_down = true;
        json r = w.request(R"({"id":2,"cmd":"change"})");
        CHECK(code_of(r) == "busy");
        CHECK(r["error"]["message"] == "pmd is shutting down");
        CHECK(w.request(R"({"id":3,"cmd":"stop-all"})")["ok"] == true);
        CHECK(w.request(R"({"id":4,"cmd":"ping"})")["ok"] == true);
    }
    test::drain_and_close(&loop);
}

TEST_CASE("in the real table only kill runs during shutdown, and only logs and monitor stream") {
    for (const auto& c : command_table()) {
        CAPTURE(c.name);
        CHECK(((c.flags & flag_during_shutdown) != 0) == (c.name == "kill"));
        CHECK(((c.flags & flag_streaming) != 0) == (c.name == "logs" || c.name == "monitor"));
    }
}

}  // TEST_SUITE
