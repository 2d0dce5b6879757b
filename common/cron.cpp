// Cron expression parsing and next-time search.
#include "common/cron.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace pm {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep, bool skip_empty) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(sep, start);
        if (end == std::string_view::npos) {
            end = s.size();
        }
        if (!(skip_empty && end == start)) {
            out.push_back(s.substr(start, end - start));
        }
        start = end + 1;
    }
    return out;
}

std::optional<int> number(std::string_view s) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) {
        return std::nullopt;
    }
    return v;
}

constexpr std::string_view k_months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::string_view k_weekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// A number, or a three-letter name (any case) from `names`, the first of
// which stands for `first`.
std::optional<int> value(std::string_view s, std::span<const std::string_view> names, int first) {
    if (s.size() == 3 && !names.empty()) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            bool same = true;
            for (std::size_t k = 0; k < 3; ++k) {
                same = same && std::tolower(static_cast<unsigned char>(s[k])) == names[i][k];
            }
            if (same) {
                return first + static_cast<int>(i);
            }
        }
    }
    return number(s);
}

// Sets bits [lo..hi] of one field from its text; false on a syntax or range error.
template <std::size_t N>
bool parse_field(std::string_view text, int lo, int hi, std::bitset<N>& bits, bool& any,
                 std::span<const std::string_view> names = {}) {
    any = text == "*";
    for (std::string_view item : split(text, ',', false)) {
        int step = 1;
        if (auto slash = item.find('/'); slash != std::string_view::npos) {
            auto s = number(item.substr(slash + 1));
            if (!s || *s < 1) {
                return false;
            }
            step = *s;
            item = item.substr(0, slash);
        }
        int from = lo;
        int to = hi;
        if (item != "*") {
            auto dash = item.find('-');
            auto a = value(item.substr(0, dash), names, lo);
            auto b = dash == std::string_view::npos ? a : value(item.substr(dash + 1), names, lo);
            if (!a || !b || *a > *b) {
                return false;
            }
            from = *a;
            // "N/step" means N, N+step, ... up to the field's maximum.
            to = dash == std::string_view::npos && step > 1 ? hi : *b;
        }
        if (from < lo || to > hi) {
            return false;
        }
        for (int v = from; v <= to; v += step) {
            bits.set(static_cast<std::size_t>(v));
        }
    }
    return true;
}

bool day_matches(const CronSchedule& s, const std::tm& t) {
    bool by_day = s.day.test(static_cast<std::size_t>(t.tm_mday));
    bool by_weekday = s.weekday.test(static_cast<std::size_t>(t.tm_wday));
    if (s.day_any && s.weekday_any) {
        return true;
    }
    if (s.day_any) {
        return by_weekday;
    }
    if (s.weekday_any) {
        return by_day;
    }
    return by_day || by_weekday;
}

}  // namespace

namespace {

// The shorthands of Vixie cron and of PM2's cron library.
std::string_view expand_macro(std::string_view expr) {
    constexpr std::pair<std::string_view, std::string_view> k_macros[] = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
    };
    for (const auto& [name, fields] : k_macros) {
        if (expr == name) {
            return fields;
        }
    }
    return expr;
}

}  // namespace

Result<CronSchedule> parse_cron(std::string_view text) {
    std::string_view expr = expand_macro(text);
    auto fields = split(expr, ' ', true);
    if (fields.size() == 5) {
        fields.insert(fields.begin(), "0");
    }
    if (fields.size() != 6) {
        return fail(ErrorCode::bad_args,
                    fmt::format("cron expression '{}': expected 5 fields (min hour day month weekday) or 6 "
                                "(with seconds first)",
                                text));
    }
    CronSchedule s;
    bool any = false;
    std::bitset<8> weekday;
    struct Field {
        const char* name;
        bool ok;
    };
    const Field checks[] = {
        {"second", parse_field(fields[0], 0, 59, s.second, any)},
        {"minute", parse_field(fields[1], 0, 59, s.minute, any)},
        {"hour", parse_field(fields[2], 0, 23, s.hour, any)},
        {"day", parse_field(fields[3], 1, 31, s.day, s.day_any)},
        {"month", parse_field(fields[4], 1, 12, s.month, any, k_months)},
        {"weekday", parse_field(fields[5], 0, 7, weekday, s.weekday_any, k_weekdays)},
    };
    for (const auto& c : checks) {
        if (!c.ok) {
            return fail(ErrorCode::bad_args, fmt::format("cron expression '{}': bad {} field", text, c.name));
        }
    }
    s.weekday = weekday;
    if (weekday.test(7)) {
        s.weekday.set(0);  // 7 is Sunday too
        s.weekday.reset(7);
    }
    return s;
}

std::optional<std::time_t> cron_next(const CronSchedule& s, std::time_t after) {
    std::time_t t = after + 1;
    const std::time_t limit = after + 5LL * 366 * 24 * 3600;
    // Each step jumps to the start of the next candidate unit; mktime
    // normalises overflowing fields and daylight-saving changes.
    while (t <= limit) {
        std::tm tm{};
        localtime_r(&t, &tm);
        tm.tm_isdst = -1;
        if (!s.month.test(static_cast<std::size_t>(tm.tm_mon + 1))) {
            tm.tm_mon += 1;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!day_matches(s, tm)) {
            tm.tm_mday += 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!s.hour.test(static_cast<std::size_t>(tm.tm_hour))) {
            tm.tm_hour += 1;
            tm.tm_min = tm.tm_sec = 0;
        } else if (!s.minute.test(static_cast<std::size_t>(tm.tm_min))) {
            tm.tm_min += 1;
            tm.tm_sec = 0;
        } else if (!s.second.test(static_cast<std::size_t>(tm.tm_sec))) {
            tm.tm_sec += 1;
        } else {
            return t;
        }
        std::time_t next = std::mktime(&tm);
        t = next > t ? next : t + 1;  // never go backwards (DST folds)
    }
    return std::nullopt;
}

Result<CronRule> parse_cron_rule(std::string_view expr) {
    auto schedule = parse_cron(expr);
    if (!schedule) {
        return schedule.error();
    }
    return CronRule{std::string(expr), *schedule};
}

}  // namespace pm
