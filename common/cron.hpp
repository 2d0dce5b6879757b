// Cron schedules for cron_restart: "min hour day month weekday", or with a
// leading seconds field ("sec min hour day month weekday", as PM2's cron
// library accepts). Each field: *, N, A-B, a step (*/N, A-B/N), or a comma
// list of those; weekday 0-7 with 0 and 7 for Sunday. Months and weekdays
// also by three-letter name (jan, MON), and the macros @yearly, @annually,
// @monthly, @weekly, @daily, @midnight, @hourly. As in cron, when both
// day and weekday are restricted, a time matching either one runs.
// Hand-written: Debian has no small C++ cron library, and the grammar is tiny.
// Pure (local time through the C library).
#pragma once

#include <bitset>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pm {

struct CronSchedule {
    std::bitset<60> second;
    std::bitset<60> minute;
    std::bitset<24> hour;
    std::bitset<32> day;      // 1..31
    std::bitset<13> month;    // 1..12
    std::bitset<8> weekday;   // 0..6, Sunday 0
    bool day_any = true;      // the day field was *
    bool weekday_any = true;  // the weekday field was *
};

Result<CronSchedule> parse_cron(std::string_view expr);

// A schedule with the text it was parsed from: parsed once where it enters
// (a start option, pmd's --log-rotate-cron), the text kept to show and save.
struct CronRule {
    std::string text;
    CronSchedule schedule;
};
Result<CronRule> parse_cron_rule(std::string_view expr);

// The first matching second strictly after `after` (local time), within
// about 5 years; nullopt when none exists (e.g. "0 0 31 2 *").
std::optional<std::time_t> cron_next(const CronSchedule& s, std::time_t after);

}  // namespace pm
