// LogChannel: splitter -> ring + file + sink.
#include "daemon/logs/log_channel.hpp"

namespace pm::logs {

LogChannel::LogChannel(ChannelIdentity who, std::size_t ring_bytes, std::shared_ptr<LogFile> out,
                       std::shared_ptr<LogFile> err, std::optional<DateFormat> date, Sink sink, WallClock clock)
    : m_who(std::move(who)),
      m_ring(ring_bytes),
      m_out(std::move(out)),
      m_err(std::move(err)),
      m_date(std::move(date)),
      m_sink(std::move(sink)),
      m_clock(std::move(clock)) {}

void LogChannel::emit(LogStream s, std::string_view text, bool partial, std::int64_t now) {
    m_ring.push(now, s, partial, text);
    ++m_lines[idx(s)];
    m_bytes[idx(s)] += text.size() + 1;
    if (m_date) {
        m_prefix.clear();
        m_date->append(m_prefix, now);
        m_prefix.append(": ");
    }
    for (LogFile* f : {file(s), m_all.get()}) {
        if (f == nullptr) {
            continue;
        }
        if (m_date) {
            f->append_line(m_prefix, text);
        } else {
            f->append_line(text);
        }
    }
    if (m_sink) {
        m_sink(*this, m_ring.records().back());
    }
}

void LogChannel::feed(LogStream s, std::string_view bytes) {
    // One stamp per read: lines of one chunk arrived together.
    std::int64_t now = m_clock();
    m_last_feed[idx(s)] = now;
    m_split[idx(s)].feed(bytes, [&](std::string_view text, bool partial) { emit(s, text, partial, now); });
}

void LogChannel::end_of_read() {
    if (m_out) {
        m_out->flush();
    }
    if (m_err) {
        m_err->flush();
    }
    if (m_all) {
        m_all->flush();
    }
}

void LogChannel::flush_partial(LogStream s) {
    std::int64_t now = m_clock();
    m_split[idx(s)].flush([&](std::string_view text, bool partial) { emit(s, text, partial, now); });
    end_of_read();
}

void LogChannel::clear() {
    m_ring.clear();
    for (auto* f : {m_out.get(), m_err.get(), m_all.get()}) {
        if (f != nullptr) {
            f->truncate_all();
        }
    }
}

json LogChannel::stats_json() const {
    auto file_json = [](const LogFile* f) -> json {
        if (f == nullptr) {
            return nullptr;
        }
        const auto& st = f->stats();
        return json{{"path", f->path()},
                    {"written_bytes", st.written_bytes},
                    {"dropped_bytes", st.dropped_bytes},
                    {"dropped_lines", st.dropped_lines},
                    {"rotations", st.rotations},
                    {"write_errors", st.write_errors},
                    {"degraded", f->degraded()}};
    };
    return json{{"ring_bytes", m_ring.bytes()},
                {"ring_capacity", m_ring.capacity()},
                {"ring_lines", m_ring.records().size()},
                {"ring_dropped_lines", m_ring.dropped()},
                {"lines_out", m_lines[0]},
                {"lines_err", m_lines[1]},
                {"bytes_out", m_bytes[0]},
                {"bytes_err", m_bytes[1]},
                {"out_file", file_json(m_out.get())},
                {"err_file", file_json(m_err.get())},
                {"log_file", file_json(m_all.get())}};
}

}  // namespace pm::logs
