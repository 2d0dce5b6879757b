// DateFormat: moment.js tokens for PM2's log_date_format and --time.
#include "common/date_format.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace {

// Runs the test body in a fixed time zone, restoring the previous one.
struct TimeZone {
    std::optional<std::string> old;
    explicit TimeZone(const char* tz) {
        if (const char* cur = std::getenv("TZ")) {
            old = cur;
        }
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~TimeZone() {
        if (old) {
            ::setenv("TZ", old->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
};

std::string format(std::string_view f, std::int64_t ms) {
    auto d = pm::DateFormat::parse(f);
    REQUIRE(d.has_value());
    std::string out;
    d->append(out, ms);
    return out;
}

constexpr std::int64_t k_afternoon = 1795365219045;  // 2026-11-22T16:33:39.045Z
constexpr std::int64_t k_morning = 1767323045007;    // 2026-01-02T03:04:05.007Z

std::optional<std::int64_t> read(std::string_view f, std::string_view line, std::size_t* len = nullptr) {
    auto d = pm::DateFormat::parse(f);
    REQUIRE(d.has_value());
    return d->read(line, len);
}

// Formats whose tokens determine a time: every way of writing the year,
// month, day, hour, minute and second, with and without SSS, Z and ZZ.
constexpr std::string_view k_full_formats[] = {
    pm::DateFormat::k_time_format, "YYYY-MM-DD HH:mm:ss.SSS Z", "YY/M/D H:m:s ZZ",     "DD MMM YYYY hh:mm:ss A",
    "dddd, MMMM Do YYYY h:m:s a",  "ddd MMM D YY HH:mm:ss.SSS", "[at] YYYYMMDDHHmmss", "MM/DD/YYYY hh:mm:ss.SSS a ZZ",
};

constexpr std::int64_t k_dates[] = {
    k_afternoon,   k_morning,
    1709251199999,  // 2024-02-29T23:59:59.999Z (leap day, last ms)
    946641600500,   // 1999-12-31T12:00:00.500Z (noon; YY 99 is 1999)
    946684800000,   // 2000-01-01T00:00:00.000Z (midnight: 12 AM)
    1000000000,     // 1970-01-12T13:46:40.000Z
};
}  // namespace

TEST_SUITE("common/date_format") {

TEST_CASE("moment tokens give the local time") {
    TimeZone utc("UTC0");
    CHECK(format(pm::DateFormat::k_time_format, k_afternoon) == "2026-11-22T16:33:39");
    CHECK(format("YYYY-MM-DD HH:mm:ss.SSS Z", k_afternoon) == "2026-11-22 16:33:39.045 +00:00");
    CHECK(format("YY/M/D H:m:s ZZ", k_morning) == "26/1/2 3:4:5 +0000");
    CHECK(format("hh:mm A, h a", k_afternoon) == "04:33 PM, 4 pm");
    CHECK(format("[YYYY at] HH", k_morning) == "YYYY at 03");
    CHECK(format("SSS", k_morning) == "007");
    // Names, as PM2 formats like "DD MMM YYYY" use them (English).
    CHECK(format("DD MMM YYYY HH:mm", k_afternoon) == "22 Nov 2026 16:33");
    CHECK(format("dddd, MMMM Do", k_afternoon) == "Sunday, November 22nd");
    CHECK(format("ddd Do", k_morning) == "Fri 2nd");
    CHECK(format("Do", k_morning + 9LL * 86400000) == "11th");
}

TEST_CASE("the offset follows the time zone") {
    TimeZone tokyo("JST-9");  // POSIX rules: no tzdata needed
    CHECK(format("YYYY-MM-DDTHH:mm Z", k_afternoon) == "2026-11-23T01:33 +09:00");
    TimeZone west("EST5");
    CHECK(format("HH ZZ", k_afternoon) == "11 -0500");
}

TEST_CASE("the cached second is refreshed when the second changes") {
    TimeZone utc("UTC0");
    auto d = pm::DateFormat::parse("ss.SSS");
    REQUIRE(d.has_value());
    std::string a, b, c;
    d->append(a, k_afternoon);
    d->append(b, k_afternoon + 500);
    d->append(c, k_afternoon + 1000);
    CHECK(a == "39.045");
    CHECK(b == "39.545");
    CHECK(c == "40.045");
}

TEST_CASE("empty and overlong formats are bad_args") {
    CHECK_FALSE(pm::DateFormat::parse("").has_value());
    CHECK_FALSE(pm::DateFormat::parse(std::string(129, 'Y')).has_value());
    CHECK(pm::DateFormat::parse("plain text").has_value());
}

TEST_CASE("read gives back the time append wrote, for every format that determines one") {
    TimeZone utc("UTC0");
    for (std::string_view f : k_full_formats) {
        bool has_millis = f.find("SSS") != std::string_view::npos;
        for (std::int64_t ms : k_dates) {
            std::string written = format(f, ms);
            std::size_t len = 0;
            auto got = read(f, written + ": the line", &len);
            CAPTURE(f);
            CAPTURE(written);
            REQUIRE(got.has_value());
            CHECK(*got == (has_millis ? ms : ms / 1000 * 1000));
            CHECK(len == written.size());
        }
    }
}

TEST_CASE("read takes local time as append writes it, or the written offset") {
    std::string local, with_offset;
    {
        TimeZone india("<+0530>-5:30");  // POSIX rules: no tzdata needed
        local = format("YYYY-MM-DD HH:mm:ss.SSS", k_afternoon);
        with_offset = format("YYYY-MM-DD HH:mm:ss.SSS Z", k_afternoon);
        CHECK(local == "2026-11-22 22:03:39.045");
        CHECK(read("YYYY-MM-DD HH:mm:ss.SSS", local) == k_afternoon);
    }
    TimeZone west("EST5");
    CHECK(read("YYYY-MM-DD HH:mm:ss.SSS Z", with_offset) == k_afternoon);  // the offset wins
    CHECK(read("YYYY-MM-DD HH:mm:ss.SSS", local) == k_afternoon + 10LL * 3600 * 1000 + 30LL * 60 * 1000);
    CHECK(read("YYYY-MM-DD HH:mm:ss ZZ", "2026-11-22 16:33:39 -0130") == 1795365219000LL + 5400000);
}

TEST_CASE("read gives nothing for a format that does not determine the time") {
    TimeZone utc("UTC0");
    for (std::string_view f : {"HH:mm:ss", "YYYY-MM-DD", "YYYY-MM-DD HH:mm", "YYYY-MM-DD hh:mm:ss", "MMMM Do HH:mm:ss",
                               "DD HH:mm:ss YYYY", "plain text"}) {
        CAPTURE(f);
        CHECK_FALSE(read(f, format(f, k_afternoon) + ": line").has_value());
    }
}

TEST_CASE("read gives nothing for a line that does not match the format") {
    TimeZone utc("UTC0");
    constexpr std::string_view f = pm::DateFormat::k_time_format;
    CHECK(read(f, "2026-11-22T16:33:39: ok") == 1795365219000LL);
    for (std::string_view line :
         {"", "hello world", "2026-11-22T16:33:3", "2026-11-22 16:33:39: a space", "2026-13-22T16:33:39: month 13",
          "2026-02-30T10:00:00: February 30", "2026-11-22T24:00:00: hour 24", "26-11-22T16:33:39: two-digit year",
          " 2026-11-22T16:33:39: leading space"}) {
        CAPTURE(line);
        CHECK_FALSE(read(f, line).has_value());
    }
    CHECK_FALSE(read("hh:mm:ss A DD/MM/YYYY", "04:33:39 XM 22/11/2026").has_value());
    CHECK_FALSE(read("Do MMMM YYYY HH:mm:ss", "22th November 2026 16:33:39").has_value());
    CHECK_FALSE(read("YYYY-MM-DD HH:mm:ss Z", "2026-11-22 16:33:39 +0000").has_value());  // Z has a colon
}

}  // TEST_SUITE("common/date_format")
