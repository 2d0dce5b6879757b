// Loop-level tests for Connection's bounded queues on a real uv_loop_t, over
// a socket pair: stream lines past the stream limit are refused (`full`),
// replies keep their order after batched stream lines, and a client that
// never reads is disconnected once its reply queue passes the limit.
#include "daemon/ipc/connection.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "loop_support.hpp"

using namespace pm;
using namespace pm::ipc;

namespace {

struct PipeClient {
    uv_loop_t* loop;
    test::SocketPair sp;
    bool closed = false;
    std::unique_ptr<Connection> conn;

    PipeClient(uv_loop_t* l, ConnectionLimits limits) : loop(l) {
        conn = std::make_unique<Connection>(7, limits, [](Connection&, std::string_view) {},
                                            [this](Connection&) { closed = true; });
        REQUIRE(uv_pipe_init(loop, conn->pipe(), 0) == 0);
        REQUIRE(uv_pipe_open(conn->pipe(), sp.ours) == 0);
    }
    ~PipeClient() {
        conn->close();
        test::run_until(loop, [this] { return closed; }, 1000);
    }
};

}  // namespace

TEST_SUITE("daemon/connection") {

TEST_CASE("stream lines past the stream queue limit are refused as full until the batch is written") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        ConnectionLimits limits;
        limits.max_stream_queued = 100;
        PipeClient c(&loop, limits);
        std::string line(39, 'x');
        line += '\n';
        CHECK(c.conn->send_stream(line) == StreamSend::sent);
        CHECK(c.conn->send_stream(line) == StreamSend::sent);
        CHECK(c.conn->send_stream(line) == StreamSend::full);
        CHECK(c.conn->queued_bytes() == 80);
        c.conn->flush_stream();
        CHECK(c.sp.read_available() == line + line);
        CHECK(c.conn->send_stream(line) == StreamSend::sent);
        c.conn->close();
        CHECK(c.conn->send_stream(line) == StreamSend::gone);
    }
    test::drain_and_close(&loop);
}

TEST_CASE("a reply is written after the stream lines batched before it") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        PipeClient c(&loop, ConnectionLimits{});
        c.conn->set_streaming();
        REQUIRE(c.conn->send_stream("{\"event\":\"log\"}\n") == StreamSend::sent);
        c.conn->send(json{{"ok", true}});
        CHECK(c.sp.read_available() == "{\"event\":\"log\"}\n{\"ok\":true}\n");
    }
    test::drain_and_close(&loop);
}

TEST_CASE("a client that never reads its replies is disconnected once its queue passes the limit") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        ConnectionLimits limits;
        limits.max_queued = 64 * 1024;
        PipeClient c(&loop, limits);
        int small = 4096;
        ::setsockopt(c.sp.ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::setsockopt(c.sp.peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        std::string reply(4000, 'r');
        int sent = 0;
        while (!c.conn->closing() && sent < 10000) {
            c.conn->send_line(reply + "\n");
            ++sent;
        }
        CHECK(c.conn->closing());
        CHECK(sent > 16);  // the socket took some, the queue the limit's worth
        REQUIRE(test::run_until(&loop, [&] { return c.closed; }, 1000));
    }
    test::drain_and_close(&loop);
}

}  // TEST_SUITE
