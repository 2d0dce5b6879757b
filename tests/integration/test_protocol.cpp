// The NDJSON control protocol on the raw socket: errors, framing, limits.
#include <doctest/doctest.h>

#include "harness.hpp"

using namespace pm::test;

namespace {

std::string error_code(const json& reply) {
    if (!reply.is_object() || !reply["error"].is_object()) {
        return "(no error in " + reply.dump() + ")";
    }
    return reply["error"].value("code", "(no code)");
}

// The connection still works: a ping with `id` gets its pong.
void check_ping(RawClient& c, int id) {
    REQUIRE(c.send(json{{"id", id}, {"cmd", "ping"}}.dump() + "\n"));
    json reply = c.read_json();
    REQUIRE_MESSAGE(reply.is_object(), "no reply to ping");
    CHECK(reply["id"] == id);
    CHECK(reply["ok"] == true);
    CHECK(reply["result"]["pong"] == true);
}

int pmd_fds_settled(pid_t pmd, int baseline) {
    int n = -1;
    wait_until(
        [&](std::string& observed) {
            n = fd_count(pmd);
            observed = std::to_string(n) + " open fds, baseline " + std::to_string(baseline);
            return n == baseline;
        },
        5s, "pmd's open descriptors are back to the baseline");
    return n;
}

}  // namespace

TEST_SUITE("integration/protocol") {

TEST_CASE("malformed JSON gets an invalid_json error and the connection stays usable") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.connected());
    REQUIRE(c.send("{\"id\":1,\"cmd\":\n"));
    json reply = c.read_json();
    CHECK(reply["ok"] == false);
    CHECK(error_code(reply) == "invalid_json");
    check_ping(c, 2);
}

TEST_CASE("a request that is not an object gets an invalid_json error") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.send("[1,2,3]\n"));
    CHECK(error_code(c.read_json()) == "invalid_json");
    check_ping(c, 2);
}

TEST_CASE("an unknown command gets an unknown_command error with its id") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.send("{\"id\":7,\"cmd\":\"frobnicate\"}\n"));
    json reply = c.read_json();
    CHECK(reply["id"] == 7);
    CHECK(reply["ok"] == false);
    CHECK(error_code(reply) == "unknown_command");
    check_ping(c, 8);
}

TEST_CASE("an unknown argument key gets a bad_args error") {
    TempHome home;
    RawClient c(home.sock());
    json reply = c.request("list", json{{"bogus", 1}}, 3);
    CHECK(reply["id"] == 3);
    CHECK(error_code(reply) == "bad_args");
    CHECK(reply["error"]["message"].get<std::string>().find("bogus") != std::string::npos);
    check_ping(c, 4);
}

TEST_CASE("a string id is echoed back verbatim") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.send("{\"id\":\"abc-1\",\"cmd\":\"ping\"}\n"));
    json reply = c.read_json();
    CHECK(reply["id"] == "abc-1");
    CHECK(reply["ok"] == true);
}

TEST_CASE("a request line over 1 MiB gets line_too_long, is disconnected, and other clients keep working") {
    TempHome home;
    RawClient other(home.sock());
    REQUIRE(other.connected());
    check_ping(other, 1);

    RawClient big(home.sock());
    REQUIRE(big.connected());
    std::string line = "{\"id\":1,\"cmd\":\"ping\",\"args\":{\"x\":\"" + std::string(1024 * 1024 + 100, 'x') +
                       "\"}}\n";
    big.send(line, 10s);  // may fail part-way: the daemon stops reading at the limit
    json reply = big.read_json(10s);
    CHECK(error_code(reply) == "line_too_long");
    CHECK_MESSAGE(big.wait_eof(5s), "the daemon closes a client that sent an oversized line");

    check_ping(other, 2);
    RawClient fresh(home.sock());
    REQUIRE(fresh.connected());
    check_ping(fresh, 3);
}

TEST_CASE("a request nested 100 levels deep gets too_deep and the daemon survives") {
    TempHome home;
    RawClient c(home.sock());
    std::string nested = std::string(98, '[') + std::string(98, ']');
    REQUIRE(c.send("{\"id\":1,\"cmd\":\"ping\",\"args\":{\"x\":" + nested + "}}\n"));
    json reply = c.read_json();
    CHECK(reply["ok"] == false);
    CHECK(error_code(reply) == "too_deep");
    check_ping(c, 2);
}

TEST_CASE("a very deep request (100000 levels) gets too_deep without crashing the daemon") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.send(std::string(100000, '[') + "\n"));
    CHECK(error_code(c.read_json()) == "too_deep");
    check_ping(c, 2);
    CHECK(pid_alive(home.pmd_child()));
}

TEST_CASE("invalid UTF-8 inside a JSON string gets invalid_json") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.send("{\"id\":1,\"cmd\":\"pi\xff\xfeng\"}\n"));
    json reply = c.read_json();
    CHECK(reply["ok"] == false);
    CHECK(error_code(reply) == "invalid_json");
    check_ping(c, 2);
}

