// Live log followers (`pm logs -f` and raw `logs` streams): exactly-once
// delivery, fan-out to many readers, slow readers bounded by a gap, cleanup on
// disconnect and cancel (RELIABILITY.md sections 2.7, 2.12 and 3.2).
#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>

#include "harness.hpp"
#include "log_support.hpp"

using namespace pm::test;
using namespace pm::test::logs;

namespace {

json logs_args(const std::string& selector, int lines) {
    return json{{"selector", selector}, {"follow", true}, {"lines", lines}};
}

// A raw connection whose every read goes through a LineReader.
struct Stream {
    RawClient client;
    LineReader reader;
    explicit Stream(const std::string& sock) : client(sock), reader(client.fd()) {}
    bool send(const json& msg) { return client.send(msg.dump() + "\n"); }
    json read(Ms timeout = 5s) { return reader.next_json(timeout); }
};

// Sends a follow request with `id` and reads its reply (no backlog: lines 0).
bool attach(Stream& s, const std::string& selector, int id, std::string& why) {
    if (!s.client.connected() || !s.send(json{{"id", id}, {"cmd", "logs"}, {"args", logs_args(selector, 0)}})) {
        why = "could not send the logs request";
        return false;
    }
    json reply = s.read(10s);
    if (!reply.is_object() || reply["id"] != id || !reply.value("ok", false) ||
        reply["result"]["following"] != true) {
        why = "logs reply: " + reply.dump();
        return false;
    }
    return true;
}

// "key":"value" in a compact JSON line (values without escapes).
std::string string_field(const std::string& line, std::string_view key) {
    std::string pat = "\"" + std::string(key) + "\":\"";
    auto at = line.find(pat);
    if (at == std::string::npos) {
        return "(no " + std::string(key) + ")";
    }
    at += pat.size();
    return line.substr(at, line.find('"', at) - at);
}

std::uint64_t number_field(const std::string& line, std::string_view key) {
    std::string pat = "\"" + std::string(key) + "\":";
    auto at = line.find(pat);
    return at == std::string::npos ? 0 : std::strtoull(line.c_str() + at + pat.size(), nullptr, 10);
}

// A process that printed `n` lines and exited; restarting it prints them again.
void start_printer(const TempHome& home, const std::string& name, int n) {
    RunResult r = start_child(home, name, {"print", std::to_string(n)}, {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_exited(home, name);
    wait_until([&] { return u64(log_stats(home, name), "lines_out") >= static_cast<std::uint64_t>(n); },
               10s, name + " printed its lines");
}

void restart(const TempHome& home, const std::string& name) {
    RunResult r = run_pm(home, {"restart", name});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
}

std::uint64_t perf_logs(const TempHome& home, const char* key) {
    return u64(result_of(home, "performanceStats").value("logs", json::object()), key);
}

}  // namespace

TEST_SUITE("integration/logs-follow") {

TEST_CASE("pm logs -f prints the backlog then every new line once and in order") {
    TempHome home;
    start_printer(home, "gen", 1000);
    Spawned f = spawn_pm(home, {"logs", "gen", "-f", "--raw"});
    LineReader reader(f.out_fd);

    std::string line;
    std::string got;
    for (int i = 0; i < 15 && reader.next(line, 10s); ++i) {
        got += line + "\n";
    }
    CHECK(got == numbered("line ", 986, 1000));  // the default backlog of 15 lines
    wait_until([&] { return u64(memory_stats(home)["log_rings"], "followers") == 1; }, 5s,
               "the follower is registered");

    restart(home, "gen");
    got.clear();
    for (int i = 0; i < 1000 && reader.next(line, 10s); ++i) {
        got += line + "\n";
    }
    std::string want = numbered("line ", 1, 1000);
    CHECK_MESSAGE(got == want, first_difference(got, want));
    wait_exited(home, "gen");
    wait_until([&] { return u64(log_stats(home, "gen"), "lines_out") >= 2000; }, 10s,
               "the second run's lines are all in");
    CHECK_MESSAGE(!reader.next(line, 300ms), "an extra line after the burst: '" << line << "'");

    RunResult r = stop_spawned(f);
    CHECK_MESSAGE(r.err.empty(), describe(r));
}

TEST_CASE("a hundred concurrent followers each get every line of a burst once, in order") {
    TempHome home;
    start_printer(home, "burst", 1000);
    std::vector<std::unique_ptr<Stream>> followers;
    for (int i = 0; i < 100; ++i) {
        auto c = std::make_unique<Stream>(home.sock());
        std::string why;
        REQUIRE_MESSAGE(attach(*c, "burst", 1, why), "follower " << i << ": " << why);
        followers.push_back(std::move(c));
    }
    CHECK(u64(memory_stats(home)["log_rings"], "followers") == 100);
    restart(home, "burst");
    // 100000 events: scanned as text (a JSON parse each is slow under ASan);
    // the first and last of each follower are parsed to check their shape.
    int complete = 0;
    for (std::size_t k = 0; k < followers.size(); ++k) {
        std::uint64_t last_seq = 0;
        std::string problem, line;
        for (int next = 1; next <= 1000 && problem.empty(); ++next) {
            if (!followers[k]->reader.next(line, 10s)) {
                problem = "no event for line " + std::to_string(next);
                break;
            }
            if (next == 1 || next == 1000) {
                json ev = json::parse(line, nullptr, false);
                if (!ev.is_object() || ev["event"] != "log" || ev["id"] != 1 || !ev["data"]["seq"].is_number()) {
                    problem = "unexpected message " + line;
                    break;
                }
            }
            std::string text = string_field(line, "line");
            std::uint64_t seq = number_field(line, "seq");
            if (line.find("\"event\":\"log\"") == std::string::npos) {
                problem = "unexpected message " + line;
            } else if (text != "line " + std::to_string(next)) {
                problem = "got '" + text + "' where 'line " + std::to_string(next) + "' was due";
            } else if (seq <= last_seq) {
                problem = "seq " + std::to_string(seq) + " after " + std::to_string(last_seq);
            }
            last_seq = seq;
        }
        CHECK_MESSAGE(problem.empty(), "follower " << k << ": " << problem);
        complete += problem.empty() ? 1 : 0;
    }
    CHECK(complete == 100);
    // Nothing more (no duplicate) is waiting on any of them.
    std::string extra;
    for (auto& c : followers) {
        if (c->reader.next(extra, Ms(0))) {
            FAIL_CHECK("an extra message after the burst: " << extra);
            break;
        }
    }
}

TEST_CASE("a follower that stops reading keeps pmd bounded and gets a gap when it reads again") {
    // Big lines keep this quick under ASan, where pmd's cost is per line.
    TempHome home(rss_friendly());
    pid_t pmd = home.pmd_child();
    RunResult r = start_child(home, "noisy", {"spew", "8000"}, {"--max-log-size", "1M", "--log-files", "1"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_until([&] { return perf_logs(home, "bytes") >= (16u << 20); }, 20s, "noisy is being logged");
    long long rss_before = rss_bytes(pmd);
    REQUIRE(rss_before > 0);

    Stream slow(home.sock());
    REQUIRE(slow.send(json{{"id", 1}, {"cmd", "logs"}, {"args", logs_args("noisy", 0)}}));
    wait_until([&] { return perf_logs(home, "follower_lines_missed") > 0; }, 20s,
               "the stalled follower's queue is full and lines are counted as missed");
    // Far more than the follower's queue limit (4 MiB) goes past it.
    std::uint64_t bytes_when_full = perf_logs(home, "bytes");
    wait_until(
        [&](std::string& observed) {
            std::uint64_t n = perf_logs(home, "bytes");
            observed = std::to_string((n - bytes_when_full) >> 20) + " MiB more";
            return n >= bytes_when_full + (36u << 20);
        },
        30s, "36 MiB more output went past the stalled follower");

    long long growth = rss_bytes(pmd) - rss_before;
    CHECK_MESSAGE(growth < (30ll << 20), "pmd rss grew by " << growth / 1024 << " KiB");
    json conns = memory_stats(home)["connections"];
    CHECK_MESSAGE(u64(conns, "queued_bytes") <= (4u << 20) + (64u << 10), conns.dump());

    RawClient other(home.sock());
    auto t0 = Clock::now();
    json pong = other.request("ping");
    auto took = std::chrono::duration_cast<Ms>(Clock::now() - t0);
    CHECK(pong.value("ok", false));
    CHECK_MESSAGE(took < 1000ms, "ping took " << took.count() << "ms");

    // Reading again: the reply, the queued lines, then a gap. Every line is
    // either delivered or counted in a gap: seq only jumps by what was missed.
    std::uint64_t last_seq = 0, pending_missed = 0, total_missed = 0;
    int after_gap = 0;
    std::string problem;
    bool replied = false;
    auto deadline = Clock::now() + 30s;
    std::string line;
    while (problem.empty() && after_gap < 20 && Clock::now() < deadline) {
        if (!slow.reader.next(line, 10s)) {
            problem = "the stream ended or stalled";
            break;
        }
        if (line.find("\"event\":\"log\"") != std::string::npos) {
            // Log events (8 KB each) are scanned, not parsed: parsing is slow under ASan.
            std::uint64_t seq = number_field(line, "seq");
            if (last_seq != 0 && seq != last_seq + 1 + pending_missed) {
                problem = "seq " + std::to_string(seq) + " after " + std::to_string(last_seq) + " with " +
                          std::to_string(pending_missed) + " reported missed";
            }
            last_seq = seq;
            pending_missed = 0;
            after_gap += total_missed > 0 ? 1 : 0;
            continue;
        }
        json m = json::parse(line, nullptr, false);
        if (!m.is_object()) {
            problem = "not JSON: " + line.substr(0, 200);
        } else if (m.contains("ok")) {
            replied = m["ok"] == true && m["result"]["following"] == true;
        } else if (m["event"] == "gap") {
            pending_missed += m["data"].value("missed", std::uint64_t{0});
            total_missed += m["data"].value("missed", std::uint64_t{0});
        } else {
            problem = "unexpected message " + m.dump().substr(0, 200);
        }
    }
    CHECK(replied);
    CHECK_MESSAGE(problem.empty(), problem);
    CHECK_MESSAGE(total_missed > 0, "no gap event after resuming");
}

TEST_CASE("a follower that disconnects is removed together with its connection") {
    TempHome home;
    REQUIRE(start_child(home, "quiet", {"sleep"}).exit_code == 0);
    json before = memory_stats(home);
    std::uint64_t base = u64(before["connections"], "count");  // includes that request's own
    REQUIRE(u64(before["log_rings"], "followers") == 0);

    Stream f(home.sock());
    std::string why;
    REQUIRE_MESSAGE(attach(f, "quiet", 4, why), why);
    json during = memory_stats(home);
    CHECK(u64(during["connections"], "count") == base + 1);
    CHECK(u64(during["log_rings"], "followers") == 1);

    f.client.close();
    wait_until(
        [&](std::string& observed) {
            json now = memory_stats(home);
            observed = now["connections"].dump() + " " + now["log_rings"].dump();
            return u64(now["log_rings"], "followers") == 0 && u64(now["connections"], "count") == base;
        },
        5s, "the follower and its connection are gone");
}

TEST_CASE("cancel with the logs request id stops that stream's events") {
    TempHome home;
    REQUIRE(start_child(home, "tick", {"stamps", "1000000", "10"}).exit_code == 0);
    Stream c(home.sock());
    std::string why;
    REQUIRE_MESSAGE(attach(c, "tick", 5, why), why);
    for (int i = 0; i < 3; ++i) {
        json ev = c.read();
        REQUIRE_MESSAGE((ev["event"] == "log" && ev["id"] == 5), ev.dump());
    }

    REQUIRE(c.send(json{{"id", 6}, {"cmd", "cancel"}, {"args", {{"request", 5}}}}));
    json reply;
    for (int i = 0; i < 1000; ++i) {
        reply = c.read();
        if (!reply.is_object() || !reply.contains("event")) {
            break;
        }
    }
    REQUIRE_MESSAGE(reply.is_object(), "no reply to cancel");
    CHECK(reply["id"] == 6);
    CHECK(reply["ok"] == true);
    CHECK(reply["result"]["cancelled"] == 5);
    CHECK(u64(memory_stats(home)["log_rings"], "followers") == 0);

    // The child keeps printing; the next thing on the connection is the pong.
    std::uint64_t lines = u64(log_stats(home, "tick"), "lines_out");
    wait_until([&] { return u64(log_stats(home, "tick"), "lines_out") >= lines + 20; }, 10s,
               "tick printed 20 more lines");
    REQUIRE(c.send(json{{"id", 7}, {"cmd", "ping"}}));
    json pong = c.read();
    CHECK_MESSAGE(pong["id"] == 7, "expected the pong, got " << pong.dump());
    CHECK(pong["ok"] == true);
}

}  // TEST_SUITE
