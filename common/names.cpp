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

}  // namespace

Result<void> validate_name(std::string_view name) {
    if (name.empty() || name.size() > k_max_name_length) {
        return fail(ErrorCode::bad_args,
                    fmt::format("invalid name: must be 1 to {} characters", k_max_name_length));
    }
    if (!std::all_of(name.begin(), name.end(), name_char)) {
        return fail(ErrorCode::bad_args,
                    fmt::format("invalid name '{}': use letters, digits, '.', '_' and '-'", name));
    }
    if (name == "." || name == ".." || name == "all") {
        return fail(ErrorCode::bad_args, fmt::format("invalid name '{}': reserved", name));
    }
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(ErrorCode::bad_args,
                    fmt::format("invalid name '{}': all digits would read as an id", name));
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
