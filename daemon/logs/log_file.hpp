// LogFile: buffered append to one log file, rotation by size (rename to .1,
// .2, ... keeping K; never copy-truncate), and degradation on write errors:
// bytes are dropped and counted, retried with backoff, and one marker line
// records the gap when writing resumes. Called on the loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/fd.hpp"

namespace pm::logs {

struct LogFileOptions {
    std::int64_t max_size = 10 * 1024 * 1024;  // rotate before a line would take the file past this; 0: never
    int keep = 5;                              // rotated files kept
};

struct LogFileStats {
    std::uint64_t written_bytes = 0;
    std::uint64_t dropped_bytes = 0;
    std::uint64_t dropped_lines = 0;
    std::uint64_t rotations = 0;
    std::uint64_t write_errors = 0;
    int last_errno = 0;
};

// The size rule (s6-log's): a file LogFile writes never holds more than
// max_size bytes, newlines included, unless it holds exactly one line, longer
// than max_size by itself, written whole into an empty file. A file found
// past the limit (opened so, or the limit lowered) is rotated before the next
// line. Not rotated at all: max_size 0, a non-regular file, and a file whose
// rename failed (until reopen). A flush is one write(2) when the buffer fits;
// otherwise it is cut after the last line that fits, the file rotated, and
// the rest written the same way, so lines stay whole and in order.
class LogFile {
public:
    using Clock = std::function<std::int64_t()>;  // monotonic ms

    LogFile(std::string path, LogFileOptions opts, Clock clock);
    ~LogFile();

    // Appends prefix + text + a newline. Buffered until flush().
    void append_line(std::string_view prefix, std::string_view text);
    void append_line(std::string_view text) { append_line({}, text); }
    // Writes the buffer out. Called once per pipe read, and on close.
    void flush();
    // Closes and reopens the file (external rotation tools).
    void reopen();
    // Truncates the file and deletes its rotations.
    void truncate_all();
    // Rotates now (pm rotateLogs, the daemon's rotation schedule), as a size
    // rotation would. An empty or degraded file is left alone: false.
    bool rotate_now();

    const std::string& path() const { return m_path; }
    const LogFileStats& stats() const { return m_stats; }
    bool degraded() const { return m_degraded; }
    bool regular() const { return m_regular; }
    std::size_t buffered() const { return m_buf.size(); }
    void set_options(LogFileOptions opts) { m_opts = opts; }
    int keep() const { return m_opts.keep; }

    // Pure: the name of rotation number n (n >= 1).
    static std::string rotated_name(const std::string& path, int n);

private:
    bool open_file();
    bool rotate();  // false (and rotation off until reopen) when the file cannot be moved
    bool rotating() const;  // size rotation applies: a limit, a regular file, not turned off
    bool rotation_due(std::int64_t bytes) const;  // `bytes` more would take a non-empty file past the limit
    // Bytes at the head of `rest` (whole lines) to write before the next
    // rotation; 0 when the file must be rotated first.
    std::size_t next_cut(std::string_view rest) const;
    void write_batch(std::string_view rest);
    bool resume_after_gap();  // degraded: retry due and the marker written
    bool write_out(std::string_view bytes);
    bool write_out_marker(std::string_view marker);
    void drop(std::string_view bytes);
    void enter_degraded(int err, std::string_view pending);

    std::string m_path;
    LogFileOptions m_opts;
    Clock m_clock;
    UniqueFd m_fd;
    std::int64_t m_size = 0;
    std::string m_buf;
    LogFileStats m_stats;
    bool m_degraded = false;
    std::int64_t m_retry_at = 0;
    std::int64_t m_retry_delay = 1000;
    std::int64_t m_gap_started_unix_ms = 0;
    bool m_at_line_start = true;  // the file's last written byte is a newline
    bool m_regular = true;        // false for /dev/null, a FIFO, a tty: never rotated
    bool m_rotation_off = false;  // a rotation failed (rename refused): until reopen()
    std::uint64_t m_gap_lines = 0;
    std::uint64_t m_gap_bytes = 0;
};

}  // namespace pm::logs
