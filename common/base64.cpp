// Standard base64 (RFC 4648) with padding.
#include "common/base64.hpp"

namespace pm {

std::string base64_encode(std::string_view bytes) {
    static constexpr char k_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        auto n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16) |
                 (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                 static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
        out.push_back(k_alphabet[(n >> 18) & 63]);
        out.push_back(k_alphabet[(n >> 12) & 63]);
        out.push_back(k_alphabet[(n >> 6) & 63]);
        out.push_back(k_alphabet[n & 63]);
    }
    std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2) {
            n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        }
        out.push_back(k_alphabet[(n >> 18) & 63]);
        out.push_back(k_alphabet[(n >> 12) & 63]);
        out.push_back(rest == 2 ? k_alphabet[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

}  // namespace pm

namespace pm {

bool base64_decode(std::string_view text, std::string& out) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+') {
            return 62;
        }
        if (c == '/') {
            return 63;
        }
        return -1;
    };
    if (text.size() % 4 != 0) {
        return false;
    }
    out.clear();
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + static_cast<std::size_t>(k)];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                v[k] = 0;
                ++pad;
            } else if (pad > 0 || (v[k] = value(c)) < 0) {
                return false;
            }
        }
        unsigned n = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                     (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
        out.push_back(static_cast<char>((n >> 16) & 0xFF));
        if (pad < 2) {
            out.push_back(static_cast<char>((n >> 8) & 0xFF));
        }
        if (pad < 1) {
            out.push_back(static_cast<char>(n & 0xFF));
        }
    }
    return true;
}

}  // namespace pm
