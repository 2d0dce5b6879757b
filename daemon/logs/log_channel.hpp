// LogChannel: the log state of one instance. Two splitters (out, err), the
// ring, the two files, counters; every complete line goes to the ring, the
// file and the sink (the follower fan-out) from the same read.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/date_format.hpp"
#include "common/protocol.hpp"
#include "common/ring_buffer.hpp"
#include "daemon/logs/line_splitter.hpp"
#include "daemon/logs/log_file.hpp"

namespace pm::logs {

struct ChannelIdentity {
    std::uint64_t id = 0;  // instance id
    std::string name;
    std::uint32_t index = 0;
};

class LogChannel {
public:
    using Sink = std::function<void(const LogChannel&, const LogRecord&)>;
    using WallClock = std::function<std::int64_t()>;  // unix ms

    // `date`: when set, each file line starts "<date>: " (PM2's
    // log_date_format); the ring and followers keep the exact line.
    LogChannel(ChannelIdentity who, std::size_t ring_bytes, std::shared_ptr<LogFile> out,
               std::shared_ptr<LogFile> err, std::optional<DateFormat> date, Sink sink, WallClock clock);

    // Bytes read from the child's stream. Files are flushed by end_of_read().
    void feed(LogStream s, std::string_view bytes);
    // The end of one read callback: write buffered file bytes.
    void end_of_read();
    // Emits a stream's pending partial line (idle timeout, EOF).
    void flush_partial(LogStream s);
    // Pending partial bytes and when that stream last received data.
    bool has_partial(LogStream s) const { return splitter(s).pending() > 0; }
    std::int64_t last_feed_ms(LogStream s) const { return m_last_feed[idx(s)]; }

    void clear();  // pm flush: ring and files
    void set_ring_capacity(std::size_t bytes) { m_ring.set_capacity(bytes); }

    const ChannelIdentity& who() const { return m_who; }
    const LogRing& ring() const { return m_ring; }
    LogFile* file(LogStream s) const { return s == LogStream::out ? m_out.get() : m_err.get(); }
    // PM2's log_file: a file that gets the lines of both streams too (set
    // once, right after construction, by the hub).
    void set_combined(std::shared_ptr<LogFile> f) { m_all = std::move(f); }
    LogFile* combined() const { return m_all.get(); }
    const std::optional<DateFormat>& date() const { return m_date; }  // the file lines' prefix
    std::uint64_t lines(LogStream s) const { return m_lines[idx(s)]; }
    std::uint64_t bytes(LogStream s) const { return m_bytes[idx(s)]; }
    json stats_json() const;

private:
    static std::size_t idx(LogStream s) { return s == LogStream::out ? 0 : 1; }
    const LineSplitter& splitter(LogStream s) const { return m_split[idx(s)]; }
    void emit(LogStream s, std::string_view text, bool partial, std::int64_t now);

    ChannelIdentity m_who;
    LogRing m_ring;
    std::shared_ptr<LogFile> m_out;
    std::shared_ptr<LogFile> m_err;
    std::shared_ptr<LogFile> m_all;  // null: no combined file
    std::optional<DateFormat> m_date;
    std::string m_prefix;  // reused for the date prefix
    Sink m_sink;
    WallClock m_clock;
    LineSplitter m_split[2];
    std::int64_t m_last_feed[2] = {0, 0};
    std::uint64_t m_lines[2] = {0, 0};
    std::uint64_t m_bytes[2] = {0, 0};
};

}  // namespace pm::logs
