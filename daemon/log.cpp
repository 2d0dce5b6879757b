// pmd.log writer: one write(2) per line so lines never interleave.
#include "daemon/log.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <ctime>
#include <string>

namespace pm {
namespace {

int g_fd = -1;  // nothing is logged before log_init()
LogLevel g_min = LogLevel::info;

constexpr std::string_view level_name(LogLevel l) {
    switch (l) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warn: return "warn";
        case LogLevel::error: return "error";
    }
    return "?";
}

}  // namespace

void log_init(int fd, LogLevel min_level) {
    g_fd = fd;
    g_min = min_level;
}

bool log_enabled(LogLevel level) { return level >= g_min && g_fd >= 0; }

void log_write(LogLevel level, std::string_view text) {
    timeval tv{};
    gettimeofday(&tv, nullptr);
    tm t{};
    localtime_r(&tv.tv_sec, &t);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &t);
    std::string line = fmt::format("{}.{:03d} pmd[{}] {}: {}\n", stamp, tv.tv_usec / 1000,
                                   getpid(), level_name(level), text);
    ssize_t rc = ::write(g_fd, line.data(), line.size());
    (void)rc;  // nowhere to report a failure to write the log itself
}

}  // namespace pm
