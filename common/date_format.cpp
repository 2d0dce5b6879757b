// DateFormat: moment.js-style tokens to text, and text back to a time.
#include "common/date_format.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <utility>

namespace pm {
namespace {

// Longest first, so "YYYY" wins over "YY" and "SSS" is one token.
constexpr std::array<std::pair<std::string_view, int>, 24> k_tokens{{
    {"YYYY", 1}, {"MMMM", 20}, {"dddd", 23}, {"SSS", 15}, {"MMM", 21}, {"ddd", 24}, {"YY", 2},
    {"MM", 3},   {"DD", 5},    {"Do", 22},   {"HH", 7},   {"hh", 9},   {"mm", 11},  {"ss", 13},
    {"ZZ", 19},  {"M", 4},     {"D", 6},     {"H", 8},    {"h", 10},   {"m", 12},   {"s", 14},
    {"A", 16},   {"a", 17},    {"Z", 18},
}};
constexpr std::string_view k_months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
constexpr std::string_view k_weekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
constexpr std::string_view k_ampm_upper[] = {"AM", "PM"};  // index: pm
constexpr std::string_view k_ampm_lower[] = {"am", "pm"};

// 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st, 22nd, 23rd, ..., 31st.
std::string_view ordinal_suffix(int n) {
    if (n % 100 >= 11 && n % 100 <= 13) {
        return "th";
    }
    switch (n % 10) {
        case 1: return "st";
        case 2: return "nd";
        case 3: return "rd";
        default: return "th";
    }
}

// Reads `min` to `max` digits at line[pos] (greedy) and advances pos.
std::optional<int> read_digits(std::string_view line, std::size_t& pos, std::size_t min, std::size_t max) {
    std::size_t n = 0;
    int v = 0;
    while (n < max && pos + n < line.size() && line[pos + n] >= '0' && line[pos + n] <= '9') {
        v = v * 10 + (line[pos + n] - '0');
        ++n;
    }
    if (n < min) {
        return std::nullopt;
    }
    pos += n;
    return v;
}

// The index of the name at line[pos] among `names`, each cut to `len`
// characters when len > 0 (MMM, ddd); advances pos.
template <std::size_t N>
std::optional<int> read_name(std::string_view line, std::size_t& pos, const std::string_view (&names)[N],
                             std::size_t len) {
    for (std::size_t i = 0; i < N; ++i) {
        std::string_view name = len > 0 ? names[i].substr(0, len) : names[i];
        if (line.substr(pos, name.size()) == name) {
            pos += name.size();
            return static_cast<int>(i);
        }
    }
    return std::nullopt;
}

// "22nd" (Do): the day; advances pos.
std::optional<int> read_ordinal(std::string_view line, std::size_t& pos) {
    std::size_t p = pos;
    auto d = read_digits(line, p, 1, 2);
    if (!d || line.substr(p, 2) != ordinal_suffix(*d)) {
        return std::nullopt;
    }
    pos = p + 2;
    return d;
}

// "+07:00" (Z) or "+0700" (ZZ): seconds east of UTC; advances pos.
std::optional<long> read_offset(std::string_view line, std::size_t& pos, bool colon) {
    if (pos >= line.size() || (line[pos] != '+' && line[pos] != '-')) {
        return std::nullopt;
    }
    long sign = line[pos] == '-' ? -1 : 1;
    std::size_t p = pos + 1;
    auto hours = read_digits(line, p, 2, 2);
    if (hours && colon) {
        hours = p < line.size() && line[p] == ':' ? (++p, hours) : std::nullopt;
    }
    auto minutes = hours ? read_digits(line, p, 2, 2) : std::nullopt;
    if (!minutes) {
        return std::nullopt;
    }
    pos = p;
    return sign * (*hours * 3600L + *minutes * 60L);
}

}  // namespace

// The fields read() found; -1 where the format has no token for one.
struct DateFormat::Fields {
    int year = -1, month = -1, day = -1, hour = -1, hour12 = -1, pm = -1, minute = -1, second = -1, millis = 0;
    std::optional<long> offset;  // seconds east of UTC, from Z or ZZ

