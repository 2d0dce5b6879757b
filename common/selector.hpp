// Selector: which instances a command acts on: "all", a name (all its
// instances), "name:i" (one instance) or a numeric id. Pure parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pm {

struct Selector {
    enum class Kind { all, name, instance, id };
    Kind kind = Kind::all;
    std::string name;     // name, instance
    std::uint32_t index = 0;  // instance
    std::uint64_t id = 0;     // id
};

Result<Selector> parse_selector(std::string_view text);

}  // namespace pm
