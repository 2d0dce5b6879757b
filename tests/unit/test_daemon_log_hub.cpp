// Loop-level tests for LogHub on a real uv_loop_t, without spawning: output
// pipes are fed through pipe(2) pairs. A line reaches the sink, the ring and
// the file; EOF flushes the last partial line and retires the pipe; an idle
// partial line is flushed by the hub's tick; shutdown flushes and closes all.
#include "daemon/logs/log_hub.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loop_support.hpp"
#include "temp_dir.hpp"

using namespace pm;
using namespace pm::logs;

namespace {

struct RecordingSink final : LineSink {
    struct Got {
        ChannelIdentity who;
        LogRecord rec;
    };
    std::vector<Got> lines;
    void on_line(const ChannelIdentity& who, const LogRecord& rec) override { lines.push_back(Got{who, rec}); }
};

struct PipePair {
    int read = -1;
    int write = -1;
    PipePair() {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        read = fds[0];
        write = fds[1];
    }
    ~PipePair() { close_write(); }
    void close_write() {
        if (write >= 0) {
            ::close(write);
            write = -1;
        }
    }
    void put(std::string_view bytes) const { REQUIRE(::write(write, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())); }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_SUITE("daemon/log_hub") {

TEST_CASE("a line on an instance's pipe reaches the sink, the ring and the file, and EOF keeps the last words") {
    test::TempDir dir("pm-hub");
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        RecordingSink sink;
        LogHub hub(&loop, dir.path, HubLimits{}, sink);
        LogChannel& ch = hub.open_channel(ChannelIdentity{7, "web", 0}, 1, LogOptions{});
        auto pipes = hub.make_pipes(7);
        PipePair out;
        PipePair err;
        REQUIRE(uv_pipe_open(pipes.first->pipe(), out.read) == 0);
        REQUIRE(uv_pipe_open(pipes.second->pipe(), err.read) == 0);
        hub.start_pipes(pipes);
        CHECK(hub.pipe_count() == 2);

        out.put("hello\nunfinis");
        REQUIRE(test::run_until(&loop, [&] { return sink.lines.size() == 1; }, 3000));
        CHECK(sink.lines[0].who.name == "web");
        CHECK(sink.lines[0].who.id == 7);
        CHECK(sink.lines[0].rec.text == "hello");
        CHECK(sink.lines[0].rec.stream == LogStream::out);
        CHECK_FALSE(sink.lines[0].rec.partial);
        REQUIRE(ch.ring().records().size() == 1);
        CHECK(ch.ring().records().back().text == "hello");
        CHECK(slurp(dir / "web-out.log") == "hello\n");

        err.put("oops\n");
        REQUIRE(test::run_until(&loop, [&] { return sink.lines.size() == 2; }, 3000));
        CHECK(sink.lines[1].rec.stream == LogStream::err);
        CHECK(slurp(dir / "web-err.log") == "oops\n");

        out.close_write();  // the child exits mid-line
        REQUIRE(test::run_until(&loop, [&] { return sink.lines.size() == 3 && hub.pipe_count() == 1; }, 3000));
        CHECK(sink.lines[2].rec.text == "unfinis");
        CHECK(sink.lines[2].rec.partial);
        CHECK(slurp(dir / "web-out.log") == "hello\nunfinis\n");
        CHECK(hub.stats().lines == 3);
        CHECK(hub.stats().bytes == 18);

        err.close_write();
        REQUIRE(test::run_until(&loop, [&] { return hub.pipe_count() == 0; }, 3000));
    }
    test::drain_and_close(&loop);
}

TEST_CASE("a partial line left without a newline reaches the sink as partial after the idle time") {
    test::TempDir dir("pm-hub");
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        RecordingSink sink;
        LogHub hub(&loop, dir.path, HubLimits{20}, sink);
        LogChannel& ch = hub.open_channel(ChannelIdentity{1, "tick", 0}, 1, LogOptions{});
        ch.feed(LogStream::out, "waiting for input: ");
        CHECK(sink.lines.empty());
        REQUIRE(test::run_until(&loop, [&] { return !sink.lines.empty(); }, 3000));
        CHECK(sink.lines[0].rec.text == "waiting for input: ");
        CHECK(sink.lines[0].rec.partial);
        CHECK(ch.ring().records().size() == 1);
    }
    test::drain_and_close(&loop);
}

TEST_CASE("at shutdown close_all_pipes emits pending partial lines and closes every pipe") {
    test::TempDir dir("pm-hub");
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        RecordingSink sink;
        LogHub hub(&loop, dir.path, HubLimits{}, sink);
        LogChannel& ch = hub.open_channel(ChannelIdentity{1, "a", 0}, 1, LogOptions{});
        hub.open_channel(ChannelIdentity{2, "b", 0}, 1, LogOptions{});
        hub.make_pipes(1);
        hub.make_pipes(2);
        ch.feed(LogStream::err, "half");
        CHECK(hub.pipe_count() == 4);
        hub.close_all_pipes();
        CHECK(hub.pipe_count() == 0);
        REQUIRE(sink.lines.size() == 1);
        CHECK(sink.lines[0].who.name == "a");
        CHECK(sink.lines[0].rec.partial);
        CHECK(slurp(dir / "a-err.log") == "half\n");
    }
    test::drain_and_close(&loop);
}

}  // TEST_SUITE
