// Log capture end to end: files, rotation, partial and long lines, bytes that
// are not UTF-8, `pm logs` backlog options, flush, reloadLogs and a full disk
// (RELIABILITY.md section 3.2, L1-L10).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <doctest/doctest.h>
#include <algorithm>
#include <random>
#include <regex>

#include "common/fd.hpp"
#include "harness.hpp"
#include "log_support.hpp"

using namespace pm::test;
using namespace pm::test::logs;

namespace {

// `pm logs ARGS...` that must succeed; its stdout.
std::string pm_logs(const TempHome& home, std::vector<std::string> args) {
    args.insert(args.begin(), "logs");
    RunResult r = run_pm(home, args);
    CHECK_MESSAGE(r.exit_code == 0, "pm logs: " << describe(r));
    return r.out;
}

// Waits until the instance has emitted `n` stdout lines (ring + file fed).
bool wait_lines_out(const TempHome& home, const std::string& name, std::uint64_t n, Ms timeout) {
    return wait_until(
        [&](std::string& observed) {
            json l = log_stats(home, name);
            observed = l.dump();
            return u64(l, "lines_out") >= n;
        },
        timeout, name + " emitted " + std::to_string(n) + " stdout lines");
}

// Random bytes that end with a newline, with no line near the 64 KiB limit.
std::string random_output(std::size_t size, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> byte(0, 255);
    std::string out(size, '\0');
    for (auto& c : out) {
        c = static_cast<char>(byte(gen));
    }
    out.back() = '\n';
    return out;
}

// Numbers after "stamp " on each line that has one, in file order.
std::vector<long long> stamps_in(const std::string& text) {
    std::vector<long long> out;
    for (const auto& l : split_lines(text)) {
        if (l.rfind("stamp ", 0) == 0) {
            out.push_back(std::atoll(l.c_str() + 6));
        }
    }
    return out;
}

bool strictly_increasing(const std::vector<long long>& v) {
    for (std::size_t i = 1; i < v.size(); ++i) {
        if (v[i] <= v[i - 1]) {
            return false;
        }
    }
    return true;
}

}  // namespace

