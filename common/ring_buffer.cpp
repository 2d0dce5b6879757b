// LogRing implementation.
#include "common/ring_buffer.hpp"

namespace pm {

std::string_view to_string(LogStream s) { return s == LogStream::out ? "out" : "err"; }

std::uint64_t LogRing::push(std::int64_t ts_ms, LogStream stream, bool partial, std::string_view text) {
    std::uint64_t seq = m_next_seq++;
    m_records.push_back(LogRecord{seq, ts_ms, stream, partial, std::string(text)});
    m_bytes += text.size() + k_record_overhead;
    trim();
    return seq;
}

void LogRing::trim() {
    // Always keep the newest record, even when it alone exceeds the limit.
    while (m_bytes > m_max && m_records.size() > 1) {
        m_bytes -= m_records.front().text.size() + k_record_overhead;
        m_records.pop_front();
        ++m_dropped;
    }
}

void LogRing::clear() {
    m_records.clear();
    m_records.shrink_to_fit();
    m_bytes = 0;
}

void LogRing::set_capacity(std::size_t max_bytes) {
    m_max = max_bytes;
    trim();
}

}  // namespace pm
