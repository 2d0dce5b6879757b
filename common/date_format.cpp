// DateFormat: moment.js-style tokens to text.
#include "common/date_format.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
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

}  // namespace

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
            case Token::ampm_upper: out.append(tm.tm_hour < 12 ? "AM" : "PM"); break;
            case Token::ampm_lower: out.append(tm.tm_hour < 12 ? "am" : "pm"); break;
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

}  // namespace pm
