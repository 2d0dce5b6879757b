// pmd's own log (pmd.log): PM_LOG(level, fmt, ...) with a cheap enabled check.
// Called on the loop thread only.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace pm {

enum class LogLevel { debug, info, warn, error };

// Sets where log lines go (an fd owned by the caller) and the minimum level.
void log_init(int fd, LogLevel min_level);
bool log_enabled(LogLevel level);
void log_write(LogLevel level, std::string_view text);

}  // namespace pm

#define PM_LOG(level, ...)                                               \
    do {                                                                 \
        if (::pm::log_enabled(::pm::LogLevel::level)) {                  \
            ::pm::log_write(::pm::LogLevel::level, fmt::format(__VA_ARGS__)); \
        }                                                                \
    } while (0)
