// Unit parsing/formatting for durations and sizes.
#include "common/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace pm {
namespace {

struct Unit {
    std::string_view suffix;
    double factor;
};

// Splits "1.5G" into 1.5 and "G"; rejects junk, negatives and overflow.
Result<std::int64_t> parse_with_units(std::string_view text, const Unit* units, std::size_t n,
                                      std::string_view what) {
    auto bad = [&] {
        return Error{ErrorCode::bad_args, fmt::format("invalid {} '{}'", what, text)};
    };
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
        ++i;
    }
    if (i == 0 || i > 24) {
        return bad();
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
    if (ec != std::errc() || ptr != text.data() + i || !std::isfinite(value)) {
        return bad();
    }
    std::string suffix(text.substr(i));
    for (auto& c : suffix) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (std::size_t k = 0; k < n; ++k) {
        if (units[k].suffix == suffix) {
            double v = value * units[k].factor;
            if (v > 9.0e15) {
                return bad();
            }
            return static_cast<std::int64_t>(std::llround(v));
        }
    }
    return bad();
}

}  // namespace

Result<std::int64_t> parse_duration_ms(std::string_view text) {
    static constexpr Unit k_units[] = {{"", 1},          {"ms", 1},          {"s", 1000},
                                       {"m", 60 * 1000}, {"h", 3600 * 1000}, {"d", 86400 * 1000.0}};
    return parse_with_units(text, k_units, std::size(k_units), "duration");
}

Result<std::int64_t> parse_flag_duration_ms(std::string_view flag, std::string_view text) {
    auto ms = parse_duration_ms(text);
    if (!ms) {
        return Error{ErrorCode::usage, fmt::format("{}: {}", flag, ms.error().message)};
    }
    bool bare = text.find_first_not_of("0123456789.") == std::string_view::npos;
    bool zero = text.find_first_not_of("0.") == std::string_view::npos;
    if (bare && !zero) {
        std::string as_seconds = fmt::format("{}s", text);
        auto seconds = parse_duration_ms(as_seconds);
        std::string spelled = seconds ? fmt::format("{} or {}ms", as_seconds, *seconds) : as_seconds;
        return Error{ErrorCode::usage, fmt::format("{}: give a unit: {} (ms, s, m, h or d)", flag, spelled)};
    }
    return *ms;
}

Result<std::int64_t> parse_size_bytes(std::string_view text) {
    static constexpr Unit k_units[] = {
        {"", 1},       {"b", 1},       {"k", 1024.0}, {"kb", 1024.0}, {"m", 1048576.0},
        {"mb", 1048576.0}, {"g", 1073741824.0}, {"gb", 1073741824.0}};
    return parse_with_units(text, k_units, std::size(k_units), "size");
}

std::string format_duration_ms(std::int64_t ms) {
    if (ms < 1000) {
        return fmt::format("{}ms", ms);
    }
    std::int64_t s = ms / 1000;
    if (s < 60) {
        return fmt::format("{}s", s);
    }
    if (s < 3600) {
        return fmt::format("{}m{}s", s / 60, s % 60);
    }
    if (s < 86400) {
        return fmt::format("{}h{}m", s / 3600, (s % 3600) / 60);
    }
    return fmt::format("{}d{}h", s / 86400, (s % 86400) / 3600);
}

std::string format_size(std::int64_t bytes) {
    if (bytes < 1024) {
        return fmt::format("{}B", bytes);
    }
    if (bytes < 1024 * 1024) {
        return fmt::format("{:.1f}K", static_cast<double>(bytes) / 1024.0);
    }
    if (bytes < 1024LL * 1024 * 1024) {
        return fmt::format("{:.1f}M", static_cast<double>(bytes) / 1048576.0);
    }
    return fmt::format("{:.2f}G", static_cast<double>(bytes) / 1073741824.0);
}

}  // namespace pm