TEST_SUITE("integration/logs") {

TEST_CASE("a million lines from one process reach its log file complete and in order") {
    TempHome home;
    RunResult r = start_child(home, "million", {"print", "1000000"},
                              {"--restart", "never", "--max-log-size", "64M"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string want = numbered("line ", 1, 1000000);
    const std::string path = home.out_log("million");
    wait_file_size(path, static_cast<long long>(want.size()), 60s);
    wait_exited(home, "million");

    std::string got = read_file(path);
    CHECK_MESSAGE(got == want, first_difference(got, want));
    CHECK_FALSE(file_exists(path + ".1"));
    CHECK(u64(log_stats(home, "million"), "lines_out") == 1000000);
}

TEST_CASE("a million lines across more than a hundred rotations concatenate back to the input") {
    TempHome home;
    RunResult r = start_child(home, "rotating", {"print", "1000000"},
                              {"--restart", "never", "--max-log-size", "64K", "--log-files", "1000"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string want = numbered("line ", 1, 1000000);
    json stats;
    wait_until(
        [&](std::string& observed) {
            stats = log_stats(home, "rotating");
            observed = stats.dump();
            return stats.contains("out_file") && u64(stats["out_file"], "written_bytes") >= want.size();
        },
        60s, "every byte of the output was written to the rotated files");
    wait_exited(home, "rotating");

    const std::string path = home.out_log("rotating");
    std::string got = read_rotated(path, 1000);
    CHECK_MESSAGE(got == want, first_difference(got, want));
    int files = rotated_count(path, 1000);
    CHECK_MESSAGE(files >= 100, "only " << files << " rotated files");
    CHECK(u64(log_stats(home, "rotating")["out_file"], "rotations") >= 100);
    // Rotation never leaves an empty file behind.
    for (int i = 1; i <= files; ++i) {
        CHECK(file_size(path + "." + std::to_string(i)) > 0);
    }
}

TEST_CASE("interleaved stdout and stderr keep their own order in their own files") {
    TempHome home;
    RunResult r = start_child(home, "both", {"print-both", "100000"}, {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string want_out = numbered("out ", 1, 100000);
    const std::string want_err = numbered("err ", 1, 100000);
    const std::string out_path = home.out_log("both");
    const std::string err_path = home.file("logs/both-err.log");
    wait_file_size(out_path, static_cast<long long>(want_out.size()), 30s);
    wait_file_size(err_path, static_cast<long long>(want_err.size()), 30s);
    wait_exited(home, "both");

    std::string out = read_file(out_path);
    std::string err = read_file(err_path);
    CHECK_MESSAGE(out == want_out, "stdout file " << first_difference(out, want_out));
    CHECK_MESSAGE(err == want_err, "stderr file " << first_difference(err, want_err));
}

TEST_CASE("a partial line completed later is logged as one line") {
    TempHome home;
    RunResult r = start_child(home, "part", {"text", "abc", "sleep-ms", "500", "line", "def", "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string path = home.out_log("part");
    wait_until([&] { return read_file(path).find("def") != std::string::npos; }, 10s,
               "the end of the line reached the file");

    CHECK(read_file(path) == "abcdef\n");
    CHECK(pm_logs(home, {"part", "--raw"}) == "abcdef\n");
}

TEST_CASE("an unterminated last line at exit is in the file and in pm logs") {
    TempHome home;
    RunResult r = start_child(home, "words", {"text", "last words", "exit", "1"}, {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_exited(home, "words");
    const std::string path = home.out_log("words");
    wait_until([&] { return read_file(path).find("last words") != std::string::npos; }, 5s,
               "the last words reached the file");

    CHECK(read_file(path) == "last words\n");
    CHECK(texts_of(pm_logs(home, {"words"})) == std::vector<std::string>{"last words"});
}

TEST_CASE("an idle partial line shows up in pm logs after the idle timeout") {
    TempHome home;
    auto t0 = Clock::now();
    RunResult r = start_child(home, "prompt", {"text", "prompt>", "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    std::string seen;
    bool shown = wait_until(
        [&](std::string& observed) {
            seen = pm_logs(home, {"prompt"});
            observed = "pm logs printed '" + seen + "'";
            return !seen.empty();
        },
        5s, "the idle partial line is shown");
    auto after = std::chrono::duration_cast<Ms>(Clock::now() - t0);

    REQUIRE(shown);
    CHECK(texts_of(seen) == std::vector<std::string>{"prompt>"});
    // Shown by the idle flush (2 s), not by some early write of partial data.
    CHECK_MESSAGE(after >= 1500ms, "shown after only " << after.count() << "ms");
    CHECK(read_file(home.out_log("prompt")) == "prompt>\n");
}

TEST_CASE("a 10 MB line is cut into 64 KiB pieces that rebuild the line") {
    TempHome home(rss_friendly());
    pid_t pmd = home.pmd_child();
    long long rss_before = rss_bytes(pmd);
    REQUIRE(rss_before > 0);
    RunResult r = start_child(home, "wide", {"long-line", "10000000"}, {"--restart", "never"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string path = home.out_log("wide");
    wait_file_size(path, 10000000 + 153, 30s);
    wait_exited(home, "wide");
    long long rss_after = rss_bytes(pmd);

    auto pieces = split_lines(read_file(path));
    CHECK(pieces.size() == 153);
    std::string joined;
    std::size_t longest = 0;
    for (const auto& p : pieces) {
        longest = std::max(longest, p.size());
        joined += p;
    }
    CHECK(longest <= 65536);
    CHECK(joined.size() == 10000000);
    CHECK(joined.find_first_not_of('a') == std::string::npos);
    CHECK(u64(log_stats(home, "wide"), "lines_out") == 153);

    // Continuation pieces carry the partial flag; the piece ending the line does not.
    RunResult j = run_pm(home, {"logs", "wide", "--json", "--lines", "2"});
    auto events = split_lines(j.out);
    REQUIRE_MESSAGE(events.size() == 2, describe(j).substr(0, 500));
    CHECK(json::parse(events[0], nullptr, false).value("partial", false) == true);
    CHECK(json::parse(events[1], nullptr, false).value("partial", false) == false);

    // The line passes through; pmd holds at most a piece of it plus its ring.
    long long limit = k_asan ? 12ll << 20 : 2ll << 20;
    CHECK_MESSAGE(rss_after - rss_before < limit,
                  "pmd rss grew by " << (rss_after - rss_before) / 1024 << " KiB");
}

TEST_CASE("invalid UTF-8 output is valid JSON in pm logs --json and exact bytes in the file") {
    TempHome home;
    const std::string input = random_output(1 << 20, 1234);
    const std::string src = home.file("random.bin");
    REQUIRE(write_file(src, input));
    RunResult r = run_pm(home, {"start", "--name", "noise", "--restart", "never", "/bin/cat", src});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string path = home.out_log("noise");
    wait_file_size(path, static_cast<long long>(input.size()), 30s);
    wait_exited(home, "noise");

    std::string on_disk = read_file(path);
    CHECK_MESSAGE(on_disk == input, first_difference(on_disk, input));

    RunResult j = run_pm(home, {"logs", "noise", "--json", "--lines", "100000"});
    REQUIRE_MESSAGE(j.exit_code == 0, describe(j).substr(0, 2000));
    auto lines = split_lines(j.out);
    std::size_t bad = 0, replaced = 0;
    for (const auto& l : lines) {
        json e = json::parse(l, nullptr, false);
        if (e.is_discarded() || !e.is_object() || !e["line"].is_string()) {
            ++bad;
        } else if (e["line"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos) {
            ++replaced;
        }
    }
    CHECK(bad == 0);
    CHECK(lines.size() == count_of(input, "\n"));
    CHECK(replaced > 0);  // invalid sequences became U+FFFD
    CHECK(pid_alive(home.pmd_child()));
}

TEST_CASE("pm logs --raw prints the exact bytes of each line") {
    TempHome home;
    std::string input = random_output(256 << 10, 99);
    input += "bad \xff\xfe utf8 \xc3\x28 end\n";
    const std::string src = home.file("random.bin");
    REQUIRE(write_file(src, input));
    RunResult r = run_pm(home, {"start", "--name", "rawbytes", "--restart", "never", "/bin/cat", src});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_file_size(home.out_log("rawbytes"), static_cast<long long>(input.size()), 30s);

    std::string raw = pm_logs(home, {"rawbytes", "--raw", "--lines", "100000"});
    CHECK_MESSAGE(raw == input, first_difference(raw, input));
}

TEST_CASE("pm logs --lines N prints exactly the last N lines") {
    TempHome home;
    REQUIRE(start_child(home, "nums", {"print", "100", "sleep"}).exit_code == 0);
    wait_lines_out(home, "nums", 100, 10s);
    json inst = instance(home, "nums");
    std::string prefix = std::to_string(inst.value("id", -1)) + "|nums | ";

    std::string out = pm_logs(home, {"nums", "--lines", "7"});
    std::string want;
    for (int i = 94; i <= 100; ++i) {
        want += prefix + "line " + std::to_string(i) + "\n";
    }
    CHECK(out == want);
    CHECK(split_lines(pm_logs(home, {"nums"})).size() == 15);  // the default
    CHECK(pm_logs(home, {"nums", "--lines", "0"}).empty());
}

TEST_CASE("pm logs --lines beyond the ring is served from the log file") {
    TempHome home;
    REQUIRE(start_child(home, "small", {"print", "2000", "sleep"}, {"--log-buffer", "4K"}).exit_code == 0);
    wait_lines_out(home, "small", 2000, 10s);
    json stats = log_stats(home, "small");
    REQUIRE_MESSAGE(u64(stats, "ring_lines") < 1500, "the ring holds everything: " << stats.dump());

    std::string out = pm_logs(home, {"small", "--lines", "1500", "--raw"});
    std::string want = numbered("line ", 501, 2000);
    CHECK_MESSAGE(out == want, first_difference(out, want));
}

TEST_CASE("after pm kill a new daemon shows the old lines from the log file") {
    TempHome home;
    REQUIRE(start_child(home, "old", {"print", "20"}, {"--restart", "never"}).exit_code == 0);
    wait_file_size(home.out_log("old"), static_cast<long long>(numbered("line ", 1, 20).size()), 10s);
    RunResult k = run_pm(home, {"kill"});
    REQUIRE_MESSAGE(k.exit_code == 0, describe(k));
    REQUIRE(home.wait_pmd_exit(30s).has_value());

    home.start_pmd();
    REQUIRE(start_child(home, "old", {"sleep"}).exit_code == 0);
    std::string out = pm_logs(home, {"old", "--lines", "5", "--raw"});
    CHECK(out == numbered("line ", 16, 20));
}

TEST_CASE("pm flush empties pm logs and the log files of that process only") {
    TempHome home;
    REQUIRE(start_child(home, "chatty", {"print-both", "50", "sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "other", {"print", "5", "sleep"}).exit_code == 0);
    wait_lines_out(home, "chatty", 50, 10s);
    wait_lines_out(home, "other", 5, 10s);
    const std::string out_path = home.out_log("chatty");
    const std::string err_path = home.file("logs/chatty-err.log");
    wait_file_size(err_path, static_cast<long long>(numbered("err ", 1, 50).size()), 10s);
    REQUIRE(!pm_logs(home, {"chatty"}).empty());

    RunResult f = run_pm(home, {"flush", "chatty"});
    REQUIRE_MESSAGE(f.exit_code == 0, describe(f));
    CHECK(pm_logs(home, {"chatty", "--lines", "1000"}).empty());
    CHECK(file_size(out_path) == 0);
    CHECK(file_size(err_path) == 0);
    CHECK(pm_logs(home, {"other", "--raw"}) == numbered("line ", 1, 5));
    CHECK(read_file(home.out_log("other")) == numbered("line ", 1, 5));
}

TEST_CASE("pm logs --out and --err show only that stream") {
    TempHome home;
    REQUIRE(start_child(home, "split", {"print-both", "10", "sleep"}).exit_code == 0);
    wait_lines_out(home, "split", 10, 10s);
    wait_until([&] { return u64(log_stats(home, "split"), "lines_err") >= 10; }, 10s,
               "split emitted its stderr lines");

    CHECK(pm_logs(home, {"split", "--out", "--raw", "--lines", "100"}) == numbered("out ", 1, 10));
    CHECK(pm_logs(home, {"split", "--err", "--raw", "--lines", "100"}) == numbered("err ", 1, 10));
    auto both = split_lines(pm_logs(home, {"split", "--raw", "--lines", "100"}));
    CHECK(both.size() == 20);
}

TEST_CASE("pm logs without a selector shows every process's lines prefixed with its name") {
    TempHome home;
    REQUIRE(start_child(home, "alpha", {"print", "3", "sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "beta", {"print-err", "3", "sleep"}).exit_code == 0);
    wait_lines_out(home, "alpha", 3, 10s);
    wait_until([&] { return u64(log_stats(home, "beta"), "lines_err") >= 3; }, 10s, "beta printed");
    int alpha = instance(home, "alpha").value("id", -1);
    int beta = instance(home, "beta").value("id", -1);

    auto lines = split_lines(pm_logs(home, {"--lines", "100"}));
    CHECK(lines.size() == 6);
    for (int i = 1; i <= 3; ++i) {
        std::string a = std::to_string(alpha) + "|alpha | line " + std::to_string(i);
        std::string b = std::to_string(beta) + "|beta | err " + std::to_string(i);
        CHECK_MESSAGE(std::find(lines.begin(), lines.end(), a) != lines.end(), "missing '" << a << "'");
        CHECK_MESSAGE(std::find(lines.begin(), lines.end(), b) != lines.end(), "missing '" << b << "'");
    }
}

TEST_CASE("pm reloadLogs after the log file was moved away writes a fresh file at its path") {
    TempHome home;
    REQUIRE(start_child(home, "moved", {"stamps", "1000000", "20"}).exit_code == 0);
    const std::string path = home.out_log("moved");
    const std::string aside = path + ".moved";
    wait_until([&] { return stamps_in(read_file(path)).size() >= 2; }, 10s, "moved logged two stamps");
    REQUIRE(::rename(path.c_str(), aside.c_str()) == 0);
    long long aside_size = file_size(aside);
    wait_until([&] { return file_size(aside) > aside_size; }, 10s,
               "pmd keeps writing to the moved file until told");
    CHECK_FALSE(file_exists(path));

    RunResult r = run_pm(home, {"reloadLogs"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out.find("reopened") != std::string::npos);
    wait_until([&] { return stamps_in(read_file(path)).size() >= 3; }, 10s,
               "new lines go to a fresh file at the original path");

    auto old_stamps = stamps_in(read_file(aside));
    auto new_stamps = stamps_in(read_file(path));
    REQUIRE(!old_stamps.empty());
    REQUIRE(!new_stamps.empty());
    CHECK(old_stamps.back() < new_stamps.front());
    CHECK(strictly_increasing(new_stamps));
}

TEST_CASE("pm rotateLogs moves the written lines to .1 for that process only and skips empty files") {
    TempHome home;
    REQUIRE(start_child(home, "rot", {"print", "5", "sleep"}).exit_code == 0);
    REQUIRE(start_child(home, "other", {"print", "3", "sleep"}).exit_code == 0);
    wait_lines_out(home, "rot", 5, 10s);
    wait_lines_out(home, "other", 3, 10s);
    const std::string path = home.out_log("rot");
    wait_file_size(path, static_cast<long long>(numbered("line ", 1, 5).size()), 10s);

    RunResult r = run_pm(home, {"--json", "rotateLogs", "rot"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(json::parse(r.out)["rotated"] == 1);  // the empty err file is left alone
    CHECK(read_file(path + ".1") == numbered("line ", 1, 5));
    CHECK(file_size(path) == 0);
    CHECK_FALSE(file_exists(home.file("logs/rot-err.log.1")));
    CHECK(u64(log_stats(home, "rot")["out_file"], "rotations") == 1);
    CHECK(read_file(home.out_log("other")) == numbered("line ", 1, 3));  // not selected
    CHECK_FALSE(file_exists(home.out_log("other") + ".1"));
    // pm logs still shows the old lines (from the ring).
    CHECK(pm_logs(home, {"rot", "--raw"}) == numbered("line ", 1, 5));

    RunResult again = run_pm(home, {"rotateLogs"});
    REQUIRE_MESSAGE(again.exit_code == 0, describe(again));
    CHECK(again.out == "rotated 1 log files\n");  // only other's file had lines
    CHECK(read_file(path + ".1") == numbered("line ", 1, 5));  // an empty file is not rotated over it
    RunResult missing = run_pm(home, {"rotateLogs", "nope"});
    CHECK_MESSAGE(missing.exit_code == 3, describe(missing));
}

TEST_CASE("pmd --log-rotate-cron rotates log files on schedule - a bad expression exits 2") {
    TempHome home(with_pmd_args({"--log-rotate-cron", "* * * * * *"}));
    REQUIRE(start_child(home, "ticking", {"stamps", "1000000", "20"}).exit_code == 0);
    const std::string path = home.out_log("ticking");
    wait_until([&] { return u64(log_stats(home, "ticking")["out_file"], "rotations") >= 2; }, 10s,
               "two scheduled rotations");
    // No line lost or reordered across the rotations: .2, .1 and the file in order.
    wait_until([&] { return !stamps_in(read_file(path)).empty(); }, 10s, "lines after the rotation");
    std::vector<long long> all;
    for (const std::string& f : {path + ".2", path + ".1", path}) {
        auto part = stamps_in(read_file(f));
        all.insert(all.end(), part.begin(), part.end());
    }
    CHECK(strictly_increasing(all));
    CHECK(read_file(home.log_file()).find("log rotation (* * * * * *)") != std::string::npos);

    TempHome bad(no_daemon());
    RunResult r = run_process(PMD_BIN, {"--foreground", "--log-rotate-cron", "0 25 * * *"}, bad.env(), 10s);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("bad hour field") != std::string::npos, describe(r));
}

TEST_CASE("--output and --error write the logs to the user's files, relative to the cwd, and rotate there") {
    TempHome home;
    TempDir dir;
    RunResult r = start_child(home, "custom", {"print-both", "3", "sleep"},
                              {"--cwd", dir.path(), "--output", "app.log", "--error", dir.path() + "/./app-err.log"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string out = dir.path() + "/app.log";
    const std::string err = dir.path() + "/app-err.log";
    wait_file_size(out, static_cast<long long>(numbered("out ", 1, 3).size()), 10s);
    wait_file_size(err, static_cast<long long>(numbered("err ", 1, 3).size()), 10s);
    CHECK(read_file(out) == numbered("out ", 1, 3));
    CHECK(read_file(err) == numbered("err ", 1, 3));
    CHECK_FALSE(file_exists(home.out_log("custom")));
    json spec = show_json(home, "custom")["spec"];
    CHECK(spec["out_file"] == out);  // absolute and normal
    CHECK(spec["err_file"] == err);
    RunResult rot = run_pm(home, {"rotateLogs", "custom"});
    REQUIRE_MESSAGE(rot.exit_code == 0, describe(rot));
    CHECK(read_file(out + ".1") == numbered("out ", 1, 3));
    // Kept by save: the resurrected process writes to the same files.
    REQUIRE(run_pm(home, {"save"}).exit_code == 0);
    REQUIRE(run_pm(home, {"kill"}).exit_code == 0);
    REQUIRE(home.wait_pmd_exit(20s).has_value());
    home.start_pmd({"--resurrect"});
    wait_file_size(out, static_cast<long long>(numbered("out ", 1, 3).size()), 10s);
    CHECK(read_file(out) == numbered("out ", 1, 3));

    // pmd's own files (pmd.lock, dump.json, other apps' logs) are off limits.
    for (const std::string& inside : {home.file("dump.json"), home.file("logs/other-out.log"), home.path() + "/"}) {
        CAPTURE(inside);
        RunResult refused = start_child(home, "mine", {"sleep"}, {"--error", inside});
        CHECK(refused.exit_code == 2);
        bool named = refused.err.find("PM_HOME") != std::string::npos ||
                     refused.err.find("must name a file") != std::string::npos;
        CHECK_MESSAGE(named, describe(refused));
    }
    if (::geteuid() == 0) {  // as root, pmd will not rotate in a directory another user controls
        std::filesystem::create_directory(dir.file("theirs"));
        REQUIRE(::chown(dir.file("theirs").c_str(), 65534, 65534) == 0);
        RunResult theirs = start_child(home, "theirs", {"sleep"}, {"--output", dir.file("theirs/x.log")});
        CHECK(theirs.exit_code == 2);
        CHECK_MESSAGE(theirs.err.find("another user") != std::string::npos, describe(theirs));
    }
    // A missing directory is made (as PM2 makes it); one that cannot be is refused.
    write_text(dir.file("plain"), "a file\n");
    RunResult missing = start_child(home, "nodir", {"sleep"}, {"--output", dir.file("plain/x.log")});
    CHECK(missing.exit_code == 2);
    CHECK_MESSAGE(missing.err.find(dir.file("plain") + " is not a directory") != std::string::npos,
                  describe(missing));
}

TEST_CASE("--output with several instances gives each its own file, and merged ones share one") {
    TempHome home;
    TempDir dir;
    REQUIRE(start_child(home, "multi", {"print", "2", "sleep"}, {"-i", "2", "--output", dir.path() + "/m.log"})
                .exit_code == 0);
    REQUIRE(start_child(home, "merged", {"print", "2", "sleep"},
                        {"-i", "2", "--merge-logs", "--output", dir.path() + "/g.log"})
                .exit_code == 0);
    const long long two = static_cast<long long>(numbered("line ", 1, 2).size());
    wait_file_size(dir.path() + "/m-0.log", two, 10s);
    wait_file_size(dir.path() + "/m-1.log", two, 10s);
    wait_file_size(dir.path() + "/g.log", 2 * two, 10s);
    CHECK(read_file(dir.path() + "/m-0.log") == numbered("line ", 1, 2));
    CHECK(read_file(dir.path() + "/m-1.log") == numbered("line ", 1, 2));
    CHECK(file_size(dir.path() + "/g.log") == 2 * two);
}

TEST_CASE("--output /dev/null keeps lines out of files and in pm logs") {
    TempHome home;
    RunResult r = start_child(home, "quiet", {"print", "20", "sleep"}, {"--output", "/dev/null"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_lines_out(home, "quiet", 20, 10s);
    CHECK(pm_logs(home, {"quiet", "--raw", "--lines", "100"}) == numbered("line ", 1, 20));
    CHECK_FALSE(file_exists(home.out_log("quiet")));
    CHECK(u64(log_stats(home, "quiet")["out_file"], "write_errors") == 0);
}

// A FIFO stands for every non-regular file (/dev/null, a tty): pm must never
// rename, truncate or rotate it, and never block the loop on it.
TEST_CASE("an --output FIFO is written as it is, never rotated or truncated, and never blocks pmd") {
    TempHome home;
    TempDir dir;
    const std::string fifo = dir.file("pipe");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    pm::UniqueFd reader(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    REQUIRE(reader.valid());
    RunResult r = start_child(home, "piped", {"print", "2000", "sleep"},
                              {"--output", fifo, "--max-log-size", "1K", "--log-files", "1"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    wait_lines_out(home, "piped", 2000, 10s);
    std::string got;
    wait_until(
        [&] {
            char buf[65536];
            for (ssize_t n; (n = ::read(reader.get(), buf, sizeof buf)) > 0;) {
                got.append(buf, static_cast<std::size_t>(n));
            }
            return got.size() >= numbered("line ", 1, 2000).size();
        },
        10s, "every line through the FIFO");
    CHECK(got == numbered("line ", 1, 2000));  // 19 KB: well past --max-log-size, not rotated
    REQUIRE(run_pm(home, {"rotateLogs"}).exit_code == 0);
    REQUIRE(run_pm(home, {"flush", "piped"}).exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(fifo.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_FALSE(file_exists(fifo + ".1"));
    CHECK(u64(log_stats(home, "piped")["out_file"], "rotations") == 0);

    // A FIFO nobody reads: pmd cannot open it for writing (counted), and
    // pm logs, which reads files past the ring, must not open it and wait
    // for a writer on the loop thread.
    const std::string lonely = dir.file("lonely");
    REQUIRE(::mkfifo(lonely.c_str(), 0600) == 0);
    RunResult l = start_child(home, "lonely", {"print", "3", "sleep"}, {"--output", lonely});
    REQUIRE_MESSAGE(l.exit_code == 0, describe(l));
    wait_lines_out(home, "lonely", 3, 10s);
    RunResult logs = run_pm(home, {"logs", "lonely", "--raw", "--lines", "1000"}, {}, 10s);
    CHECK_MESSAGE(logs.exit_code == 0, describe(logs));
    CHECK(logs.out == numbered("line ", 1, 3));
    RunResult ping = run_pm(home, {"ping"}, {}, 10s);
    CHECK_MESSAGE(ping.exit_code == 0, describe(ping));
}

TEST_CASE("--time and --log-date-format put the time before each file line, not in pm logs") {
    TempHome home;
    REQUIRE(start_child(home, "timed", {"print", "3", "sleep"}, {"--time"}).exit_code == 0);
    REQUIRE(start_child(home, "custom", {"print", "2", "sleep"}, {"--log-date-format", "[at] HH:mm:ss.SSS"})
                .exit_code == 0);
    wait_lines_out(home, "timed", 3, 10s);
    wait_lines_out(home, "custom", 2, 10s);
    const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: line (\d+))");
    const std::regex custom(R"(at \d\d:\d\d:\d\d\.\d{3}: line \d+)");
    wait_until([&] { return split_lines(read_file(home.out_log("timed"))).size() == 3; }, 10s, "3 lines in the file");
    auto lines = split_lines(read_file(home.out_log("timed")));
    for (std::size_t k = 0; k < lines.size(); ++k) {
        std::smatch m;
        CAPTURE(lines[k]);
        REQUIRE(std::regex_match(lines[k], m, iso));
        CHECK(m[1] == std::to_string(k + 1));
    }
    wait_until([&] { return split_lines(read_file(home.out_log("custom"))).size() == 2; }, 10s, "2 lines");
    for (const auto& line : split_lines(read_file(home.out_log("custom")))) {
        CAPTURE(line);
        CHECK(std::regex_match(line, custom));
    }
    CHECK(pm_logs(home, {"timed", "--raw"}) == numbered("line ", 1, 3));  // the ring keeps the exact bytes
    CHECK(show_json(home, "timed")["spec"]["log_date_format"] == "YYYY-MM-DDTHH:mm:ss");

    RunResult both = start_child(home, "both", {"sleep"}, {"--time", "--log-date-format", "HH"});
    CHECK_MESSAGE(both.exit_code == 2, describe(both));
}

TEST_CASE("a full disk degrades only the log file and one drop marker follows the recovery") {
    TempHome home(no_daemon());
    const std::string dir = home.file("logs");
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
        MESSAGE("skipped: cannot mount a tmpfs on the log dir (" << std::strerror(errno) << ")");
        return;
    }
    struct Unmount {
        std::string dir;
        ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
    } unmount{dir};
    home.start_pmd();
    REQUIRE(start_child(home, "ticker", {"stamps", "1000000", "20"}).exit_code == 0);
    const std::string path = home.out_log("ticker");
    wait_until([&] { return stamps_in(read_file(path)).size() >= 3; }, 10s, "ticker is being logged");

    // Fill the file system.
    const std::string filler = dir + "/filler";
    {
        int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        std::string block(64 << 10, 'f');
        while (::write(fd, block.data(), block.size()) > 0) {
        }
        ::close(fd);
    }
    json shown;
    wait_until(
        [&](std::string& observed) {
            shown = show_json(home, "ticker");
            observed = shown.dump();
            return u64(shown["instances"][0]["logs"]["out_file"], "dropped_lines") > 0;
        },
        10s, "pm show reports dropped lines for the out file");
    CHECK(shown["instances"][0]["logs"]["out_file"].value("degraded", false));

    // The child is not blocked and pm logs still gets its new lines.
    json inst = instance(home, "ticker");
    CHECK(inst["state"] == "online");
    std::string file_now = read_file(path);
    wait_until(
        [&](std::string& observed) {
            std::string last = pm_logs(home, {"ticker", "--raw", "--lines", "1"});
            observed = "last line in pm logs: " + last;
            return !last.empty() && file_now.find(last) == std::string::npos;
        },
        10s, "pm logs shows lines the file could not take");

    // Free the space: one marker, then lines again.
    REQUIRE(::unlink(filler.c_str()) == 0);
    std::string text;
    wait_until(
        [&](std::string& observed) {
            text = read_file(path);
            auto at = text.find("pmd: dropped");
            observed = "file tail: " + tail_lines(text, 3);
            return at != std::string::npos && stamps_in(text.substr(at)).size() >= 2;
        },
        40s, "a drop marker and new lines follow once space is free");
    CHECK(count_of(text, "pmd: dropped") == 1);
    auto at = text.find("pmd: dropped");
    CHECK_MESSAGE((at == 0 || text[at - 1] == '\n'),
                  "the marker does not start a line: '"
                      << text.substr(text.rfind('\n', at == 0 ? 0 : at - 1) + 1, 80) << "'");
    CHECK(text.find("dropped 0 lines") == std::string::npos);
    CHECK(strictly_increasing(stamps_in(text)));
    CHECK(pid_alive(home.pmd_child()));

    RunResult k = run_pm(home, {"kill"});
    CHECK_MESSAGE(k.exit_code == 0, describe(k));
    home.wait_pmd_exit(30s);
    if (::umount2(dir.c_str(), 0) == 0) {
        unmount.dir.clear();
    }
}

}  // TEST_SUITE
