// Loop-level tests of the SSE hub on a real uv_loop_t with the daemon's real
// components (ProcessTable, LogHub, Subscriptions): framing, hello and state
// events, log lines of the selected processes, resume with Last-Event-ID,
// coalesced stats for a full client, stalled clients, the client cap and
// hostile ids. Connections are fake SseTransports that record bytes and can
// be made full or gone.
#include "daemon/http/sse_hub.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/ipc/views.hpp"
#include "daemon_world.hpp"
#include "loop_support.hpp"

using namespace pm;
using namespace pm::http;

namespace {

// One connection as the server would hand it over: records what the hub
// queues; `mode` scripts the next writes (full queues nothing).
struct FakeTransport final : SseTransport {
    std::uint64_t m_id;
    std::string bytes;
    bool started = false;
    bool closed = false;
    ipc::StreamSend mode = ipc::StreamSend::sent;
    std::size_t queued = 0;

    explicit FakeTransport(std::uint64_t id) : m_id(id) {}
    std::uint64_t id() const override { return m_id; }
    void start() override { started = true; }
    ipc::StreamSend write(std::string_view b) override {
        if (closed) {
            return ipc::StreamSend::gone;
        }
        if (mode == ipc::StreamSend::sent) {
            bytes += b;
        }
        return mode;
    }
    std::size_t queued_bytes() const override { return queued; }
    void close() override { closed = true; }
};

struct Event {
    std::string event;
    std::string id;
    json data;
};

// The events in an SSE byte stream (comments and retry lines skipped).
std::vector<Event> events_of(const std::string& bytes) {
    std::vector<Event> out;
    std::size_t start = 0;
    for (std::size_t end = bytes.find("\n\n"); end != std::string::npos; end = bytes.find("\n\n", start)) {
        std::string block = bytes.substr(start, end - start);
        start = end + 2;
        Event e;
        std::size_t ls = 0;
        while (ls <= block.size()) {
            std::size_t le = block.find('\n', ls);
            std::string line = block.substr(ls, le == std::string::npos ? std::string::npos : le - ls);
            if (line.starts_with("event: ")) {
                e.event = line.substr(7);
            } else if (line.starts_with("id: ")) {
                e.id = line.substr(4);
            } else if (line.starts_with("data: ")) {
                e.data = json::parse(line.substr(6));
            }
            if (le == std::string::npos) {
                break;
            }
            ls = le + 1;
        }
        if (!e.event.empty()) {
            out.push_back(std::move(e));
        }
    }
    return out;
}

std::vector<Event> of_kind(const std::vector<Event>& all, std::string_view kind) {
    std::vector<Event> out;
    for (const auto& e : all) {
        if (e.event == kind) {
            out.push_back(e);
        }
    }
    return out;
}

// The seqs of the log events of one instance, and lines reported missed.
std::vector<std::uint64_t> seqs_of(const std::vector<Event>& all, std::uint64_t id, std::uint64_t* missed = nullptr) {
    std::vector<std::uint64_t> out;
    for (const auto& e : all) {
        if (e.event == "log" && e.data["id"] == id) {
            out.push_back(e.data["seq"].get<std::uint64_t>());
        } else if (e.event == "gap" && e.data["id"] == id && missed != nullptr) {
            *missed += e.data["missed"].get<std::uint64_t>();
        }
    }
    return out;
}

SseRequest events_request(std::map<std::string, std::string> query, std::string last_id = {}) {
    return SseRequest{SseRequest::Kind::events, {}, std::move(query), std::move(last_id)};
}

// The daemon's components on one loop and an SseHub over them.
struct World : test::DaemonWorld {
    HttpStats stats;
    std::vector<std::unique_ptr<FakeTransport>> conns;  // outlive the hub, as the server's do
    SseHub sse;

    // The socket's follower caps are 1 here; SSE has its own.
    World(uv_loop_t* l, SseLimits limits = {})
        : DaemonWorld(l, {.dir_prefix = "pm-sse", .streams = ipc::SubscriptionLimits{1, 1}, .commands = 1}),
          sse(l, svc, stats, limits) {}
    ~World() { sse.close_all(); }

