// LineFramer: bytes in, complete lines out, with a maximum line length.
// Pure; used by the IPC connection (requests) and the CLI (replies).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pm {

class LineFramer {
public:
    explicit LineFramer(std::size_t max_line) : m_max(max_line) {}

    enum class Status { line, need_more, overflow };

    // Appends bytes. Call next() until it stops returning Status::line.
    void feed(std::string_view bytes) {
        if (!m_overflow) {
            m_buf.append(bytes);
        }
    }

    // Extracts the next complete line (without '\n', a trailing '\r' kept).
    // overflow: the pending line exceeds the maximum; the framer is then
    // poisoned (the stream cannot be resynchronised safely).
    Status next(std::string& line);

    std::size_t buffered() const { return m_buf.size() - m_pos; }
    std::size_t capacity() const { return m_buf.capacity(); }

private:
    std::string m_buf;
    std::size_t m_pos = 0;
    std::size_t m_max;
    bool m_overflow = false;
};

}  // namespace pm
