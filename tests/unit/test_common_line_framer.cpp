// Unit tests for LineFramer: splitting a byte stream into lines under a
// maximum line length. Pure; no I/O.
#include "common/line_framer.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using pm::LineFramer;
using Status = LineFramer::Status;

// Drains every complete line currently available; returns the final status.
Status drain(LineFramer& f, std::vector<std::string>& out) {
    std::string line;
    for (;;) {
        Status st = f.next(line);
        if (st != Status::line) {
            return st;
        }
        out.push_back(line);
    }
}

}  // namespace

TEST_SUITE("common") {

TEST_CASE("framer joins a line split across several feeds") {
    LineFramer f(1024);
    std::string line;
    f.feed("hel");
    CHECK(f.next(line) == Status::need_more);
    f.feed("lo wo");
    CHECK(f.next(line) == Status::need_more);
    f.feed("rld\nnext");
    REQUIRE(f.next(line) == Status::line);
    CHECK(line == "hello world");
    CHECK(f.next(line) == Status::need_more);
    CHECK(f.buffered() == 4);
    f.feed("\n");
    REQUIRE(f.next(line) == Status::line);
    CHECK(line == "next");
    CHECK(f.next(line) == Status::need_more);
    CHECK(f.buffered() == 0);
}

TEST_CASE("framer returns every line of a feed that holds many lines") {
    LineFramer f(16);
    std::vector<std::string> lines;
    SUBCASE("three lines and a partial tail") {
        f.feed("a\nbb\nccc\ndd");
        CHECK(drain(f, lines) == Status::need_more);
        CHECK(lines == std::vector<std::string>{"a", "bb", "ccc"});
        CHECK(f.buffered() == 2);
    }
    SUBCASE("empty lines are returned as empty strings") {
        f.feed("\n\nx\n\n");
        CHECK(drain(f, lines) == Status::need_more);
        CHECK(lines == std::vector<std::string>{"", "", "x", ""});
        CHECK(f.buffered() == 0);
    }
    SUBCASE("total feed larger than the limit is fine when each line fits") {
        std::string many;
        for (int i = 0; i < 100; ++i) {
            many += "line-" + std::to_string(i) + "\n";
        }
        f.feed(many);
        CHECK(drain(f, lines) == Status::need_more);
        REQUIRE(lines.size() == 100);
        CHECK(lines.front() == "line-0");
        CHECK(lines.back() == "line-99");
    }
}

TEST_CASE("framer keeps a trailing carriage return in the line") {
    LineFramer f(64);
    std::string line;
    f.feed("crlf\r\n\rlead\n");
    REQUIRE(f.next(line) == Status::line);
    CHECK(line == "crlf\r");
    REQUIRE(f.next(line) == Status::line);
    CHECK(line == "\rlead");
}

TEST_CASE("framer accepts a line of exactly the limit and rejects one byte more") {
    constexpr std::size_t k_limit = 10;
    std::string line;
    SUBCASE("complete line at the limit") {
        LineFramer f(k_limit);
        f.feed(std::string(k_limit, 'x') + "\n");
        REQUIRE(f.next(line) == Status::line);
        CHECK(line == std::string(k_limit, 'x'));
    }
    SUBCASE("partial line at the limit waits for its newline") {
        LineFramer f(k_limit);
        f.feed(std::string(k_limit, 'x'));
        CHECK(f.next(line) == Status::need_more);
        CHECK(f.buffered() == k_limit);
        f.feed("\n");
        REQUIRE(f.next(line) == Status::line);
        CHECK(line.size() == k_limit);
    }
    SUBCASE("complete line over the limit") {
        LineFramer f(k_limit);
        f.feed(std::string(k_limit + 1, 'x') + "\n");
        CHECK(f.next(line) == Status::overflow);
    }
    SUBCASE("partial line over the limit is rejected before its newline") {
        LineFramer f(k_limit);
        f.feed(std::string(k_limit + 1, 'x'));
        CHECK(f.next(line) == Status::overflow);
    }
    SUBCASE("over-limit line after good lines in the same feed") {
        LineFramer f(k_limit);
        f.feed("ok\n" + std::string(k_limit + 1, 'y') + "\nlater\n");
        REQUIRE(f.next(line) == Status::line);
        CHECK(line == "ok");
        CHECK(f.next(line) == Status::overflow);
    }
}

TEST_CASE("framer rejects a line over the limit and stays poisoned") {
    LineFramer f(8);
    std::string line = "untouched";
    SUBCASE("overflow detected on a partial line") {
        f.feed("0123456789");
        REQUIRE(f.next(line) == Status::overflow);
    }
    SUBCASE("overflow detected on a complete line") {
        f.feed("0123456789\n");
        REQUIRE(f.next(line) == Status::overflow);
    }
    CHECK(line == "untouched");
    CHECK(f.buffered() == 0);
    // Good input afterwards does not resynchronise the stream.
    f.feed("ok\n");
    CHECK(f.next(line) == Status::overflow);
    CHECK(f.next(line) == Status::overflow);
    CHECK(line == "untouched");
}

TEST_CASE("framer buffered count shrinks as lines are consumed") {
    LineFramer f(64);
    std::string line;
    f.feed("abc\ndefg\nhi");
    CHECK(f.buffered() == 11);
    REQUIRE(f.next(line) == Status::line);
    CHECK(f.buffered() == 7);
    REQUIRE(f.next(line) == Status::line);
    CHECK(f.buffered() == 2);
    CHECK(f.next(line) == Status::need_more);
    CHECK(f.buffered() == 2);
    f.feed("\n");
    REQUIRE(f.next(line) == Status::line);
    CHECK(line == "hi");
    CHECK(f.next(line) == Status::need_more);
    CHECK(f.buffered() == 0);
}

TEST_CASE("framer releases a large drained buffer") {
    // A burst of 1 MiB of short lines must not pin 1 MiB once consumed.
    LineFramer f(1024);
    std::string burst;
    while (burst.size() < 1024 * 1024) {
        burst += std::string(99, 'z') + "\n";
    }
    f.feed(burst);
    std::vector<std::string> lines;
    CHECK(drain(f, lines) == Status::need_more);
    CHECK(lines.size() == burst.size() / 100);
    CHECK(f.buffered() == 0);
    CHECK(f.capacity() <= 64 * 1024);
}

}  // TEST_SUITE("common")
