// An ecosystem app's command: PM2's script (with its interpreter, guessed
// for .js and .py files) or pm's command, then args; and the name the app
// gets when it has none. Pure.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.hpp"

namespace pm::cli {

struct AppCommand {
    std::vector<std::string> argv;
    std::string default_name;  // from the script, or the command's first word
};

// Reports a problem with one key of the app ("" for the app itself).
using KeyError = std::function<void(std::string_view key, std::string_view message)>;

// The command of `app` (an object); nullopt after reporting why there is none.
std::optional<AppCommand> read_app_command(const json& app, const KeyError& error);

}  // namespace pm::cli