    FakeTransport& conn(std::uint64_t id) { return *conns.emplace_back(std::make_unique<FakeTransport>(id)); }

    std::vector<std::uint64_t> add(const std::string& name, int instances = 1) {
        auto app = table.add_app(test::child_spec(pool, name, {"sleep"}, {{"instances", instances}}));
        REQUIRE(app.has_value());
        std::vector<std::uint64_t> ids;
        for (auto& inst : (*app)->instances) {
            ids.push_back(inst->id());
        }
        return ids;
    }
    void say(std::uint64_t id, const std::string& text) { hub.channel(id)->feed(LogStream::out, text + "\n"); }
};

}  // namespace

TEST_SUITE("daemon/http") {

TEST_CASE("resume ids round-trip and hostile ones are refused cheaply") {
    std::string id;
    append_resume_id(id, 17, {{3, 120}, {7, 55}});
    CHECK(id == "17:3.120,7.55");
    auto back = parse_resume_id(id);
    REQUIRE(back.has_value());
    CHECK(back->epoch == 17);
    CHECK(back->positions == std::vector<LogPosition>{{3, 120}, {7, 55}});
    CHECK(parse_resume_id("0:")->positions.empty());
    for (std::string bad : {"", "x", "1", "1:3", "1:3.", "1:.4", "1:3.4,", "1:3.4,,5.6", "1:-3.4", "1:3.4x",
                            "1:99999999999999999999999.1"}) {
        CAPTURE(bad);
        auto r = parse_resume_id(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ErrorCode::bad_args);
    }
    std::string many = "1:";
    for (int i = 0; i < 33; ++i) {
        many += fmt::format("{}{}.1", i == 0 ? "" : ",", i);
    }
    CHECK_FALSE(parse_resume_id(many).has_value());
    CHECK_FALSE(parse_resume_id(std::string(1 << 20, '1')).has_value());
}

TEST_CASE("an events stream starts with retry and a hello holding the list, every event with an id") {
    test::Loop l;
    World w(l.get(), SseLimits{.ping_ms = 30});
    w.add("web", 2);
    FakeTransport& t = w.conn(1);
    REQUIRE(w.sse.open(t, events_request({})));
    CHECK(t.started);
    CHECK(t.bytes.starts_with("retry: 2000\n\n"));
    auto evs = events_of(t.bytes);
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].event == "hello");
    CHECK_FALSE(evs[0].id.empty());
    json list = ipc::process_list_json(w.svc);
    REQUIRE(evs[0].data["processes"].size() == 2);
    for (std::size_t k = 0; k < 2; ++k) {
        CHECK(evs[0].data["processes"][k]["id"] == list["processes"][k]["id"]);
        CHECK(evs[0].data["processes"][k]["state"] == list["processes"][k]["state"]);
        CHECK_FALSE(evs[0].data["processes"][k].contains("env"));
    }
    CHECK(w.sse.client_count() == 1);
    CHECK(w.stats.sse_clients == 1);
    // The heartbeat comment, from the hub's own timer.
    CHECK(test::run_until(l.get(), [&] { return t.bytes.find("\n: ping\n\n") != std::string::npos; }, 2000));
}

TEST_CASE("a change to the table is one state event per changed process, a deletion a removed record") {
    test::Loop l;
    World w(l.get());
    auto web = w.add("web");
    FakeTransport& t = w.conn(1);
    REQUIRE(w.sse.open(t, events_request({})));
    auto api = w.add("api", 2);
    w.sse.on_table_change();
    w.sse.on_table_change();  // coalesced with the first
    CHECK(test::run_until(l.get(), [&] { return of_kind(events_of(t.bytes), "state").size() >= 2; }, 2000));
    uv_run(l.get(), UV_RUN_NOWAIT);
    auto states = of_kind(events_of(t.bytes), "state");
    REQUIRE(states.size() == 2);
    CHECK(states[0].data["id"] == api[0]);
    CHECK(states[1].data["id"] == api[1]);
    CHECK(states[0].data["name"] == "api");
    CHECK(states[0].data.contains("restarts"));

    w.table.remove(web);
    w.sse.on_table_change();
    CHECK(test::run_until(l.get(), [&] { return of_kind(events_of(t.bytes), "state").size() == 3; }, 2000));
    auto removed = of_kind(events_of(t.bytes), "state")[2].data;
    CHECK(removed == json{{"id", web[0]}, {"removed", true}});
}