    // Unix ms when the fields name one valid time; Feb 30 or a local time
    // skipped by a DST change is none.
    std::optional<std::int64_t> unix_ms() const {
        int h = hour >= 0 ? hour : hour12 >= 1 && hour12 <= 12 && pm >= 0 ? hour12 % 12 + 12 * pm : -1;
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || h < 0 || h > 23 || minute < 0 ||
            minute > 59 || second < 0 || second > 59) {
            return std::nullopt;
        }
        std::tm tm{};
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = h;
        tm.tm_min = minute;
        tm.tm_sec = second;
        tm.tm_isdst = -1;
        const std::tm want = tm;
        std::time_t t = offset ? ::timegm(&tm) - *offset : std::mktime(&tm);  // both normalise tm
        if (tm.tm_mday != want.tm_mday || tm.tm_mon != want.tm_mon || tm.tm_hour != want.tm_hour ||
            tm.tm_min != want.tm_min) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(t) * 1000 + millis;
    }
};

Result<DateFormat> DateFormat::parse(std::string_view format) {
    if (format.empty() || format.size() > 128) {
        return fail(ErrorCode::bad_args, "a log date format must be 1 to 128 characters (e.g. YYYY-MM-DD HH:mm:ss)");
    }
    DateFormat f;
    f.m_text = std::string(format);
    auto literal = [&](std::string_view text) {
        if (!f.m_parts.empty() && f.m_parts.back().token == Token::literal) {
            f.m_parts.back().literal.append(text);
        } else {
            f.m_parts.push_back(Part{Token::literal, std::string(text)});
        }
    };
    std::size_t i = 0;
    while (i < format.size()) {
        if (format[i] == '[') {  // [text] is literal
            auto close = format.find(']', i + 1);
            if (close == std::string_view::npos) {
                literal(format.substr(i));
                break;
            }
            literal(format.substr(i + 1, close - i - 1));
            i = close + 1;
            continue;
        }
        bool matched = false;
        for (const auto& [name, id] : k_tokens) {
            if (format.substr(i, name.size()) == name) {
                f.m_parts.push_back(Part{static_cast<Token>(id), {}});
                i += name.size();
                matched = true;
                break;
            }
        }
        if (!matched) {
            literal(format.substr(i, 1));
            ++i;
        }
    }
    return f;
}

void DateFormat::append(std::string& out, std::int64_t unix_ms) const {
    std::int64_t second = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
    if (second != m_cached_second) {
        auto t = static_cast<std::time_t>(second);
        ::localtime_r(&t, &m_tm);
        m_cached_second = second;
    }
    const std::tm& tm = m_tm;
    auto it = std::back_inserter(out);
    int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    for (const Part& p : m_parts) {
        switch (p.token) {
            case Token::literal: out.append(p.literal); break;
            case Token::year4: fmt::format_to(it, "{:04}", tm.tm_year + 1900); break;
            case Token::year2: fmt::format_to(it, "{:02}", (tm.tm_year + 1900) % 100); break;
            case Token::month2: fmt::format_to(it, "{:02}", tm.tm_mon + 1); break;
            case Token::month: fmt::format_to(it, "{}", tm.tm_mon + 1); break;
            case Token::day2: fmt::format_to(it, "{:02}", tm.tm_mday); break;
            case Token::day: fmt::format_to(it, "{}", tm.tm_mday); break;
            case Token::hour2: fmt::format_to(it, "{:02}", tm.tm_hour); break;
            case Token::hour: fmt::format_to(it, "{}", tm.tm_hour); break;
            case Token::hour12_2: fmt::format_to(it, "{:02}", hour12); break;
            case Token::hour12: fmt::format_to(it, "{}", hour12); break;
            case Token::minute2: fmt::format_to(it, "{:02}", tm.tm_min); break;
            case Token::minute: fmt::format_to(it, "{}", tm.tm_min); break;
            case Token::second2: fmt::format_to(it, "{:02}", tm.tm_sec); break;
            case Token::second: fmt::format_to(it, "{}", tm.tm_sec); break;
            case Token::millis: fmt::format_to(it, "{:03}", static_cast<int>(unix_ms - second * 1000)); break;
            case Token::month_name: out.append(k_months[tm.tm_mon]); break;
            case Token::month_short: out.append(k_months[tm.tm_mon].substr(0, 3)); break;
            case Token::day_ordinal: fmt::format_to(it, "{}{}", tm.tm_mday, ordinal_suffix(tm.tm_mday)); break;
            case Token::weekday_name: out.append(k_weekdays[tm.tm_wday]); break;
            case Token::weekday_short: out.append(k_weekdays[tm.tm_wday].substr(0, 3)); break;
            case Token::ampm_upper: out.append(k_ampm_upper[tm.tm_hour >= 12]); break;
            case Token::ampm_lower: out.append(k_ampm_lower[tm.tm_hour >= 12]); break;
            case Token::offset_colon:
            case Token::offset: {
                long off = tm.tm_gmtoff;
                char sign = off < 0 ? '-' : '+';
                off = std::labs(off);
                fmt::format_to(it, "{}{:02}{}{:02}", sign, off / 3600, p.token == Token::offset_colon ? ":" : "",
                               off / 60 % 60);
                break;
            }
        }
    }
}

