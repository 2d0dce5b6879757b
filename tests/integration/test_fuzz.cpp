// Protocol fuzz against a real pmd (RELIABILITY I1): thousands of mutated
// requests on one connection. Every line gets a JSON reply with its id (or
// an error), pmd stays up, answers other clients, and holds no extra fds.
#include <doctest/doctest.h>

#include "../fuzz/mutate.hpp"
#include "harness.hpp"

using namespace pm::test;

namespace {

// Commands the fuzz must not send: kill ends the daemon; logs/monitor
// stream; wait may defer for a day. Anything else may do what it likes.
bool excluded(const std::string& line) {
    if (line.empty() || line == "\r") {
        return true;  // blank lines are skipped without a reply, by design
    }
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return false;
    }
    auto cmd = j.find("cmd");
    if (cmd == j.end() || !cmd->is_string()) {
        return false;
    }
    const std::string c = cmd->get<std::string>();
    return c == "kill" || c == "logs" || c == "monitor" || c == "wait" || c == "cancel";
}

}  // namespace

TEST_SUITE("integration/fuzz") {

TEST_CASE("3,000 mutated requests: each gets a reply, pmd stays up and leaks no fd") {
    TempHome home;
    pid_t pmd = home.pmd_child();
    int fds_before = fd_count(pmd);
    std::mt19937 rng(1122);
    auto corpus = pm::fuzz::seed_corpus(PM_TEST_CHILD);
    RawClient c(home.sock());
    REQUIRE(c.connected());
    int sent = 0, ok = 0, errors = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string line = pm::fuzz::mutate(corpus[static_cast<std::size_t>(i) % corpus.size()], rng, corpus);
        if (excluded(line)) {
            continue;
        }
        CAPTURE(line);
        REQUIRE(c.send(line + "\n"));
        ++sent;
        // Deferred replies (stop, restart, ...) may arrive later, and a line
        // may fail before its id was read: read until one reply arrives.
        json reply = c.read_json(10s);
        REQUIRE_MESSAGE(reply.is_object(), "no reply to request " << sent);
        REQUIRE(reply.contains("ok"));
        (reply["ok"] == true ? ok : errors) += 1;
        if (!c.connected()) {
            break;
        }
    }
    CHECK(sent > 2500);
    CHECK(ok > 50);
    CHECK(errors > 500);
    // A line over the limit or too deep may end that connection by design;
    // the daemon itself must be fine.
    RunResult ping = run_pm(home, {"ping"});
    CHECK_MESSAGE(ping.exit_code == 0, describe(ping));
    c.close();
    run_pm(home, {"delete", "all"});
    CHECK(wait_until([&] { return fd_count(pmd) <= fds_before; }, 10s, "pmd's fds back to the baseline"));
}

}  // TEST_SUITE
