// LogRing: a byte-bounded ring of log records with monotonically increasing
// sequence numbers. Pushing past the byte limit drops the oldest records.
// Pure; the daemon keeps one per instance.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace pm {

enum class LogStream : std::uint8_t { out, err };

std::string_view to_string(LogStream s);

struct LogRecord {
    std::uint64_t seq = 0;
    std::int64_t ts_ms = 0;  // wall clock, milliseconds since the epoch
    LogStream stream = LogStream::out;
    bool partial = false;    // cut at the line limit or flushed before its newline
    std::string text;        // raw bytes, no trailing newline
};

class LogRing {
public:
    // Accounting charge per record beyond its text (deque slot + string header).
    static constexpr std::size_t k_record_overhead = sizeof(LogRecord);

    explicit LogRing(std::size_t max_bytes) : m_max(max_bytes) {}

    // Appends a record and returns its sequence number.
    std::uint64_t push(std::int64_t ts_ms, LogStream stream, bool partial, std::string_view text);
    void clear();
    void set_capacity(std::size_t max_bytes);

    const std::deque<LogRecord>& records() const { return m_records; }
    std::size_t bytes() const { return m_bytes; }
    std::size_t capacity() const { return m_max; }
    std::uint64_t next_seq() const { return m_next_seq; }
    std::uint64_t dropped() const { return m_dropped; }

private:
    void trim();

    std::deque<LogRecord> m_records;
    std::size_t m_bytes = 0;
    std::size_t m_max;
    std::uint64_t m_next_seq = 1;
    std::uint64_t m_dropped = 0;  // records pushed out by newer ones
};

}  // namespace pm