TEST_CASE("log events carry the lines of the selected processes only") {
    test::Loop l;
    World w(l.get());
    auto web = w.add("web", 2);
    auto api = w.add("api");
    FakeTransport& t = w.conn(1);
    REQUIRE(w.sse.open(t, events_request({{"logs", "web:1,api"}})));
    w.say(web[0], "not me");
    w.say(web[1], "hello from web:1");
    w.say(api[0], "hello from api");
    auto logs = of_kind(events_of(t.bytes), "log");
    REQUIRE(logs.size() == 2);
    CHECK(logs[0].data["id"] == web[1]);
    CHECK(logs[0].data["name"] == "web");
    CHECK(logs[0].data["stream"] == "out");
    CHECK(logs[0].data["seq"] == 1);
    CHECK(logs[0].data["line"] == "hello from web:1");
    CHECK(logs[0].data["ts"].is_number());
    CHECK(logs[1].data["line"] == "hello from api");
    CHECK(logs[0].id != logs[1].id);
    CHECK(w.stats.sse_events_sent == 3);  // hello and two lines

    SUBCASE("a logs stream follows one selector and has no hello") {
        FakeTransport& one = w.conn(2);
        REQUIRE(w.sse.open(one, SseRequest{SseRequest::Kind::logs, "api", {}, {}}));
        w.say(web[1], "x");
        w.say(api[0], "y");
        auto evs = events_of(one.bytes);
        REQUIRE(evs.size() == 1);
        CHECK(evs[0].event == "log");
        CHECK(evs[0].data["line"] == "y");
    }
    SUBCASE("a logs stream of a selector that names nothing, or a bad query, is refused") {
        FakeTransport& one = w.conn(2);
        auto r = w.sse.open(one, SseRequest{SseRequest::Kind::logs, "nope", {}, {}});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ErrorCode::not_found);
        r = w.sse.open(one, events_request({{"logs", "web,"}}));
        CHECK(r.error().code == ErrorCode::bad_args);
        r = w.sse.open(one, events_request({{"stats", "yes"}}));
        CHECK(r.error().code == ErrorCode::bad_args);
        CHECK_FALSE(one.started);
        CHECK(w.sse.client_count() == 1);
    }
}

