// pmd.log writer: one write(2) per line so lines never interleave.
#include "daemon/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <ctime>
#include <string>

namespace pm {
namespace {

int g_fd = -1;  // nothing is logged before log_init()
LogLevel g_min = LogLevel::info;
std::string g_path;
std::uint64_t g_max = 0;   // 0: never rotate
std::uint64_t g_size = 0;  // bytes in the current file

// pmd.log must stay bounded like everything else: a crash-looping service
// logs a few lines per restart for as long as it loops.
void rotate() {
    std::string old = g_path + ".1";
    if (::rename(g_path.c_str(), old.c_str()) != 0) {
        return;
    }
    int fd = ::open(g_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return;  // keep writing to the renamed file
    }
    ::dup2(fd, g_fd);  // the same fd number (main owns it); dup2 clears FD_CLOEXEC
    ::fcntl(g_fd, F_SETFD, FD_CLOEXEC);
    ::close(fd);
    g_size = 0;
}

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

void log_init(int fd, LogLevel min_level, std::string path, std::uint64_t max_bytes) {
    g_fd = fd;
    g_min = min_level;
    g_path = std::move(path);
    g_max = g_path.empty() ? 0 : max_bytes;
    struct stat st {};
    g_size = fd >= 0 && ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
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
    if (g_max > 0 && g_size > 0 && g_size + line.size() > g_max) {
        rotate();
    }
    ssize_t rc = ::write(g_fd, line.data(), line.size());
    if (rc > 0) {
        g_size += static_cast<std::uint64_t>(rc);
    }  // else: nowhere to report a failure to write the log itself
}

}  // namespace pm
