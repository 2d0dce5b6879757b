// Daemon-level commands: ping, version (the `hello` request), kill, save,
// resurrect. Only version and save carry arguments; ping, kill and resurrect
// need nothing beyond their rows in cli/command_table.cpp.
#include "cli/command_table.hpp"

namespace pm::cli {

Bound define_version(CLI::App&) {
    return Bound{[](const GlobalOptions&) -> Result<json> { return json{{"protocol", k_protocol_version}}; }, {}};
}

Bound define_save(CLI::App& sub) {
    auto force = std::make_shared<bool>(false);
    sub.add_flag("--force", *force, "save even an empty list over the previous one");
    return Bound{[force](const GlobalOptions&) -> Result<json> { return json{{"force", *force}}; }, {}};
}

}  // namespace pm::cli
