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

}  // TEST_SUITE
