// Selector parsing (names are validated with the same rule as start) and matching.
#include "common/selector.hpp"

#include <charconv>
#include <fmt/format.h>

#include "common/names.hpp"

namespace pm {
namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
    if (s.empty() || s.size() > 18) {
        return false;
    }
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

bool Selector::matches(std::string_view instance_name, std::uint32_t instance_index,
                       std::uint64_t instance_id) const {
    switch (kind) {
        case Kind::all: return true;
        case Kind::id: return id == instance_id;
        case Kind::name: return name == instance_name;
        case Kind::instance: return name == instance_name && index == instance_index;
    }
    return false;
}

Result<Selector> parse_selector(std::string_view text) {
    Selector sel;
    if (text.empty()) {
        return fail(ErrorCode::bad_args, "empty selector");
    }
    if (text == "all") {
        return sel;
    }
    if (std::uint64_t id = 0; parse_number(text, id)) {
        sel.kind = Selector::Kind::id;
        sel.id = id;
        return sel;
    }
    std::string_view name = text;
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        name = text.substr(0, colon);
        std::uint32_t index = 0;
        if (!parse_number(text.substr(colon + 1), index)) {
            return fail(ErrorCode::bad_args,
                        fmt::format("bad selector '{}': expected name:index", text));
        }
        sel.kind = Selector::Kind::instance;
        sel.index = index;
    } else {
        sel.kind = Selector::Kind::name;
    }
    if (auto ok = validate_name(name); !ok) {
        return ok.error();
    }
    sel.name = std::string(name);
    return sel;
}

}  // namespace pm
