// Unit tests for parse_proc_stat: captured /proc/<pid>/stat lines (fields per
// proc(5)), awkward command names, malformed input, and the live
// /proc/self/stat. Pure apart from the live case.
#include "daemon/metrics/proc_parse.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace {

using pm::metrics::parse_proc_stat;
using pm::metrics::ProcStat;

// A node process as captured from /proc/<pid>/stat (52 fields, Linux 6.x).
// Field numbers per proc(5): 1 pid, 2 comm, 3 state, 4 ppid, 5 pgrp,
// 14 utime, 15 stime, 20 num_threads, 22 starttime, 24 rss.
constexpr std::string_view k_node_stat =
    "48213 (node) S 1207 48213 48213 0 -1 4194560 152340 0 12 0 4521 873 0 0 20 0 11 0 "
    "98765432 1154506752 23456 18446744073709551615 94172104761344 94172104781225 "
    "140729824061984 0 0 0 0 16781312 134234626 0 0 0 17 3 0 0 0 0 0 94172104797232 "
    "94172104798848 94172886487040 140729824070275 140729824070295 140729824070295 "
    "140729824071659 0\n";

// The same fields after a command name.
std::string stat_line(std::string_view pid_and_comm) {
    std::string_view rest = k_node_stat.substr(k_node_stat.find(") ") + 1);
    return std::string(pid_and_comm) + std::string(rest);
}

void check_node_fields(const ProcStat& st) {
    CHECK(st.state == 'S');
    CHECK(st.ppid == 1207);
    CHECK(st.pgrp == 48213);
    CHECK(st.utime == 4521);
    CHECK(st.stime == 873);
    CHECK(st.threads == 11);
    CHECK(st.starttime == 98765432);
    CHECK(st.rss_pages == 23456);
    CHECK(st.vsize == 1154506752);
}

}  // namespace

