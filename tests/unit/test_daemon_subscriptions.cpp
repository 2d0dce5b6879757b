// Unit tests for ipc::Subscriptions, the one stream registry: which followers
// a line reaches, the missed count and gap record of a subscriber whose
// queue is full, cancel, disconnect, the limits, and stats frames. A fake
// sink scripts each client's send result; the last case drives a real
// Connection on a real loop.
#include "daemon/ipc/subscriptions.hpp"

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/ipc/connection.hpp"
#include "daemon/ipc/socket_sink.hpp"
#include "daemon/ipc/stream_events.hpp"
#include "loop_support.hpp"

using namespace pm;
using namespace pm::ipc;

namespace {

// Records what each client was sent; a client's next results are scripted
// (default: sent). Encodes as the socket does, and counts encodings.
struct FakeSink final : StreamSink {
    std::map<std::uint64_t, std::vector<json>> got;
    std::map<std::uint64_t, StreamSend> result;
    mutable int encodes = 0;

    std::string encode(const json& request_id, std::string_view event, json data) const override {
        ++encodes;
        return to_line(make_event(request_id, event, std::move(data)));
    }
    StreamSend send(std::uint64_t client, std::string_view bytes) override {
        StreamSend r = result.count(client) != 0 ? result[client] : StreamSend::sent;
        if (r == StreamSend::sent) {
            got[client].push_back(json::parse(bytes));
        }
        return r;
    }
};

Selector sel(std::string_view text) { return *parse_selector(text); }

Subscription follow(FakeSink& sink, std::uint64_t client, json id, LogFilter filter = {}) {
    return Subscription{&sink, client, std::move(id), StreamKind::log, std::move(filter)};
}

Subscription monitor(StreamSink& sink, std::uint64_t client, json id) {
    return Subscription{&sink, client, std::move(id), StreamKind::stats, {}};
}

const logs::ChannelIdentity k_web0{7, "web", 0};
const logs::ChannelIdentity k_web1{8, "web", 1};
const logs::ChannelIdentity k_api0{9, "api", 0};

LogRecord line(std::uint64_t seq, std::string text, LogStream s = LogStream::out) {
    return LogRecord{seq, 1000 + static_cast<std::int64_t>(seq), s, false, std::move(text)};
}

}  // namespace

