// Name validation and default-name derivation.
#include "common/names.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace pm {
namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

// What the first character pm does not take in a name is, for the message.
std::string first_bad_char(std::string_view name) {
    char c = *std::find_if_not(name.begin(), name.end(), name_char);
    if (c == ' ') {
        return "a space";
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return "a character other than ASCII";
    }
    return fmt::format("'{}'", c);
}

}  // namespace

std::string suggest_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (name_char(c)) {
            out.push_back(c);
        } else if (!out.empty() && out.back() != '-') {
            out.push_back('-');  // a run of other characters becomes one '-'
        }
    }
    while (!out.empty() && out.back() == '-') {
        out.pop_back();
    }
    if (!out.empty() && std::all_of(out.begin(), out.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        out = "app-" + out;
    }
    if (out.size() > k_max_name_length) {
        out.resize(k_max_name_length);
    }
    if (out.empty() || out == "." || out == ".." || out == "all") {
        out = out.empty() ? "app" : "app-" + out;
    }
    return out;
}

Result<void> validate_name(std::string_view name) {
    if (name.empty()) {
        return fail(ErrorCode::bad_args,
                    fmt::format("invalid name: must be 1 to {} characters", k_max_name_length));
    }
    if (name.size() > k_max_name_length) {
        return fail(ErrorCode::bad_args, fmt::format("invalid name: must be 1 to {} characters: use \"{}\"",
                                                     k_max_name_length, suggest_name(name)));
    }
    if (!std::all_of(name.begin(), name.end(), name_char)) {
        return fail(ErrorCode::bad_args,
                    fmt::format("invalid name '{}': it has {} (names take letters, digits, '.', '_' and '-'): use \"{}\"",
                                name, first_bad_char(name), suggest_name(name)));
    }
    if (name == "." || name == ".." || name == "all") {
        return fail(ErrorCode::bad_args,
                    fmt::format("invalid name '{}': reserved: use \"{}\"", name, suggest_name(name)));
    }
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(ErrorCode::bad_args,
                    fmt::format("invalid name '{}': all digits would read as an id: use \"{}\"", name,
                                suggest_name(name)));
    }
    return {};
}

std::string default_name_for(std::string_view argv0) {
    auto slash = argv0.rfind('/');
    std::string_view base = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
    std::string out;
    for (char c : base.substr(0, k_max_name_length)) {
        out.push_back(name_char(c) ? c : '-');
    }
    if (!validate_name(out)) {
        out = "app";
    }
    return out;
}

}  // namespace pm
