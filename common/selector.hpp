// Selector: which instances a command acts on: "all", a name (all its
// instances), "name:i" (one instance) or a numeric id. Pure parsing and
// matching; the one definition of what a selector selects.
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

    // True when the instance `index` of the process `name`, whose id is
    // `id`, is one this selector names. Pure.
    bool matches(std::string_view instance_name, std::uint32_t instance_index, std::uint64_t instance_id) const;
};

Result<Selector> parse_selector(std::string_view text);

}  // namespace pm
