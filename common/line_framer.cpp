// LineFramer implementation: scan from the consumed offset, compact lazily.
#include "common/line_framer.hpp"

namespace pm {

LineFramer::Status LineFramer::next(std::string& line) {
    if (m_overflow) {
        return Status::overflow;
    }
    std::size_t nl = m_buf.find('\n', m_pos);
    if (nl == std::string::npos) {
        if (m_buf.size() - m_pos > m_max) {
            m_overflow = true;
            m_buf.clear();
            m_buf.shrink_to_fit();
            m_pos = 0;
            return Status::overflow;
        }
        // Compact so consumed bytes do not accumulate.
        m_buf.erase(0, m_pos);
        m_pos = 0;
        if (m_buf.empty() && m_buf.capacity() > 64 * 1024) {
            m_buf.shrink_to_fit();
        }
        return Status::need_more;
    }
    if (nl - m_pos > m_max) {
        m_overflow = true;
        m_buf.clear();
        m_pos = 0;
        return Status::overflow;
    }
    line.assign(m_buf, m_pos, nl - m_pos);
    m_pos = nl + 1;
    return Status::line;
}

}  // namespace pm
