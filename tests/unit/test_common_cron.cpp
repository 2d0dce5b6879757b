// Cron expressions: field syntax, errors, and the next matching time.
#include "common/cron.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

using pm::cron_next;
using pm::parse_cron;

namespace {

// Local time from fields; the tests run in UTC (TZ set below).
std::time_t at(int y, int mon, int d, int h, int mi, int s) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    return std::mktime(&tm);
}

struct Utc {
    Utc() {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};

}  // namespace

TEST_SUITE("common/cron") {

TEST_CASE("parse_cron accepts 5 and 6 fields, steps, ranges and lists") {
    auto daily = parse_cron("0 3 * * *");
    REQUIRE(daily.has_value());
    CHECK(daily->second.count() == 1);
    CHECK(daily->second.test(0));
    CHECK(daily->hour.count() == 1);
    CHECK(daily->hour.test(3));
    CHECK(daily->day_any);
    auto every = parse_cron("*/15 * * * * *");
    REQUIRE(every.has_value());
    CHECK(every->second.count() == 4);
    auto list = parse_cron("0 0 9-17/4 * * 1-5,7");
    REQUIRE(list.has_value());
    CHECK(list->hour.count() == 3);  // 9, 13, 17
    CHECK(list->weekday.test(0));    // 7 is Sunday
    CHECK(list->weekday.test(5));
    CHECK_FALSE(list->weekday.test(6));
    CHECK(parse_cron("  0   3 * * *  ").has_value());
}

TEST_CASE("parse_cron takes month and weekday names and the @ macros") {
    auto names = parse_cron("0 9 * jan,JUL-Sep mon-fri");
    REQUIRE(names.has_value());
    CHECK(names->month.test(1));
    CHECK(names->month.test(7));
    CHECK(names->month.test(9));
    CHECK(names->month.count() == 4);
    CHECK(names->weekday.count() == 5);
    CHECK_FALSE(names->weekday.test(0));
    CHECK(cron_next(*parse_cron("@daily"), at(2026, 11, 22, 12, 0, 0)) == at(2026, 11, 23, 0, 0, 0));
    CHECK(cron_next(*parse_cron("@hourly"), at(2026, 11, 22, 12, 0, 0)) == at(2026, 11, 22, 13, 0, 0));
    CHECK(cron_next(*parse_cron("@weekly"), at(2026, 11, 22, 12, 0, 0)) == at(2026, 11, 29, 0, 0, 0));
    CHECK(cron_next(*parse_cron("@monthly"), at(2026, 11, 22, 12, 0, 0)) == at(2026, 12, 1, 0, 0, 0));
    CHECK(cron_next(*parse_cron("@yearly"), at(2026, 11, 22, 12, 0, 0)) == at(2027, 1, 1, 0, 0, 0));
    CHECK(parse_cron("0 0 * * sun")->weekday.test(0));
    for (const char* bad : {"0 0 * jan mon-", "0 0 * * sunday", "0 0 jan * *", "0 0 * * xyz", "@often"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_cron(bad).has_value());
    }
}

TEST_CASE("parse_cron rejects bad expressions with the field named") {
    for (const char* bad : {"", "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                            "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "1,,2 * * * *", "-1 * * * *"}) {
        CAPTURE(bad);
        auto r = parse_cron(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::bad_args);
    }
    auto hour = parse_cron("0 25 * * *");
    REQUIRE_FALSE(hour.has_value());
    CHECK(hour.error().message.find("bad hour field") != std::string::npos);
}

TEST_CASE("cron_next finds the next matching second, strictly after the given time") {
    Utc utc;
    auto daily = *parse_cron("0 3 * * *");
    CHECK(cron_next(daily, at(2026, 11, 22, 2, 59, 59)) == at(2026, 11, 22, 3, 0, 0));
    CHECK(cron_next(daily, at(2026, 11, 22, 3, 0, 0)) == at(2026, 11, 23, 3, 0, 0));
    CHECK(cron_next(daily, at(2026, 12, 31, 4, 0, 0)) == at(2027, 1, 1, 3, 0, 0));
    auto two_s = *parse_cron("*/2 * * * * *");
    CHECK(cron_next(two_s, at(2026, 11, 22, 10, 0, 0)) == at(2026, 11, 22, 10, 0, 2));
    CHECK(cron_next(two_s, at(2026, 11, 22, 10, 0, 59)) == at(2026, 11, 22, 10, 1, 0));
    // Weekdays: 2026-11-22 is a Sunday; "0 9 * * 1" is Monday 09:00.
    CHECK(cron_next(*parse_cron("0 9 * * 1"), at(2026, 11, 22, 12, 0, 0)) == at(2026, 11, 23, 9, 0, 0));
    // Day and weekday both restricted: either matches (the 1st, or a Friday).
    CHECK(cron_next(*parse_cron("0 0 1 * 5"), at(2026, 11, 22, 0, 0, 0)) == at(2026, 11, 27, 0, 0, 0));
    // Leap day: the next February 29th.
    CHECK(cron_next(*parse_cron("0 0 29 2 *"), at(2026, 11, 22, 0, 0, 0)) == at(2028, 2, 29, 0, 0, 0));
}

TEST_CASE("cron_next gives up on a date that never exists") {
    Utc utc;
    CHECK_FALSE(cron_next(*parse_cron("0 0 31 2 *"), at(2026, 1, 1, 0, 0, 0)).has_value());
}

TEST_CASE("parse_cron_rule keeps the text as written beside the schedule") {
    auto rule = pm::parse_cron_rule("@daily");
    REQUIRE(rule.has_value());
    CHECK(rule->text == "@daily");
    CHECK(rule->schedule.hour.test(0));
    CHECK_FALSE(rule->schedule.hour.test(1));
    CHECK_FALSE(pm::parse_cron_rule("61 * * * *").has_value());
}

}  // TEST_SUITE
