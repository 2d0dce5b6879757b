// Lookups over the start-option table.
#include "common/start_options.hpp"

namespace pm {

const StartOption* find_start_option(std::string_view key) {
    for (const auto& o : k_start_options) {
        if (!key.empty() && o.key == key) {
            return &o;
        }
    }
    return nullptr;
}

std::vector<std::string_view> eco_spellings(const StartOption& o) {
    std::vector<std::string_view> out;
    std::string_view rest = o.eco;
    while (!rest.empty()) {
        auto space = rest.find(' ');
        out.push_back(rest.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    return out;
}

std::string help_text(const StartOption& o) {
    std::string notes;
    if (!o.def.empty()) {
        notes = "default " + std::string(o.def);
    }
    if (o.kind == OptionKind::duration) {
        notes += (notes.empty() ? "" : "; ") + std::string(k_flag_duration_rule);
    }
    return notes.empty() ? std::string(o.help) : std::string(o.help) + " (" + notes + ")";
}

}  // namespace pm
