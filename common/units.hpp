// Durations ("500ms", "10s", "2m", "1h"; a bare number is milliseconds, as
// in PM2's files and on the wire; the command line's rule is stricter: see
// parse_flag_duration_ms) and sizes ("64K", "200M", "1.5G"; a bare number is
// bytes). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pm {

// Longest duration a process option accepts (timeouts, delays): 7 days.
inline constexpr std::int64_t k_max_duration_ms = 7LL * 86400 * 1000;
// Bounds of the per-instance log ring.
inline constexpr std::int64_t k_min_log_buffer = 4096;
inline constexpr std::int64_t k_max_log_buffer = 1LL << 30;

Result<std::int64_t> parse_duration_ms(std::string_view text);

// The one rule for a duration given on the command line, every flag alike:
// the number carries its unit, and a bare number other than 0 is a usage
// error. A reader of timeout(1) or systemctl takes "3" for seconds, a PM2
// user for milliseconds; refusing it means no script silently waits 1000x
// longer or shorter than its author meant.
// The rule as --help says it after each duration flag's own text.
inline constexpr std::string_view k_flag_duration_rule = "a unit is required: 500ms, 3s, 2m, 1h, 1d";
// Pure. A duration flag's value in ms; errors are usage errors naming the
// flag ("--timeout: give a unit: 3s or 3000ms (ms, s, m, h or d)").
Result<std::int64_t> parse_flag_duration_ms(std::string_view flag, std::string_view text);
Result<std::int64_t> parse_size_bytes(std::string_view text);
std::string format_duration_ms(std::int64_t ms);
std::string format_size(std::int64_t bytes);

}  // namespace pm