TEST_SUITE("daemon/subscriptions") {

TEST_CASE("a log line reaches exactly the followers whose selector and streams admit it") {
    FakeSink sink;
    Subscriptions subs({});
    REQUIRE(subs.subscribe(follow(sink, 1, 1)));
    REQUIRE(subs.subscribe(follow(sink, 2, 1, LogFilter{sel("web"), true, true, false})));
    REQUIRE(subs.subscribe(follow(sink, 3, 1, LogFilter{sel("web:1"), true, true, false})));
    REQUIRE(subs.subscribe(follow(sink, 4, 1, LogFilter{sel("9"), true, true, false})));
    REQUIRE(subs.subscribe(follow(sink, 5, 1, LogFilter{sel("all"), false, true, false})));

    subs.on_line(k_web0, line(1, "hello"));
    CHECK(sink.got[1].size() == 1);
    CHECK(sink.got[2].size() == 1);
    CHECK(sink.got[3].empty());  // web:1 only
    CHECK(sink.got[4].empty());  // id 9 only
    CHECK(sink.got[5].empty());  // stderr only

    subs.on_line(k_api0, line(1, "oops", LogStream::err));
    CHECK(sink.got[1].size() == 2);
    CHECK(sink.got[4].size() == 1);
    CHECK(sink.got[5].size() == 1);
    CHECK(sink.got[2].size() == 1);

    const json& ev = sink.got[1][0];
    CHECK(ev == json::parse(R"({"id":1,"event":"log","data":{"id":7,"name":"web","index":0,)"
                            R"("stream":"out","seq":1,"ts":1001,"line":"hello"}})"));
    CHECK(subs.stats().follower_lines_sent == 5);
}

TEST_CASE("a line is encoded once per distinct request id and encoding, whatever the follower count") {
    FakeSink sink;
    Subscriptions subs({});
    for (std::uint64_t c = 1; c <= 5; ++c) {
        REQUIRE(subs.subscribe(follow(sink, c, 1)));
    }
    REQUIRE(subs.subscribe(follow(sink, 6, 1, LogFilter{{}, true, true, true})));
    subs.on_line(k_web0, line(1, "x"));
    CHECK(sink.encodes == 2);
    CHECK(sink.got[6][0]["data"]["data_b64"] == "eA==");
}

TEST_CASE("a follower whose queue is full misses lines, then gets one gap record with their count before the next line") {
    FakeSink sink;
    Subscriptions subs({});
    REQUIRE(subs.subscribe(follow(sink, 1, "f")));
    REQUIRE(subs.subscribe(follow(sink, 2, "g")));

    SUBCASE("room again at the next line: the gap record is retried at once") {
        sink.result[1] = StreamSend::full;
        subs.on_line(k_web0, line(1, "lost"));
        sink.result[1] = StreamSend::sent;
        subs.on_line(k_web0, line(2, "next"));
        REQUIRE(sink.got[1].size() == 2);
        CHECK(sink.got[1][0] == make_event("f", "gap", json{{"missed", 1}}));
        CHECK(sink.got[1][1]["data"]["line"] == "next");
        CHECK(sink.got[2].size() == 2);  // the other follower lost nothing
        CHECK(subs.stats().follower_lines_missed == 1);
    }
    SUBCASE("still stalled: the gap record is retried once per 64 missed lines, nothing else is tried") {
        sink.result[1] = StreamSend::full;
        subs.on_line(k_web0, line(1, "a"));  // missed 1
        subs.on_line(k_web0, line(2, "b"));  // gap retried, fails: missed 2
        subs.on_line(k_web0, line(3, "c"));  // missed 3
        sink.result[1] = StreamSend::sent;   // drained, but no retry before missed 65
        for (std::uint64_t seq = 4; seq <= 65; ++seq) {
            subs.on_line(k_web0, line(seq, "d"));
        }
        CHECK(sink.got[1].empty());
        subs.on_line(k_web0, line(66, "back"));
        REQUIRE(sink.got[1].size() == 2);
        CHECK(sink.got[1][0] == make_event("f", "gap", json{{"missed", 65}}));
        CHECK(sink.got[1][1]["data"]["seq"] == 66);
        CHECK(subs.stats().follower_lines_missed == 65);
        CHECK(sink.got[2].size() == 66);
    }
}

TEST_CASE("a subscriber whose client is gone is removed at its next event") {
    FakeSink sink;
    Subscriptions subs({});
    REQUIRE(subs.subscribe(follow(sink, 1, 1)));
    REQUIRE(subs.subscribe(follow(sink, 2, 1)));
    REQUIRE(subs.subscribe(monitor(sink, 1, 2)));
    sink.result[1] = StreamSend::gone;
    subs.on_line(k_web0, line(1, "x"));
    CHECK(subs.count(StreamKind::log) == 1);
    CHECK(sink.got[2].size() == 1);
    subs.publish_stats([] { return json{{"processes", json::array()}}; });
    CHECK(subs.count(StreamKind::stats) == 0);
}

TEST_CASE("cancel ends only the named stream of that client, of either kind") {
    FakeSink sink;
    FakeSink other;
    Subscriptions subs({});
    REQUIRE(subs.subscribe(follow(sink, 1, 5)));
    REQUIRE(subs.subscribe(follow(sink, 1, 6)));
    REQUIRE(subs.subscribe(follow(sink, 2, 5)));
    REQUIRE(subs.subscribe(follow(other, 1, 5)));
    REQUIRE(subs.subscribe(monitor(sink, 1, "m")));

    CHECK(subs.cancel(sink, 1, 5));
    CHECK_FALSE(subs.cancel(sink, 1, 5));
    CHECK_FALSE(subs.cancel(sink, 3, 6));
    CHECK(subs.cancel(sink, 1, "m"));
    CHECK(subs.count(StreamKind::stats) == 0);
    subs.on_line(k_web0, line(1, "x"));
    CHECK(sink.got[1].size() == 1);  // request 6 only
    CHECK(sink.got[1][0]["id"] == 6);
    CHECK(sink.got[2].size() == 1);
    CHECK(other.got[1].size() == 1);  // another sink's client 1 is another client
}

TEST_CASE("a disconnect ends every stream of that client, and a gone sink every stream of its clients") {
    FakeSink sink;
    FakeSink other;
    Subscriptions subs({});
    REQUIRE(subs.subscribe(follow(sink, 1, 5)));
    REQUIRE(subs.subscribe(monitor(sink, 1, 6)));
    REQUIRE(subs.subscribe(follow(sink, 2, 5)));
    REQUIRE(subs.subscribe(follow(other, 1, 5)));
    subs.drop_client(sink, 1);
    CHECK(subs.count(StreamKind::log) == 2);
    CHECK(subs.count(StreamKind::stats) == 0);
    subs.drop_sink(sink);
    CHECK(subs.count(StreamKind::log) == 1);
    subs.on_line(k_web1, line(1, "x"));
    CHECK(other.got[1].size() == 1);
    CHECK(sink.got.empty());
}

TEST_CASE("past the follower or monitor limit a subscription is refused with limit_reached") {
    FakeSink sink;
    Subscriptions subs(SubscriptionLimits{2, 1});
    REQUIRE(subs.subscribe(follow(sink, 1, 1)));
    REQUIRE(subs.subscribe(follow(sink, 2, 1)));
    auto refused = subs.subscribe(follow(sink, 3, 1));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::limit_reached);
    CHECK(refused.error().message == "too many followers (limit 2)");
    REQUIRE(subs.subscribe(monitor(sink, 1, 2)));  // a separate limit
    auto no_monitor = subs.subscribe(monitor(sink, 2, 2));
    REQUIRE_FALSE(no_monitor);
    CHECK(no_monitor.error().message == "too many monitors (limit 1)");
    subs.drop_client(sink, 1);
    CHECK(subs.subscribe(follow(sink, 3, 1)));  // room again
}

