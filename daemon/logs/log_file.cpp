// LogFile: one write(2) per flush, cut at line boundaries where a rotation is
// due; rename-based rotation; ENOSPC and friends degrade only this file, with
// a counted gap and a single marker line.
#include "daemon/logs/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>

#include "daemon/error_log.hpp"
#include "daemon/log.hpp"

namespace pm::logs {
namespace {

constexpr std::size_t k_flush_threshold = 256 * 1024;
constexpr std::int64_t k_max_retry_ms = 30000;

std::int64_t unix_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::uint64_t count_lines(std::string_view s) {
    return static_cast<std::uint64_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

LogFile::LogFile(std::string path, LogFileOptions opts, Clock clock)
    : m_path(std::move(path)), m_opts(opts), m_clock(std::move(clock)) {
    if (!open_file()) {
        enter_degraded(errno, {});
    }
}

LogFile::~LogFile() { flush(); }

std::string LogFile::rotated_name(const std::string& path, int n) { return fmt::format("{}.{}", path, n); }

bool LogFile::open_file() {
    // O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of blocking
    // the loop; a full pipe or tty is a write error. No effect on files.
    int fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640);
    if (fd < 0) {
        return false;
    }
    m_fd.reset(fd);
    struct stat st {};
    bool known = ::fstat(fd, &st) == 0;
    m_regular = !known || S_ISREG(st.st_mode);
    m_size = known && m_regular ? st.st_size : 0;
    return true;
}

void LogFile::append_line(std::string_view prefix, std::string_view text) {
    m_buf.append(prefix);
    m_buf.append(text);
    m_buf.push_back('\n');
    if (m_buf.size() >= k_flush_threshold) {
        flush();
    }
}

void LogFile::drop(std::string_view bytes) {
    std::uint64_t lines = count_lines(bytes);
    m_gap_bytes += bytes.size();
    m_gap_lines += lines;
    m_stats.dropped_bytes += bytes.size();
    m_stats.dropped_lines += lines;
}

void LogFile::enter_degraded(int err, std::string_view pending) {
    ++m_stats.write_errors;
    m_stats.last_errno = err;
    if (!m_degraded) {
        m_degraded = true;
        m_gap_started_unix_ms = unix_ms();
        m_retry_delay = 1000;
        report_error(ErrorKind::log_write, fmt::format("{}: unable to write ({}); dropping lines until it works again",
                                                       m_path, std::strerror(err)));
    } else {
        m_retry_delay = std::min(m_retry_delay * 2, k_max_retry_ms);
    }
    m_retry_at = m_clock() + m_retry_delay;
    drop(pending);
}

bool LogFile::write_out_marker(std::string_view marker) {
    // The marker is not child output: a failure re-arms the retry without
    // counting the marker itself as dropped.
    ssize_t n = ::write(m_fd.get(), marker.data(), marker.size());
    if (n != static_cast<ssize_t>(marker.size())) {
        enter_degraded(n < 0 ? errno : ENOSPC, {});
        return false;
    }
    m_size += n;
    m_at_line_start = true;
    return true;
}

bool LogFile::write_out(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(m_fd.get(), bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            enter_degraded(errno, bytes);
            return false;
        }
        m_at_line_start = bytes[static_cast<std::size_t>(n) - 1] == '\n';
        bytes.remove_prefix(static_cast<std::size_t>(n));
        m_size += n;
        m_stats.written_bytes += static_cast<std::uint64_t>(n);
    }
    return true;
}

bool LogFile::resume_after_gap() {
    if (m_clock() < m_retry_at) {
        return false;
    }
    if (!m_fd.valid() && !open_file()) {
        enter_degraded(errno, {});
        return false;
    }
    std::string marker = fmt::format("pmd: dropped {} lines ({} bytes) between {} and {}: {}\n", m_gap_lines,
                                     m_gap_bytes, m_gap_started_unix_ms, unix_ms(),
                                     std::strerror(m_stats.last_errno));
    // The marker obeys the size rule like any line: it may start a new file.
    if (rotation_due(static_cast<std::int64_t>(marker.size()) + (m_at_line_start ? 0 : 1))) {
        rotate();
        if (!m_fd.valid()) {
            return false;  // the new file could not be opened: still degraded
        }
    }
    // A short write before the failure may have left half a line: the
    // marker always starts a line of its own.
    if (!m_at_line_start) {
        marker.insert(0, 1, '\n');
    }
    if (!write_out_marker(marker)) {
        return false;
    }
    PM_LOG(info, "{}: writing again after dropping {} lines", m_path, m_gap_lines);
    m_degraded = false;
    m_gap_lines = 0;
    m_gap_bytes = 0;
    return true;
}

bool LogFile::rotating() const { return m_opts.max_size > 0 && m_regular && !m_rotation_off; }

bool LogFile::rotation_due(std::int64_t bytes) const {
    return rotating() && m_size > 0 && m_size + bytes > m_opts.max_size;
}

std::size_t LogFile::next_cut(std::string_view rest) const {
    if (!rotating()) {
        return rest.size();
    }
    std::int64_t room = m_opts.max_size - m_size;
    if (room >= static_cast<std::int64_t>(rest.size())) {
        return rest.size();  // the usual case: the whole batch fits, one write
    }
    if (room > 0) {
        std::size_t nl = rest.rfind('\n', static_cast<std::size_t>(room) - 1);
        if (nl != std::string_view::npos) {
            return nl + 1;  // the lines that fit, up to the last newline within the limit
        }
    }
    if (m_size > 0) {
        return 0;  // not even the next line fits: rotate first
    }
    // An empty file and a line longer than the limit: that line alone.
    std::size_t nl = rest.find('\n');
    return nl == std::string_view::npos ? rest.size() : nl + 1;
}

void LogFile::write_batch(std::string_view rest) {
    while (!rest.empty()) {
        std::size_t cut = next_cut(rest);
        if (cut == 0) {
            rotate();
            if (m_degraded) {
                drop(rest);  // the new file could not be opened
                return;
            }
            continue;  // a failed rename turns rotation off: the next cut takes the rest
        }
        if (!write_out(rest.substr(0, cut))) {
            drop(rest.substr(cut));  // write_out dropped its own part
            return;
        }
        rest.remove_prefix(cut);
    }
}

void LogFile::flush() {
    if (m_buf.empty()) {
        return;
    }
    if (m_degraded && !resume_after_gap()) {
        drop(m_buf);
        m_buf.clear();
        return;
    }
    std::string buf = std::move(m_buf);
    m_buf.clear();
    write_batch(buf);
    if (buf.capacity() <= 2 * k_flush_threshold) {
        m_buf = std::move(buf);  // keep the allocation
        m_buf.clear();
    }
}

bool LogFile::rotate() {
    // name.log.(K-1) -> name.log.K, ..., name.log -> name.log.1
    int rc = 0;
    if (m_opts.keep <= 0) {
        rc = ::unlink(m_path.c_str());
    } else {
        ::unlink(rotated_name(m_path, m_opts.keep).c_str());
        for (int i = m_opts.keep - 1; i >= 1; --i) {
            ::rename(rotated_name(m_path, i).c_str(), rotated_name(m_path, i + 1).c_str());
        }
        rc = ::rename(m_path.c_str(), rotated_name(m_path, 1).c_str());
    }
    if (rc != 0 && errno != ENOENT) {  // a file removed by someone else: just open a new one
        // E.g. a user's file in a directory we may not write: the file would
        // be "rotated" again at every flush. Keep appending; stop rotating
        // until reloadLogs.
        m_rotation_off = true;
        report_error(ErrorKind::log_write, fmt::format("{}: unable to rotate ({}); not rotating it until reloadLogs",
                                                       m_path, std::strerror(errno)));
        return false;
    }
    m_fd.reset();
    ++m_stats.rotations;
    if (!open_file()) {
        enter_degraded(errno, {});
        return true;
    }
    m_at_line_start = true;  // a fresh file: no half line to end
    return true;
}

bool LogFile::rotate_now() {
    flush();
    if (m_degraded || !m_regular || m_rotation_off || m_size == 0) {
        return false;
    }
    return rotate();
}

void LogFile::reopen() {
    flush();
    m_rotation_off = false;
    m_fd.reset();
    if (!open_file()) {
        enter_degraded(errno, {});
    }
}

void LogFile::truncate_all() {
    m_buf.clear();
    if (!m_regular) {
        return;  // nothing to empty in /dev/null, and no rotations beside it
    }
    for (int i = 1; i <= std::max(m_opts.keep, 1); ++i) {
        ::unlink(rotated_name(m_path, i).c_str());
    }
    if (m_fd.valid() && ::ftruncate(m_fd.get(), 0) == 0) {
        m_size = 0;
    }
}

}  // namespace pm::logs
