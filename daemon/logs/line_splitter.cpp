// LineSplitter: memchr over each chunk; only an unterminated tail is copied.
#include "daemon/logs/line_splitter.hpp"

#include <cstring>

#include "common/utf8.hpp"

namespace pm::logs {

void LineSplitter::emit_long(std::string_view text, bool ends_line, const Emit& emit) {
    // Cut overlong text into pieces of at most m_max bytes; all but the last
    // piece of a terminated line are partial.
    while (text.size() > m_max) {
        std::size_t cut = utf8_safe_cut(text, m_max);
        if (cut == 0) {
            cut = m_max;
        }
        emit(text.substr(0, cut), true);
        text.remove_prefix(cut);
    }
    if (ends_line) {
        emit(text, false);
    } else {
        m_pending.assign(text);
    }
}

void LineSplitter::feed(std::string_view bytes, const Emit& emit) {
    while (!bytes.empty()) {
        const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
        if (nl == nullptr) {
            if (m_pending.empty()) {
                emit_long(bytes, false, emit);
            } else {
                m_pending.append(bytes);
                if (m_pending.size() > m_max) {
                    std::string joined = std::move(m_pending);
                    m_pending.clear();
                    emit_long(joined, false, emit);
                }
            }
            return;
        }
        std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
        if (m_pending.empty()) {
            emit_long(bytes.substr(0, len), true, emit);
        } else {
            std::string joined = std::move(m_pending);
            m_pending.clear();
            joined.append(bytes.substr(0, len));
            emit_long(joined, true, emit);
        }
        bytes.remove_prefix(len + 1);
    }
}

bool LineSplitter::flush(const Emit& emit) {
    if (m_pending.empty()) {
        return false;
    }
    std::string text = std::move(m_pending);
    m_pending.clear();
    emit(text, true);
    return true;
}

}  // namespace pm::logs