TEST_CASE("a stats frame is built only for subscribers, and a full queue skips it without a gap") {
    FakeSink sink;
    Subscriptions subs({});
    int built = 0;
    auto frame = [&] {
        ++built;
        return json{{"ts", built}};
    };
    REQUIRE(subs.subscribe(follow(sink, 1, 1)));
    subs.publish_stats(frame);
    CHECK(built == 0);

    REQUIRE(subs.subscribe(monitor(sink, 1, "m")));
    REQUIRE(subs.subscribe(monitor(sink, 2, "n")));
    sink.result[2] = StreamSend::full;
    subs.publish_stats(frame);
    sink.result[2] = StreamSend::sent;
    subs.publish_stats(frame);
    CHECK(built == 2);
    REQUIRE(sink.got[1].size() == 2);
    CHECK(sink.got[1][0] == make_event("m", "stats", json{{"ts", 1}}));
    REQUIRE(sink.got[2].size() == 1);
    CHECK(sink.got[2][0] == make_event("n", "stats", json{{"ts", 2}}));
}

TEST_CASE("a follower on a real connection that stops reading misses lines and gets a gap once its queue drains") {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        test::SocketPair sp;
        bool closed = false;
        ConnectionLimits limits;
        limits.max_stream_queued = 300;  // a few lines
        auto conn = std::make_unique<Connection>(1, limits, [](Connection&, std::string_view) {},
                                                 [&](Connection&) { closed = true; });
        REQUIRE(uv_pipe_init(&loop, conn->pipe(), 0) == 0);
        REQUIRE(uv_pipe_open(conn->pipe(), sp.ours) == 0);

        struct OneConnection final : StreamSink {
            Connection* c = nullptr;
            std::string encode(const json& id, std::string_view ev, json data) const override {
                return to_line(make_event(id, ev, std::move(data)));
            }
            StreamSend send(std::uint64_t, std::string_view bytes) override { return c->send_stream(bytes); }
        };
        OneConnection sink;
        sink.c = conn.get();
        Subscriptions subs({});
        REQUIRE(subs.subscribe(Subscription{&sink, 1, 3, StreamKind::log, {}}));
        std::uint64_t seq = 0;
        while (subs.stats().follower_lines_missed == 0 && seq < 100) {
            subs.on_line(k_web0, line(++seq, "a line of some length"));
        }
        REQUIRE(subs.stats().follower_lines_missed == 1);
        CHECK(seq > 1);                        // some fitted before the queue was full
        conn->flush_stream();  // the server's check handle does this once per iteration
        auto first = sp.read_messages();
        CHECK(first.size() == seq - 1);
        subs.on_line(k_web0, line(++seq, "after"));
        conn->flush_stream();
        auto second = sp.read_messages();
        REQUIRE(second.size() == 2);
        CHECK(second[0] == make_event(3, "gap", json{{"missed", 1}}));
        CHECK(second[1]["data"]["seq"] == seq);

        conn->close();
        test::run_until(&loop, [&] { return closed; }, 1000);
        CHECK(closed);
        CHECK(sink.send(1, "late\n") == StreamSend::gone);  // nothing is queued on a closing connection
    }
    test::drain_and_close(&loop);
}

TEST_CASE("a sink with its own cap neither counts against nor is held by the shared follower limit") {
    FakeSink socket;
    FakeSink web;
    Subscriptions subs(SubscriptionLimits{1, 1});
    subs.set_sink_limit(web, 2);
    REQUIRE(subs.subscribe(follow(web, 1, nullptr)));
    REQUIRE(subs.subscribe(follow(web, 2, nullptr)));
    auto over = subs.subscribe(follow(web, 3, nullptr));
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error().code == ErrorCode::limit_reached);
    REQUIRE(subs.subscribe(follow(socket, 1, 1)));  // the shared cap is still free
    CHECK_FALSE(subs.subscribe(follow(socket, 2, 1)).has_value());
    CHECK(subs.count(StreamKind::log) == 3);
    subs.drop_client(web, 1);
    CHECK(subs.subscribe(follow(web, 3, nullptr)));
    CHECK_FALSE(subs.subscribe(follow(socket, 2, 1)).has_value());
}

TEST_CASE("a client its sink caught up owes no gap record and gets the next line at once") {
    FakeSink sink;
    Subscriptions subs({});
    REQUIRE(subs.subscribe(follow(sink, 1, "f")));
    sink.result[1] = StreamSend::full;
    subs.on_line(k_web0, line(1, "a"));
    subs.on_line(k_web0, line(2, "b"));
    sink.result[1] = StreamSend::sent;
    subs.caught_up(sink, 1);
    subs.on_line(k_web0, line(3, "c"));
    REQUIRE(sink.got[1].size() == 1);
    CHECK(sink.got[1][0]["event"] == "log");
    CHECK(sink.got[1][0]["data"]["seq"] == 3);
}

}  // TEST_SUITE
