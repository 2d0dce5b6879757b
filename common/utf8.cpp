// UTF-8 boundary and sanitising helpers.
#include "common/utf8.hpp"

namespace pm {
namespace {

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the sequence starting with lead byte c, or 0 if c is not a lead.
std::size_t seq_len(unsigned char c) {
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        return 4;
    }
    return 0;
}

}  // namespace

std::size_t utf8_safe_cut(std::string_view text, std::size_t max) {
    if (max >= text.size()) {
        return text.size();
    }
    // Walk back over continuation bytes to the lead byte of the sequence at max.
    std::size_t i = max;
    std::size_t back = 0;
    while (i > 0 && back < 3 && is_cont(static_cast<unsigned char>(text[i]))) {
        --i;
        ++back;
    }
    if (back == 0) {
        return max;
    }
    std::size_t len = seq_len(static_cast<unsigned char>(text[i]));
    if (len > back) {
        return i;  // the sequence starting at i would be split by cutting at max
    }
    return max;
}

std::string utf8_sanitize(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        auto c = static_cast<unsigned char>(bytes[i]);
        std::size_t len = seq_len(c);
        bool ok = len > 0 && i + len <= bytes.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            ok = is_cont(static_cast<unsigned char>(bytes[i + k]));
        }
        if (ok && len >= 3) {
            auto c1 = static_cast<unsigned char>(bytes[i + 1]);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0) &&
                 !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            out.append(bytes.substr(i, len));
            i += len;
        } else {
            out.append("\xEF\xBF\xBD");
            ++i;
        }
    }
    return out;
}

}  // namespace pm
