// RestartMode: what an exit leads to (always, on-failure, never), with its
// one name table. Shared by the start options (pm and pmd) and the
// supervisor's restart policy. Pure.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace pm {

enum class RestartMode { always, on_failure, never };

// Every mode by its wire name, in the order help texts list them.
inline constexpr std::array<std::pair<RestartMode, std::string_view>, 3> k_restart_modes{{
    {RestartMode::always, "always"},
    {RestartMode::on_failure, "on-failure"},
    {RestartMode::never, "never"},
}};

std::string_view to_string(RestartMode m);
std::optional<RestartMode> restart_mode_from_string(std::string_view s);
// "always, on-failure or never", for messages.
std::string restart_mode_list();

}  // namespace pm
