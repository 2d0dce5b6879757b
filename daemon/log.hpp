// pmd's own log (pmd.log): PM_LOG(level, fmt, ...) with a cheap enabled check.
// Called on the loop thread only.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pm {

enum class LogLevel { debug, info, warn, error };

inline constexpr std::uint64_t k_daemon_log_max = 10 * 1024 * 1024;  // pmd.log, then pmd.log.1

// Sets where log lines go (an fd owned by the caller) and the minimum level.
// With a `path` and `max_bytes`, the file is rotated by rename to
// `<path>.1` (one old file kept) before a line would take it past
// max_bytes; the new file takes over the same fd number.
void log_init(int fd, LogLevel min_level, std::string path = {}, std::uint64_t max_bytes = 0);
bool log_enabled(LogLevel level);
void log_write(LogLevel level, std::string_view text);

}  // namespace pm

#define PM_LOG(level, ...)                                               \
    do {                                                                 \
        if (::pm::log_enabled(::pm::LogLevel::level)) {                  \
            ::pm::log_write(::pm::LogLevel::level, fmt::format(__VA_ARGS__)); \
        }                                                                \
    } while (0)