TEST_CASE("a reconnect with Last-Event-ID gets every line exactly once, or a gap for what the ring lost") {
    test::Loop l;
    World w(l.get());
    auto web = w.add("web");
    auto api = w.add("api");
    FakeTransport& a = w.conn(1);
    REQUIRE(w.sse.open(a, events_request({{"logs", "all"}})));
    w.say(web[0], "w1");
    w.say(api[0], "a1");
    w.say(web[0], "w2");
    std::string last = events_of(a.bytes).back().id;
    w.sse.closed(1);
    w.say(web[0], "w3");
    w.say(api[0], "a2");
    w.say(web[0], "w4");

    SUBCASE("the ring still holds the lines") {
        FakeTransport& b = w.conn(2);
        REQUIRE(w.sse.open(b, events_request({{"logs", "all"}}, last)));
        auto evs = events_of(b.bytes);
        CHECK(evs[0].event == "hello");
        CHECK(of_kind(evs, "gap").empty());
        CHECK(seqs_of(evs, web[0]) == std::vector<std::uint64_t>{3, 4});
        CHECK(seqs_of(evs, api[0]) == std::vector<std::uint64_t>{2});
        // Live lines follow, without a duplicate.
        w.say(web[0], "w5");
        CHECK(seqs_of(events_of(b.bytes), web[0]) == std::vector<std::uint64_t>{3, 4, 5});
    }
    SUBCASE("the ring lost some of them") {
        logs::LogChannel* ch = w.hub.channel(web[0]);
        for (int i = 0; i < 200; ++i) {
            w.say(web[0], fmt::format("filler {}", i));
        }
        ch->set_ring_capacity(20 * (LogRing::k_record_overhead + 12));  // keeps about 20 lines
        std::uint64_t first_kept = ch->ring().records().front().seq;
        FakeTransport& b = w.conn(2);
        REQUIRE(w.sse.open(b, events_request({{"logs", "all"}}, last)));
        std::uint64_t missed = 0;
        auto seqs = seqs_of(events_of(b.bytes), web[0], &missed);
        CHECK(missed == first_kept - 3);  // 3 .. first_kept-1
        REQUIRE_FALSE(seqs.empty());
        CHECK(seqs.front() == first_kept);
        CHECK(seqs.back() == 204);
        CHECK(seqs.size() == 204 - first_kept + 1);
        auto gap = of_kind(events_of(b.bytes), "gap");
        REQUIRE(gap.size() == 1);
        CHECK(gap[0].data == json{{"id", web[0]}, {"name", "web"}, {"missed", missed}});
        CHECK(w.stats.sse_log_lines_missed == missed);
    }
    SUBCASE("an id from another pmd replays today's rings") {
        FakeTransport& b = w.conn(2);
        REQUIRE(w.sse.open(b, events_request({{"logs", "web"}}, "99:1.2")));
        CHECK(seqs_of(events_of(b.bytes), web[0]) == std::vector<std::uint64_t>{1, 2, 3, 4});
    }
}

TEST_CASE("a hostile Last-Event-ID is refused before anything is sent") {
    test::Loop l;
    World w(l.get());
    w.add("web");
    FakeTransport& t = w.conn(1);
    for (std::string bad : {std::string(1 << 20, '9'), std::string("0:1.2,zz"), std::string("abc")}) {
        auto r = w.sse.open(t, events_request({{"logs", "all"}}, bad));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ErrorCode::bad_args);
    }
    CHECK_FALSE(t.started);
    CHECK(t.bytes.empty());
    CHECK(w.sse.client_count() == 0);
    CHECK(w.streams.count(ipc::StreamKind::log) == 0);
}

TEST_CASE("a full client later gets its lines from the ring and only the newest stats frame") {
    test::Loop l;
    World w(l.get(), SseLimits{.queue_bytes = 1000, .stall_close_ms = 60000, .ping_ms = 60000});
    auto web = w.add("web");
    FakeTransport& t = w.conn(1);
    REQUIRE(w.sse.open(t, events_request({{"logs", "web"}, {"stats", "1"}})));
    w.sse.on_stats_tick();
    CHECK(of_kind(events_of(t.bytes), "stats").size() == 1);
    w.say(web[0], "before");
    t.mode = ipc::StreamSend::full;
    t.queued = 5000;
    for (int i = 0; i < 100; ++i) {
        w.say(web[0], fmt::format("while full {}", i));
    }
    w.sse.on_stats_tick();
    w.sse.on_stats_tick();
    w.sse.on_stats_tick();
    CHECK(w.stats.sse_events_dropped >= 4);
    std::size_t before = t.bytes.size();
    CHECK(before > 0);
    // It drains: the timer notices and sends what it is owed.
    t.mode = ipc::StreamSend::sent;
    t.queued = 0;
    CHECK(test::run_until(l.get(), [&] { return seqs_of(events_of(t.bytes), web[0]).size() == 101; }, 3000));
    auto evs = events_of(t.bytes.substr(before));
    CHECK(of_kind(evs, "stats").size() == 1);  // not three
    auto seqs = seqs_of(events_of(t.bytes), web[0]);
    for (std::size_t k = 0; k < seqs.size(); ++k) {
        CHECK(seqs[k] == k + 1);
    }
    // Live again.
    w.say(web[0], "after");
    CHECK(seqs_of(events_of(t.bytes), web[0]).back() == 102);
}

