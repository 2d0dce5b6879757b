// Unit tests for LogRing: a byte-bounded ring of log records with increasing
// sequence numbers that drops its oldest records when over its limit. Pure.
#include "common/ring_buffer.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using pm::LogRecord;
using pm::LogRing;
using pm::LogStream;

constexpr std::size_t k_over = LogRing::k_record_overhead;

// Cost the ring charges for a record whose text has `len` bytes.
constexpr std::size_t cost(std::size_t len) { return len + k_over; }

std::vector<std::string> texts(const LogRing& r) {
    std::vector<std::string> out;
    for (const LogRecord& rec : r.records()) {
        out.push_back(rec.text);
    }
    return out;
}

std::vector<std::uint64_t> seqs(const LogRing& r) {
    std::vector<std::uint64_t> out;
    for (const LogRecord& rec : r.records()) {
        out.push_back(rec.seq);
    }
    return out;
}

}  // namespace

TEST_SUITE("common") {

TEST_CASE("log ring numbers records from 1 upwards") {
    LogRing r(1024 * 1024);
    CHECK(r.next_seq() == 1);
    CHECK(r.push(100, LogStream::out, false, "a") == 1);
    CHECK(r.push(101, LogStream::err, true, "b") == 2);
    CHECK(r.push(102, LogStream::out, false, "c") == 3);
    CHECK(r.next_seq() == 4);
    CHECK(seqs(r) == std::vector<std::uint64_t>{1, 2, 3});

    const LogRecord& second = r.records().at(1);
    CHECK(second.ts_ms == 101);
    CHECK(second.stream == LogStream::err);
    CHECK(second.partial);
    CHECK(second.text == "b");
    CHECK(pm::to_string(LogStream::out) == "out");
    CHECK(pm::to_string(LogStream::err) == "err");
}

TEST_CASE("log ring charges each record its text plus a fixed overhead") {
    LogRing r(1024 * 1024);
    CHECK(r.bytes() == 0);
    r.push(0, LogStream::out, false, "hello");
    CHECK(r.bytes() == cost(5));
    r.push(0, LogStream::out, false, "");
    CHECK(r.bytes() == cost(5) + cost(0));
    r.push(0, LogStream::err, false, std::string(1000, 'x'));
    CHECK(r.bytes() == cost(5) + cost(0) + cost(1000));
    CHECK(r.capacity() == 1024 * 1024);
    CHECK(r.dropped() == 0);
}

TEST_CASE("log ring drops oldest records when over its byte limit") {
    // Room for exactly three 10-byte records.
    LogRing r(3 * cost(10));
    for (int i = 0; i < 3; ++i) {
        r.push(i, LogStream::out, false, "line-" + std::to_string(i) + "xxxx");
    }
    CHECK(r.records().size() == 3);
    CHECK(r.bytes() == 3 * cost(10));  // exactly at the limit is allowed
    CHECK(r.dropped() == 0);

    SUBCASE("one more record drops the oldest one") {
        CHECK(r.push(3, LogStream::out, false, "line-3xxxx") == 4);
        CHECK(texts(r) == std::vector<std::string>{"line-1xxxx", "line-2xxxx", "line-3xxxx"});
        CHECK(seqs(r) == std::vector<std::uint64_t>{2, 3, 4});
        CHECK(r.bytes() == 3 * cost(10));
        CHECK(r.dropped() == 1);
    }
    SUBCASE("a large record drops as many old ones as needed") {
        r.push(3, LogStream::out, false, std::string(cost(10) + 10, 'y'));
        // cost(cost(10)+10) = 2*cost(10): two old records must go.
        CHECK(r.records().size() == 2);
        CHECK(r.records().front().text == "line-2xxxx");
        CHECK(r.bytes() == 3 * cost(10));
        CHECK(r.dropped() == 2);
    }
    SUBCASE("dropped keeps counting across many pushes") {
        for (int i = 3; i < 103; ++i) {
            r.push(i, LogStream::out, false, "0123456789");
        }
        CHECK(r.records().size() == 3);
        CHECK(r.dropped() == 100);
        CHECK(r.records().back().seq == 103);
        CHECK(r.bytes() <= r.capacity());
    }
}

TEST_CASE("log ring keeps the newest record even when it alone exceeds the limit") {
    LogRing r(cost(10));
    r.push(0, LogStream::out, false, "small");
    std::string huge(10 * cost(10), 'z');
    CHECK(r.push(1, LogStream::out, false, huge) == 2);
    REQUIRE(r.records().size() == 1);
    CHECK(r.records().front().text == huge);
    CHECK(r.records().front().seq == 2);
    CHECK(r.bytes() == cost(huge.size()));
    CHECK(r.dropped() == 1);

    // The next record, even a small one, replaces it.
    r.push(2, LogStream::out, false, "tiny");
    REQUIRE(r.records().size() == 1);
    CHECK(r.records().front().text == "tiny");
    CHECK(r.bytes() == cost(4));
    CHECK(r.dropped() == 2);

    SUBCASE("a zero-byte limit still keeps one record") {
        LogRing zero(0);
        zero.push(0, LogStream::out, false, "only");
        CHECK(zero.records().size() == 1);
        zero.push(0, LogStream::out, false, "newer");
        REQUIRE(zero.records().size() == 1);
        CHECK(zero.records().front().text == "newer");
    }
}

TEST_CASE("log ring clear empties records and bytes but keeps numbering") {
    LogRing r(1024 * 1024);
    r.push(0, LogStream::out, false, "a");
    r.push(0, LogStream::out, false, "b");
    r.clear();
    CHECK(r.records().empty());
    CHECK(r.bytes() == 0);
    // Sequence numbers never go back, so clients resuming by seq see no repeats.
    CHECK(r.next_seq() == 3);
    CHECK(r.push(0, LogStream::out, false, "c") == 3);
    CHECK(r.bytes() == cost(1));
}

TEST_CASE("log ring set_capacity shrinks to the newest records that fit") {
    LogRing r(1024 * 1024);
    for (int i = 0; i < 10; ++i) {
        r.push(i, LogStream::out, false, "record-" + std::to_string(i));  // 8 bytes each
    }
    CHECK(r.records().size() == 10);
    SUBCASE("shrink to four records") {
        r.set_capacity(4 * cost(8));
        CHECK(r.capacity() == 4 * cost(8));
        CHECK(texts(r) == std::vector<std::string>{"record-6", "record-7", "record-8", "record-9"});
        CHECK(r.bytes() == 4 * cost(8));
        CHECK(r.dropped() == 6);
    }
    SUBCASE("shrink below one record keeps the newest") {
        r.set_capacity(1);
        CHECK(texts(r) == std::vector<std::string>{"record-9"});
        CHECK(r.dropped() == 9);
    }
    SUBCASE("growing drops nothing") {
        r.set_capacity(2 * 1024 * 1024);
        CHECK(r.records().size() == 10);
        CHECK(r.dropped() == 0);
    }
}

}  // TEST_SUITE("common")