TEST_CASE("pipelined requests in one write get replies in order with their ids") {
    TempHome home;
    RawClient c(home.sock());
    const char* cmds[] = {"ping", "list", "hello"};
    std::string batch;
    for (int id = 1; id <= 100; ++id) {
        batch += json{{"id", id}, {"cmd", cmds[id % 3]}}.dump() + "\n";
    }
    REQUIRE(c.send(batch));
    for (int id = 1; id <= 100; ++id) {
        json reply = c.read_json();
        REQUIRE_MESSAGE(reply.is_object(), "reply " << id << " is missing");
        CHECK(reply["id"] == id);
        CHECK(reply["ok"] == true);
    }
}

TEST_CASE("a request sent one byte at a time is answered") {
    TempHome home;
    RawClient c(home.sock());
    std::string req = "{\"id\":42,\"cmd\":\"ping\"}\n";
    for (char ch : req) {
        REQUIRE(c.send(std::string_view(&ch, 1)));
        // The daemon reads each byte on its own before the next is sent.
        REQUIRE(wait_until(
            [&](std::string& observed) {
                int n = c.unread_by_peer();
                observed = std::to_string(n) + " bytes not yet read by pmd";
                return n == 0;
            },
            2s, "pmd read the byte"));
    }
    json reply = c.read_json();
    CHECK(reply["id"] == 42);
    CHECK(reply["ok"] == true);
}

TEST_CASE("CRLF line endings and blank lines are accepted") {
    TempHome home;
    RawClient c(home.sock());
    REQUIRE(c.send("\n\r\n{\"id\":5,\"cmd\":\"ping\"}\r\n"));
    json reply = c.read_json();
    CHECK(reply["id"] == 5);
    CHECK(reply["ok"] == true);
}

TEST_CASE("clients that send a request and disconnect at once cost the daemon nothing") {
    TempHome home;
    pid_t pmd = home.pmd_child();
    REQUIRE(start_child(home, "svc", {"sleep"}).exit_code == 0);
    {
        RawClient settle(home.sock());  // pm's own connection is closed by now
        check_ping(settle, 1);
        REQUIRE(settle.close_and_wait());
    }
    int baseline = fd_count(pmd);
    REQUIRE(baseline > 0);

    for (int i = 0; i < 50; ++i) {
        RawClient c(home.sock());
        REQUIRE(c.connected());
        REQUIRE(c.send(json{{"id", i}, {"cmd", i % 2 == 0 ? "list" : "hello"}}.dump() + "\n"));
    }  // closed without reading the reply
    RawClient probe(home.sock());
    check_ping(probe, 1);
    REQUIRE(probe.close_and_wait());
    CHECK(pmd_fds_settled(pmd, baseline) == baseline);
    CHECK(pid_alive(pmd));
}

TEST_CASE("a client that leaves before its deferred reply does not disturb the daemon") {
    TempHome home;
    REQUIRE(start_child(home, "svc", {"sleep"}).exit_code == 0);
    {
        // stop replies only once the process has exited; the client is gone by then.
        RawClient c(home.sock());
        REQUIRE(c.send(json{{"id", 1}, {"cmd", "stop"}, {"args", {{"selector", "svc"}}}}.dump() + "\n"));
    }
    CHECK(wait_until([&] { return instance(home, "svc")["state"] == "stopped"; }, 5s,
                     "the stop requested by the vanished client completes"));
    RawClient probe(home.sock());
    check_ping(probe, 2);
    CHECK(pid_alive(home.pmd_child()));
}

TEST_CASE("the 5th client over --max-connections 4 gets limit_reached, and a freed slot is reusable") {
    TempHome home(with_pmd_args({"--max-connections", "4"}));
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(std::make_unique<RawClient>(home.sock()));
        REQUIRE(clients.back()->connected());
        check_ping(*clients.back(), i + 1);
    }

    RawClient fifth(home.sock());
    REQUIRE(fifth.connected());  // the kernel accepts; pmd answers and closes
    json reply = fifth.read_json();
    CHECK(reply["ok"] == false);
    CHECK(error_code(reply) == "limit_reached");
    CHECK(fifth.wait_eof());

    for (auto& c : clients) {
        check_ping(*c, 10);  // the four admitted clients are unaffected
    }
    REQUIRE(clients[0]->close_and_wait());
    RawClient next(home.sock());
    REQUIRE(next.connected());
    check_ping(next, 11);
}

TEST_CASE("--client-timeout disconnects silent and half-sent clients, not idle ones that asked before") {
    TempHome home(with_pmd_args({"--max-connections", "3", "--client-timeout", "500ms"}));
    RawClient asked(home.sock());
    check_ping(asked, 1);  // a complete request, then quiet
    RawClient silent(home.sock());
    RawClient half(home.sock());
    REQUIRE(silent.connected());
    REQUIRE(half.send(R"({"id":2,"cmd":"pi)"));
    // The slots are full now; the stuck clients get a timeout error and EOF.
    json err = half.read_json(5s);
    CHECK(err["error"]["code"] == "timeout");
    CHECK(half.wait_eof(5s));
    CHECK(silent.wait_eof(5s));
    check_ping(asked, 3);  // the idle client that had asked keeps its connection
    RawClient next(home.sock());
    check_ping(next, 4);   // and the freed slots take new clients
    RunResult stats = run_pm(home, {"--json", "performanceStats"});
    REQUIRE_MESSAGE(stats.exit_code == 0, describe(stats));
    json j = json::parse(stats.out, nullptr, false);
    CHECK(j["connections"]["idle_closed"].get<int>() >= 2);
}

}  // TEST_SUITE
