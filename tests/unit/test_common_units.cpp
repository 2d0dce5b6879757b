// Unit tests for duration and size parsing and formatting.
#include "common/units.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

TEST_SUITE("common") {

TEST_CASE("durations parse to milliseconds") {
    struct Row {
        const char* text;
        std::int64_t ms;
    };
    const Row rows[] = {
        {"500ms", 500},
        {"10s", 10000},
        {"2m", 120000},
        {"1h", 3600000},
        {"1d", 86400000},
        {"250", 250},
        {"0", 0},
        {"0s", 0},
        {"1.5s", 1500},
        {"0.25h", 900000},
        {".5s", 500},
        {"10S", 10000},   // units are case-insensitive
        {"5MS", 5},
        {"1.5ms", 2},     // rounded to the nearest millisecond
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto r = pm::parse_duration_ms(row.text);
        REQUIRE(r.has_value());
        CHECK(*r == row.ms);
    }
}

TEST_CASE("junk negative and empty durations are rejected") {
    const char* bad[] = {
        "", "-1", "-5s", "+5s", "s", "ms", ".", "abc", "5x", "5 s", " 5", "5s ", "1e3",
        "1..5s", "1.5.2s", "inf", "nan", "5sec", "5y", "99999999999999999999h",
        "1234567890123456789012345",
    };
    for (const char* text : bad) {
        CAPTURE(text);
        auto r = pm::parse_duration_ms(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::bad_args);
        CHECK(r.error().message.find("duration") != std::string::npos);
    }
}

TEST_CASE("sizes parse to bytes with binary multiples") {
    struct Row {
        const char* text;
        std::int64_t bytes;
    };
    const Row rows[] = {
        {"100", 100},
        {"0", 0},
        {"100b", 100},
        {"64K", 65536},
        {"64k", 65536},
        {"64KB", 65536},
        {"200M", 209715200},
        {"200mb", 209715200},
        {"1.5G", 1610612736},
        {"2gb", 2147483648},
        {"0.5K", 512},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto r = pm::parse_size_bytes(row.text);
        REQUIRE(r.has_value());
        CHECK(*r == row.bytes);
    }
}

TEST_CASE("junk negative and empty sizes are rejected") {
    const char* bad[] = {"", "-1", "-1K", "K", "1T", "1KiB", "1 K", "abc", "1.2.3M", "99999999G"};
    for (const char* text : bad) {
        CAPTURE(text);
        auto r = pm::parse_size_bytes(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::bad_args);
        CHECK(r.error().message.find("size") != std::string::npos);
    }
}

TEST_CASE("durations format as a short human readable string") {
    struct Row {
        std::int64_t ms;
        const char* text;
    };
    const Row rows[] = {
        {0, "0ms"},
        {999, "999ms"},
        {1000, "1s"},
        {1999, "1s"},
        {59999, "59s"},
        {60000, "1m0s"},
        {61000, "1m1s"},
        {3599000, "59m59s"},
        {3600000, "1h0m"},
        {5400000, "1h30m"},
        {86399999, "23h59m"},
        {86400000, "1d0h"},
        {90000000, "1d1h"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.ms);
        CHECK(pm::format_duration_ms(row.ms) == row.text);
    }
}

TEST_CASE("sizes format with binary units") {
    struct Row {
        std::int64_t bytes;
        const char* text;
    };
    const Row rows[] = {
        {0, "0B"},
        {1023, "1023B"},
        {1024, "1.0K"},
        {1536, "1.5K"},
        {1048576, "1.0M"},
        {1572864, "1.5M"},
        {1073741824, "1.00G"},
        {1610612736, "1.50G"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.bytes);
        CHECK(pm::format_size(row.bytes) == row.text);
    }
}

TEST_CASE("parsed sizes and durations survive a format and parse round trip") {
    for (const char* text : {"64K", "200M", "1.5G"}) {
        CAPTURE(text);
        auto bytes = pm::parse_size_bytes(text);
        REQUIRE(bytes.has_value());
        auto again = pm::parse_size_bytes(pm::format_size(*bytes));
        REQUIRE(again.has_value());
        CHECK(*again == *bytes);
    }
    for (const char* text : {"500ms", "10s", "59s"}) {
        CAPTURE(text);
        auto ms = pm::parse_duration_ms(text);
        REQUIRE(ms.has_value());
        auto again = pm::parse_duration_ms(pm::format_duration_ms(*ms));
        REQUIRE(again.has_value());
        CHECK(*again == *ms);
    }
}

TEST_CASE("a duration flag needs its unit: a bare number other than 0 is a usage error naming the flag") {
    struct Row {
        const char* text;
        const char* message;
    };
    const Row bare[] = {
        {"3", "--timeout: give a unit: 3s or 3000ms (ms, s, m, h or d)"},
        {"1.5", "--timeout: give a unit: 1.5s or 1500ms (ms, s, m, h or d)"},
        {"500", "--timeout: give a unit: 500s or 500000ms (ms, s, m, h or d)"},
        {"soon", "--timeout: invalid duration 'soon'"},
        {"", "--timeout: invalid duration ''"},
    };
    for (const auto& row : bare) {
        CAPTURE(row.text);
        auto r = pm::parse_flag_duration_ms("--timeout", row.text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::usage);
        CHECK(r.error().message == row.message);
    }
    for (const char* zero : {"0", "0.0", "0s", "0ms"}) {
        CAPTURE(zero);
        CHECK(*pm::parse_flag_duration_ms("--restart-delay", zero) == 0);
    }
    CHECK(*pm::parse_flag_duration_ms("--kill-timeout", "5s") == 5000);
    CHECK(*pm::parse_flag_duration_ms("--kill-timeout", "1.5s") == 1500);
    CHECK(*pm::parse_flag_duration_ms("--kill-timeout", "250ms") == 250);
    CHECK(*pm::parse_flag_duration_ms("--kill-timeout", "2m") == 120000);
    CHECK(*pm::parse_flag_duration_ms("--kill-timeout", "1d") == 86400000);
}

}  // TEST_SUITE("common")