std::optional<std::int64_t> DateFormat::read(std::string_view line, std::size_t* prefix_len) const {
    Fields f;
    std::size_t pos = 0;
    for (const Part& p : m_parts) {
        if (!read_part(p, line, pos, f)) {
            return std::nullopt;
        }
    }
    auto ms = f.unix_ms();
    if (ms && prefix_len != nullptr) {
        *prefix_len = pos;
    }
    return ms;
}

bool DateFormat::read_part(const Part& p, std::string_view line, std::size_t& pos, Fields& f) {
    auto set = [](int& field, std::optional<int> v) { return v ? (field = *v, true) : false; };
    switch (p.token) {
        case Token::literal:
            if (line.substr(pos, p.literal.size()) != p.literal) {
                return false;
            }
            pos += p.literal.size();
            return true;
        case Token::year4: return set(f.year, read_digits(line, pos, 4, 4));
        case Token::year2: {  // moment's pivot: 69..99 are 1900s
            auto yy = read_digits(line, pos, 2, 2);
            return set(f.year, yy ? std::optional<int>(*yy + (*yy > 68 ? 1900 : 2000)) : std::nullopt);
        }
        case Token::month2: return set(f.month, read_digits(line, pos, 2, 2));
        case Token::month: return set(f.month, read_digits(line, pos, 1, 2));
        case Token::day2: return set(f.day, read_digits(line, pos, 2, 2));
        case Token::day: return set(f.day, read_digits(line, pos, 1, 2));
        case Token::hour2: return set(f.hour, read_digits(line, pos, 2, 2));
        case Token::hour: return set(f.hour, read_digits(line, pos, 1, 2));
        case Token::hour12_2: return set(f.hour12, read_digits(line, pos, 2, 2));
        case Token::hour12: return set(f.hour12, read_digits(line, pos, 1, 2));
        case Token::minute2: return set(f.minute, read_digits(line, pos, 2, 2));
        case Token::minute: return set(f.minute, read_digits(line, pos, 1, 2));
        case Token::second2: return set(f.second, read_digits(line, pos, 2, 2));
        case Token::second: return set(f.second, read_digits(line, pos, 1, 2));
        case Token::millis: return set(f.millis, read_digits(line, pos, 3, 3));
        case Token::ampm_upper: return set(f.pm, read_name(line, pos, k_ampm_upper, 0));
        case Token::ampm_lower: return set(f.pm, read_name(line, pos, k_ampm_lower, 0));
        case Token::offset_colon:
        case Token::offset:
            f.offset = read_offset(line, pos, p.token == Token::offset_colon);
            return f.offset.has_value();
        case Token::month_name:
        case Token::month_short: {
            auto m = read_name(line, pos, k_months, p.token == Token::month_short ? 3 : 0);
            return set(f.month, m ? std::optional<int>(*m + 1) : std::nullopt);
        }
        case Token::day_ordinal: return set(f.day, read_ordinal(line, pos));
        case Token::weekday_name: return read_name(line, pos, k_weekdays, 0).has_value();
        case Token::weekday_short: return read_name(line, pos, k_weekdays, 3).has_value();
    }
    return false;
}

}  // namespace pm
