// DateFormat: PM2's log_date_format (moment.js tokens) before each log file
// line, in local time. Hand-written: fmt speaks strftime, not moment, and
// PM2 users' files carry moment formats.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pm {

class DateFormat {
public:
    // PM2's `--time` format.
    static constexpr std::string_view k_time_format = "YYYY-MM-DDTHH:mm:ss";

    // Fails (bad_args) on an empty format or one over 128 bytes.
    static Result<DateFormat> parse(std::string_view format);

    // Appends the formatted local time of `unix_ms` to `out`. The broken-down
    // time is cached per second, so a burst of lines costs one localtime_r.
    void append(std::string& out, std::int64_t unix_ms) const;

    // Pure. Reads back the time append() wrote at the start of `line`: unix
    // ms, or nullopt when the line does not match the format or the format
    // does not determine a time (it needs year, month, day, hour (HH or
    // hh + A), minute and second; SSS is optional). Read as local time like
    // append() writes it, unless Z or ZZ gives the offset; in the hour a DST
    // change repeats, the earlier reading may be chosen. `prefix_len`, when
    // given, gets the bytes matched.
    std::optional<std::int64_t> read(std::string_view line, std::size_t* prefix_len = nullptr) const;

    const std::string& text() const { return m_text; }

private:
    // YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z
    // ZZ; [text] is literal; any other character is copied as is.
    enum class Token : std::uint8_t {
        literal, year4, year2, month2, month, day2, day, hour2, hour, hour12_2, hour12, minute2, minute,
        second2, second, millis, ampm_upper, ampm_lower, offset_colon, offset, month_name, month_short,
        day_ordinal, weekday_name, weekday_short
    };
    struct Part {
        Token token;
        std::string literal;
    };
    struct Fields;  // what read() has found so far

    static bool read_part(const Part& p, std::string_view line, std::size_t& pos, Fields& f);

    std::string m_text;
    std::vector<Part> m_parts;
    mutable std::int64_t m_cached_second = INT64_MIN;
    mutable std::tm m_tm{};
};

}  // namespace pm