TEST_CASE("a client stalled past its bound is closed and counted, one that left is counted apart") {
    test::Loop l;
    World w(l.get(), SseLimits{.queue_bytes = 100, .stall_close_ms = 40, .ping_ms = 20});
    auto web = w.add("web");
    FakeTransport& stalled = w.conn(1);
    FakeTransport& fine = w.conn(2);
    FakeTransport& leaving = w.conn(3);
    REQUIRE(w.sse.open(stalled, events_request({{"logs", "web"}})));
    REQUIRE(w.sse.open(fine, events_request({{"logs", "web"}})));
    REQUIRE(w.sse.open(leaving, events_request({})));
    stalled.mode = ipc::StreamSend::full;
    stalled.queued = 500;
    w.say(web[0], "one");
    w.sse.closed(3);
    CHECK(test::run_until(l.get(), [&] { return stalled.closed; }, 3000));
    CHECK(w.stats.sse_disconnects_slow == 1);
    CHECK(w.stats.sse_disconnects_closed == 1);
    CHECK(w.sse.client_count() == 1);
    CHECK(w.stats.sse_clients == 1);
    CHECK_FALSE(fine.closed);
    w.say(web[0], "two");
    CHECK(seqs_of(events_of(fine.bytes), web[0]) == std::vector<std::uint64_t>{1, 2});
    // Its subscription went with it.
    CHECK(test::run_until(l.get(), [&] { return w.streams.count(ipc::StreamKind::log) == 1; }, 2000));
}

TEST_CASE("past max_clients a stream is refused with limit_reached, and SSE has its own follower cap") {
    test::Loop l;
    World w(l.get());  // the socket's follower cap is 1 here
    w.add("web");
    for (std::uint64_t i = 1; i <= 1024; ++i) {
        REQUIRE(w.sse.open(w.conn(i), events_request({{"logs", "web"}})));
    }
    CHECK(w.sse.client_count() == 1024);
    FakeTransport& extra = w.conn(5000);
    auto r = w.sse.open(extra, events_request({}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::limit_reached);
    CHECK(w.stats.sse_refused_limit == 1);
    CHECK_FALSE(extra.started);
    // The CLI's `pm logs -f` still has its own room.
    CHECK(w.streams.subscribe(ipc::Subscription{&w.sink, 1, 1, ipc::StreamKind::log, {}}));
    w.sse.closed(1);
    uv_run(l.get(), UV_RUN_NOWAIT);
    CHECK(w.sse.open(extra, events_request({})));
}

TEST_CASE("a client that is gone when written to is dropped with its subscriptions") {
    test::Loop l;
    World w(l.get());
    auto web = w.add("web");
    FakeTransport& t = w.conn(1);
    REQUIRE(w.sse.open(t, events_request({{"logs", "web"}})));
    t.mode = ipc::StreamSend::gone;
    w.say(web[0], "x");
    CHECK(w.sse.client_count() == 0);
    CHECK(w.streams.count(ipc::StreamKind::log) == 0);
    CHECK(w.stats.sse_disconnects_closed == 1);
}

TEST_CASE("a client full when a process changed gets a fresh hello once it drains") {
    test::Loop l;
    World w(l.get(), SseLimits{.queue_bytes = 100, .stall_close_ms = 60000, .ping_ms = 60000});
    w.add("web");
    FakeTransport& t = w.conn(1);
    REQUIRE(w.sse.open(t, events_request({})));
    t.mode = ipc::StreamSend::full;
    t.queued = 500;
    auto api = w.add("api");
    w.sse.on_table_change();
    uv_run(l.get(), UV_RUN_NOWAIT);
    CHECK(w.stats.sse_events_dropped == 1);
    t.mode = ipc::StreamSend::sent;
    t.queued = 0;
    CHECK(test::run_until(l.get(), [&] { return of_kind(events_of(t.bytes), "hello").size() == 2; }, 3000));
    auto hello = of_kind(events_of(t.bytes), "hello")[1].data;
    REQUIRE(hello["processes"].size() == 2);
    CHECK(hello["processes"][1]["id"] == api[0]);
    CHECK(of_kind(events_of(t.bytes), "state").empty());
}

}  // TEST_SUITE