TEST_SUITE("metrics") {

TEST_CASE("proc stat parser reads the fields of a captured stat line") {
    auto st = parse_proc_stat(k_node_stat);
    REQUIRE(st.has_value());
    CHECK(st->pid == 48213);
    check_node_fields(*st);

    SUBCASE("without the trailing newline") {
        auto st2 = parse_proc_stat(k_node_stat.substr(0, k_node_stat.size() - 1));
        REQUIRE(st2.has_value());
        check_node_fields(*st2);
    }
    SUBCASE("zombie and other states") {
        for (char state : {'R', 'D', 'Z', 'T', 't', 'X', 'I'}) {
            std::string line = stat_line("9 (w)");
            line[line.find(") ") + 2] = state;
            auto s = parse_proc_stat(line);
            REQUIRE(s.has_value());
            CHECK(s->state == state);
        }
    }
}

TEST_CASE("proc stat parser reads the CPU time of waited-for children (a shell running commands)") {
    // A bash whose reaped children used 3120 + 77 ticks (fields 16 and 17).
    std::string line = stat_line("311 (bash)");
    auto cut = line.find(" 4521 873 0 0 ");
    REQUIRE(cut != std::string::npos);
    line.replace(cut, 14, " 4521 873 3120 77 ");
    auto st = parse_proc_stat(line);
    REQUIRE(st.has_value());
    CHECK(st->utime == 4521);
    CHECK(st->stime == 873);
    CHECK(st->cutime == 3120);
    CHECK(st->cstime == 77);
    CHECK(st->threads == 11);
    CHECK(st->vsize == 1154506752);
}

TEST_CASE("proc stat parser accepts command names with spaces and parentheses") {
    struct Row {
        std::string_view head;
        int pid;
    };
    const Row rows[] = {
        {"1 (systemd)", 1},
        {"77 (my app)", 77},
        {"77 ((a) b))", 77},
        {"4194303 (x) S 9 9)", 4194303},  // a name that mimics the fields after it
        {"12 ()", 12},
        {"13 ( )", 13},
        {"14 ())", 14},
        {"15 (((()", 15},
    };
    for (const Row& row : rows) {
        CAPTURE(row.head);
        auto st = parse_proc_stat(stat_line(row.head));
        REQUIRE(st.has_value());
        CHECK(st->pid == row.pid);
        check_node_fields(*st);
    }
}

TEST_CASE("proc stat parser rejects garbage") {
    for (std::string_view bad : {
             std::string_view(""),
             std::string_view("\n"),
             std::string_view("hello world"),
             std::string_view("48213"),
             std::string_view("(node) S 1207 48213 48213 0 -1 4194560 152340 0 12 0 4521 873 0 0 20 0 11 0 1 2 3"),
             std::string_view("abc (node) S 1207 48213 48213 0 -1 4194560 152340 0 12 0 4521 873 0 0 20 0 11 0 1 2 3"),
             std::string_view("48213 node) S 1207 48213 48213 0 -1 4194560 152340 0 12 0 4521 873 0 0 20 0 11 0 1 2 3"),
             std::string_view("48213 (node S 1207 48213 48213 0 -1 4194560 152340 0 12 0 4521 873 0 0 20 0 11 0 1 2 3"),
             std::string_view(")( 1 2 3"),
         }) {
        CAPTURE(bad);
        CHECK_FALSE(parse_proc_stat(bad).has_value());
    }
    SUBCASE("non-numeric or out-of-range fields") {
        for (std::string_view head : {"48213 (node) SS", "48213 (node) ?x"}) {
            CAPTURE(head);
            std::string line = stat_line("48213 (node)");
            line.replace(0, line.find(") S") + 3, head);
            CHECK_FALSE(parse_proc_stat(line).has_value());
        }
        auto replace_field = [](std::string_view from, std::string_view to) {
            std::string line(k_node_stat);
            auto at = line.find(from);
            REQUIRE(at != std::string::npos);
            line.replace(at, from.size(), to);
            return line;
        };
        CHECK_FALSE(parse_proc_stat(replace_field(" 1207 ", " x207 ")).has_value());           // ppid
        CHECK_FALSE(parse_proc_stat(replace_field(" 4521 873 ", " -4521 873 ")).has_value());  // utime
        CHECK_FALSE(parse_proc_stat(replace_field(" 4521 873 ", " 4521 8.3 ")).has_value());   // stime
        CHECK_FALSE(parse_proc_stat(replace_field(" 11 0 98765432 ", " 11 0 999999999999999999999 "))
                        .has_value());  // starttime overflows 64 bits
        CHECK_FALSE(parse_proc_stat(replace_field(" 23456 ", " 23456x ")).has_value());  // rss
        CHECK_FALSE(parse_proc_stat(replace_field(" 20 0 11 ", " 20 0  11 ")).has_value());  // empty field
    }
}

TEST_CASE("proc stat parser rejects a line truncated before the rss field") {
    // Every prefix that ends before the rss field (24) is incomplete.
    std::size_t rss_at = k_node_stat.find(" 23456 ") + 1;
    REQUIRE(rss_at > 1);
    for (std::size_t len = 0; len <= rss_at; ++len) {
        CAPTURE(len);
        CHECK_FALSE(parse_proc_stat(k_node_stat.substr(0, len)).has_value());
    }
    // Ending right after rss is enough: later fields are not needed.
    auto st = parse_proc_stat(k_node_stat.substr(0, rss_at + 5));
    REQUIRE(st.has_value());
    CHECK(st->rss_pages == 23456);
}

TEST_CASE("proc stat parser reads the live /proc/self/stat") {
    std::ifstream in("/proc/self/stat");
    REQUIRE(in.is_open());
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    CAPTURE(text);
    auto st = parse_proc_stat(text);
    REQUIRE(st.has_value());
    CHECK(st->pid == ::getpid());
    CHECK(st->ppid == ::getppid());
    CHECK(st->pgrp == ::getpgrp());
    CHECK(st->state == 'R');  // reading its own stat, so running
    CHECK(st->threads >= 1);
    CHECK(st->rss_pages > 0);
    CHECK(st->vsize >= static_cast<std::uint64_t>(st->rss_pages) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
    CHECK(st->starttime > 0);
}

}  // TEST_SUITE("metrics")
