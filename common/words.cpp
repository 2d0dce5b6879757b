// POSIX-shell-like splitting: whitespace separates, '...' is literal,
// "..." honours \" \\ \$ \` escapes, a backslash outside quotes escapes
// the next character.
#include "common/words.hpp"

#include <cctype>

namespace pm {

Result<std::vector<std::string>> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string cur;
    bool have_word = false;
    enum class Mode { none, single, dbl } mode = Mode::none;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (mode == Mode::single) {
            if (c == '\'') {
                mode = Mode::none;
            } else {
                cur.push_back(c);
            }
            continue;
        }
        if (mode == Mode::dbl) {
            if (c == '"') {
                mode = Mode::none;
            } else if (c == '\\' && i + 1 < text.size() &&
                       std::string_view("\"\\$`").find(text[i + 1]) != std::string_view::npos) {
                cur.push_back(text[++i]);
            } else {
                cur.push_back(c);
            }
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n') {
            if (have_word) {
                words.push_back(std::move(cur));
                cur.clear();
                have_word = false;
            }
        } else if (c == '\'') {
            mode = Mode::single;
            have_word = true;
        } else if (c == '"') {
            mode = Mode::dbl;
            have_word = true;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) {
                return fail(ErrorCode::bad_args, "command ends with a lone backslash");
            }
            cur.push_back(text[++i]);
            have_word = true;
        } else {
            cur.push_back(c);
            have_word = true;
        }
    }
    if (mode != Mode::none) {
        return fail(ErrorCode::bad_args, "command has an unterminated quote");
    }
    if (have_word) {
        words.push_back(std::move(cur));
    }
    return words;
}

std::string quote_word(std::string_view word) {
    bool plain = !word.empty();
    for (char c : word) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("-_./=:,+@%").find(c) != std::string_view::npos)) {
            plain = false;
            break;
        }
    }
    if (plain) {
        return std::string(word);
    }
    std::string out = "'";
    for (char c : word) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out.push_back(c);
        }
    }
    out += "'";
    return out;
}

std::vector<std::string> split_csv(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        auto part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (!part.empty()) {
            out.emplace_back(part);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

}  // namespace pm
