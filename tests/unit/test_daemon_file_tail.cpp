// Unit tests for tail_lines: the last lines of a log file and its rotations,
// oldest first, under a byte budget. Each test case uses its own mkdtemp dir.
#include "daemon/logs/file_tail.hpp"

#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/logs/log_file.hpp"

using pm::test::TempDir;

namespace {

namespace fs = std::filesystem;
using pm::logs::LogFile;
using pm::logs::tail_lines;
using Lines = std::vector<std::string>;

constexpr std::size_t k_no_budget = 1 << 30;

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    REQUIRE(out.good());
}

std::string numbered(const std::string& prefix, int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) {
        s += prefix + std::to_string(i) + "\n";
    }
    return s;
}

Lines numbered_lines(const std::string& prefix, int from, int to) {
    Lines v;
    for (int i = from; i <= to; ++i) {
        v.push_back(prefix + std::to_string(i));
    }
    return v;
}

}  // namespace

TEST_SUITE("logs") {

TEST_CASE("tail returns the last n lines of one file, oldest first") {
    TempDir dir("pm-tail");
    const std::string path = dir / "app.log";
    write_file(path, numbered("line-", 1, 10));
    CHECK(tail_lines(path, 0, 3, k_no_budget) == Lines{"line-8", "line-9", "line-10"});
    CHECK(tail_lines(path, 0, 1, k_no_budget) == Lines{"line-10"});
    CHECK(tail_lines(path, 0, 10, k_no_budget) == numbered_lines("line-", 1, 10));
    CHECK(tail_lines(path, 0, 0, k_no_budget).empty());
}

TEST_CASE("tail returns the whole file when n is larger than it") {
    TempDir dir("pm-tail");
    const std::string path = dir / "app.log";
    write_file(path, "a\nb\nc\n");
    CHECK(tail_lines(path, 0, 100, k_no_budget) == Lines{"a", "b", "c"});
    CHECK(tail_lines(path, 5, 100, k_no_budget) == Lines{"a", "b", "c"});  // no rotations on disk
}

TEST_CASE("tail handles files with and without a trailing newline") {
    TempDir dir("pm-tail");
    const std::string path = dir / "app.log";
    struct Row {
        const char* content;
        Lines all;
    };
    const Row rows[] = {
        {"a\nb\nc\n", {"a", "b", "c"}},
        {"a\nb\nc", {"a", "b", "c"}},
        {"only\n", {"only"}},
        {"only", {"only"}},
        {"a\n\nb\n", {"a", "", "b"}},
        {"a\nb\n\n", {"a", "b", ""}},
        {"", {}},
    };
    for (const Row& row : rows) {
        CAPTURE(row.content);
        write_file(path, row.content);
        CHECK(tail_lines(path, 0, 100, k_no_budget) == row.all);
        if (!row.all.empty()) {
            CHECK(tail_lines(path, 0, 1, k_no_budget) == Lines{row.all.back()});
        }
    }
}

TEST_CASE("tail keeps an empty first line") {
    TempDir dir("pm-tail");
    const std::string path = dir / "app.log";
    SUBCASE("empty line before others") {
        write_file(path, "\nb\n");
        CHECK(tail_lines(path, 0, 100, k_no_budget) == Lines{"", "b"});
    }
    SUBCASE("a file holding one empty line") {
        write_file(path, "\n");
        CHECK(tail_lines(path, 0, 100, k_no_budget) == Lines{""});
    }
}

TEST_CASE("tail reads on into rotated files, older ones first") {
    TempDir dir("pm-tail");
    const std::string path = dir / "app.log";
    write_file(LogFile::rotated_name(path, 2), numbered("r2-", 1, 3));
    write_file(LogFile::rotated_name(path, 1), numbered("r1-", 1, 3));
    write_file(path, numbered("cur-", 1, 2));

    CHECK(tail_lines(path, 2, 2, k_no_budget) == Lines{"cur-1", "cur-2"});
    CHECK(tail_lines(path, 2, 4, k_no_budget) == Lines{"r1-2", "r1-3", "cur-1", "cur-2"});
    CHECK(tail_lines(path, 2, 6, k_no_budget) == Lines{"r2-3", "r1-1", "r1-2", "r1-3", "cur-1", "cur-2"});
    CHECK(tail_lines(path, 2, 100, k_no_budget) ==
          Lines{"r2-1", "r2-2", "r2-3", "r1-1", "r1-2", "r1-3", "cur-1", "cur-2"});

    SUBCASE("keep limits how many rotations are read") {
        CHECK(tail_lines(path, 1, 100, k_no_budget) == Lines{"r1-1", "r1-2", "r1-3", "cur-1", "cur-2"});
        CHECK(tail_lines(path, 0, 100, k_no_budget) == Lines{"cur-1", "cur-2"});
    }
    SUBCASE("a rotation without a trailing newline still ends its last line") {
        write_file(LogFile::rotated_name(path, 1), "r1-1\nr1-2");
        CHECK(tail_lines(path, 1, 3, k_no_budget) == Lines{"r1-2", "cur-1", "cur-2"});
    }
    SUBCASE("an empty current file defers to the rotation") {
        write_file(path, "");
        CHECK(tail_lines(path, 2, 2, k_no_budget) == Lines{"r1-2", "r1-3"});
    }
    SUBCASE("a missing current file defers to the rotation") {
        fs::remove(path);
        CHECK(tail_lines(path, 2, 2, k_no_budget) == Lines{"r1-2", "r1-3"});
    }
}

TEST_CASE("tail stops at its byte budget and returns only whole lines") {
    TempDir dir("pm-tail");
    const std::string path = dir / "app.log";
    const std::string content = numbered("line-", 10, 99);  // 90 lines of 8 bytes
    write_file(path, content);
    const Lines all = numbered_lines("line-", 10, 99);

    for (std::size_t budget : {1U, 7U, 8U, 9U, 16U, 17U, 40U, 100U, 719U, 720U, 10000U}) {
        CAPTURE(budget);
        Lines got = tail_lines(path, 0, 1000, budget);
        // A suffix of the file's lines, costing no more than the budget.
        REQUIRE(got.size() <= all.size());
        CHECK(std::equal(got.begin(), got.end(), all.end() - static_cast<std::ptrdiff_t>(got.size())));
        std::size_t bytes = 0;
        for (const auto& l : got) {
            bytes += l.size() + 1;
        }
        CHECK(bytes <= budget);
        // Budget permitting, at least all lines but one it could fully read.
        CHECK(got.size() + 1 >= std::min<std::size_t>(budget / 8, all.size()));
        if (budget >= content.size()) {
            CHECK(got == all);
        }
    }

    SUBCASE("the budget spans rotations") {
        write_file(LogFile::rotated_name(path, 1), numbered("old-", 1, 5));  // 6 bytes each
        Lines got = tail_lines(path, 1, 1000, content.size() + 12);
        CHECK(got.size() >= all.size());
        CHECK(got.size() <= all.size() + 2);
        CHECK(got.back() == "line-99");
        CHECK(tail_lines(path, 1, 1000, content.size() + 30).size() == all.size() + 5);
    }
}

TEST_CASE("tail returns lines longer than its 64 KiB read block") {
    TempDir dir("pm-tail");
    const std::string path = dir / "app.log";
    std::string longest(200 * 1024, 'L');
    longest[0] = '<';
    longest.back() = '>';
    std::string long2(65 * 1024, 'M');
    write_file(path, "head\n" + longest + "\nmid\n" + long2 + "\ntail\n");

    CHECK(tail_lines(path, 0, 1, k_no_budget) == Lines{"tail"});
    CHECK(tail_lines(path, 0, 2, k_no_budget) == Lines{long2, "tail"});
    CHECK(tail_lines(path, 0, 4, k_no_budget) == Lines{longest, "mid", long2, "tail"});
    CHECK(tail_lines(path, 0, 10, k_no_budget) == Lines{"head", longest, "mid", long2, "tail"});

    SUBCASE("a newline exactly at a block boundary") {
        // The last 64 KiB block starts right after a newline.
        std::string before(1000, 'b');
        std::string last(64 * 1024 - 1, 'c');
        write_file(path, before + "\n" + last + "\n");
        CHECK(tail_lines(path, 0, 10, k_no_budget) == Lines{before, last});
        // ...and one byte either side of it.
        write_file(path, before + "\n" + std::string(64 * 1024, 'd') + "\n");
        CHECK(tail_lines(path, 0, 10, k_no_budget) == Lines{before, std::string(64 * 1024, 'd')});
        write_file(path, before + "\n" + std::string(64 * 1024 - 2, 'e') + "\n");
        CHECK(tail_lines(path, 0, 10, k_no_budget) == Lines{before, std::string(64 * 1024 - 2, 'e')});
    }
    SUBCASE("a long line without a trailing newline") {
        write_file(path, "head\n" + longest);
        CHECK(tail_lines(path, 0, 10, k_no_budget) == Lines{"head", longest});
    }
}

}  // TEST_SUITE("logs")
