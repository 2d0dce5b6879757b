// The time of backlog lines that `pm logs --lines` reads back from the log
// files: the time their --time prefix records, or null (never the epoch).
#include <chrono>
#include <doctest/doctest.h>

#include "harness.hpp"
#include "log_support.hpp"

using namespace pm::test;
using namespace pm::test::logs;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The JSON objects `pm logs NAME --lines N --json` prints.
std::vector<json> backlog_json(const TempHome& home, const std::string& name, int n) {
    RunResult r = run_pm(home, {"logs", name, "--lines", std::to_string(n), "--json"});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    std::vector<json> out;
    for (const auto& l : split_lines(r.out)) {
        out.push_back(json::parse(l, nullptr, false));
    }
    return out;
}

// Runs `print 20` for both processes, then restarts pmd so that their lines
// exist only in the log files; [t0, t1] brackets when they were written.
void write_then_restart(TempHome& home, std::int64_t& t0, std::int64_t& t1) {
    t0 = now_ms() / 1000 * 1000;  // --time writes whole seconds
    REQUIRE(start_child(home, "stamped", {"print", "20"}, {"--restart", "never", "--time"}).exit_code == 0);
    REQUIRE(start_child(home, "plain", {"print", "20"}, {"--restart", "never"}).exit_code == 0);
    REQUIRE(wait_file_size(home.out_log("plain"), static_cast<long long>(numbered("line ", 1, 20).size()), 10s));
    REQUIRE(wait_until(
        [&](std::string& observed) {
            observed = read_file(home.out_log("stamped"));
            return count_of(observed, "\n") == 20;
        },
        10s, "20 stamped lines in the file"));
    t1 = now_ms();
    RunResult k = run_pm(home, {"kill"});
    REQUIRE_MESSAGE(k.exit_code == 0, describe(k));
    REQUIRE(home.wait_pmd_exit(30s).has_value());
    home.start_pmd();
    REQUIRE(start_child(home, "stamped", {"sleep"}, {"--time"}).exit_code == 0);
    REQUIRE(start_child(home, "plain", {"sleep"}).exit_code == 0);
}

}  // namespace

TEST_SUITE("integration/logs_file_ts") {

TEST_CASE("lines read back from a --time log file carry the time of their prefix") {
    TempHome home;
    std::int64_t t0 = 0, t1 = 0;
    write_then_restart(home, t0, t1);

    auto lines = backlog_json(home, "stamped", 5);
    REQUIRE(lines.size() == 5);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const json& l = lines[i];
        REQUIRE_MESSAGE(l.is_object(), l.dump());
        CHECK_MESSAGE(l["ts"].is_number_integer(), l.dump());
        std::int64_t ts = l["ts"].is_number_integer() ? l["ts"].get<std::int64_t>() : 0;
        CHECK_MESSAGE((ts >= t0 && ts <= t1), l.dump() << " not within [" << t0 << ", " << t1 << "]");
        // The line keeps its prefix ("<date>: line N"), as documented.
        std::string text = l.value("line", "");
        CHECK_MESSAGE(text.size() > std::string(": line 16").size(), text);
        CHECK_MESSAGE(text.ends_with(": line " + std::to_string(16 + i)), text);
    }
}

TEST_CASE("lines read back from a log file without a date prefix have an unknown time, not the epoch") {
    TempHome home;
    std::int64_t t0 = 0, t1 = 0;
    write_then_restart(home, t0, t1);

    auto lines = backlog_json(home, "plain", 5);
    REQUIRE(lines.size() == 5);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const json& l = lines[i];
        REQUIRE_MESSAGE(l.is_object(), l.dump());
        CHECK_MESSAGE((l.contains("ts") && l["ts"].is_null()), l.dump());
        CHECK(l.value("line", "") == "line " + std::to_string(16 + i));
    }
    // Nor does a person see 1970: the time column shows dashes.
    RunResult r = run_pm(home, {"logs", "plain", "--lines", "5", "--timestamps"});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(r.out.find("1970") == std::string::npos, r.out);
    CHECK_MESSAGE(count_of(r.out, std::string(23, '-') + " ") == 5, r.out);
}

TEST_CASE("pm logs of several processes gives the newest N lines in time order, from the rings and from the files") {
    TempHome home;
    const std::vector<std::string> names = {"first", "second", "third"};
    const std::vector<std::string> ms_format = {"--log-date-format", "YYYY-MM-DDTHH:mm:ss.SSS"};
    for (const auto& name : names) {  // one after the other: each one's lines are newer
        REQUIRE(start_child(home, name, {"print", "3", "sleep"}, ms_format).exit_code == 0);
        REQUIRE(wait_until([&] { return split_lines(read_file(home.out_log(name))).size() == 3; }, 10s,
                           name + "'s 3 lines in its file"));
    }
    // "<name> <line>" of `pm logs --lines 4 --json`, oldest first.
    auto newest_four = [&] {
        std::vector<std::string> got;
        for (const json& l : backlog_json(home, "all", 4)) {
            std::string text = l.value("line", "");
            got.push_back(l.value("name", "") + " " + text.substr(text.find("line ")));
        }
        return got;
    };
    const std::vector<std::string> want = {"second line 3", "third line 1", "third line 2", "third line 3"};
    CHECK(newest_four() == want);

    // A new daemon has empty rings: the same lines come from the files.
    RunResult k = run_pm(home, {"kill"});
    REQUIRE_MESSAGE(k.exit_code == 0, describe(k));
    REQUIRE(home.wait_pmd_exit(30s).has_value());
    home.start_pmd();
    for (const auto& name : names) {
        REQUIRE(start_child(home, name, {"sleep"}, ms_format).exit_code == 0);
    }
    CHECK(newest_four() == want);
}

}  // TEST_SUITE("integration/logs_file_ts")
