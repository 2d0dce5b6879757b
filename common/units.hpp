// Durations ("500ms", "10s", "2m", "1h"; a bare number is milliseconds) and
// sizes ("64K", "200M", "1.5G"; a bare number is bytes). Pure.
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
Result<std::int64_t> parse_size_bytes(std::string_view text);
std::string format_duration_ms(std::int64_t ms);
std::string format_size(std::int64_t bytes);

}  // namespace pm
