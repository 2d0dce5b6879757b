// RestartMode names, from the one table in the header.
#include "common/restart_mode.hpp"

namespace pm {

std::string_view to_string(RestartMode m) {
    for (const auto& [mode, name] : k_restart_modes) {
        if (mode == m) {
            return name;
        }
    }
    return "always";
}

std::optional<RestartMode> restart_mode_from_string(std::string_view s) {
    for (const auto& [mode, name] : k_restart_modes) {
        if (name == s) {
            return mode;
        }
    }
    return std::nullopt;
}

std::string restart_mode_list() {
    std::string out;
    for (std::size_t i = 0; i < k_restart_modes.size(); ++i) {
        out += i == 0 ? "" : i + 1 == k_restart_modes.size() ? " or " : ", ";
        out += k_restart_modes[i].second;
    }
    return out;
}

}  // namespace pm
