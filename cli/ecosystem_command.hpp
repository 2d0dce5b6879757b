// An ecosystem app's command: PM2's script (with the interpreter PM2's rules
// give, see script_interpreter.hpp, and interpreter_args) or pm's command,
// then args; and the name the app gets when it has none. Reads the script
// file (its execute bit and shebang), nothing else.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/preflight.hpp"
#include "common/protocol.hpp"

namespace pm::cli {

struct AppCommand {
    std::vector<std::string> argv;
    std::string default_name;  // from the script, or the command's first word
    std::map<std::string, std::string> env_defaults;  // PM2's PYTHONUNBUFFERED=1: the app's env wins
    std::vector<std::string> warnings;                // "node_args: not passed by pm: ..."
    ScriptRun run;  // the script key's file, for the pre-start checks
};

// Reports a problem with one key of the app ("" for the app itself).
using KeyError = std::function<void(std::string_view key, std::string_view message)>;

// The command of `app` (an object), its script looked up in `cwd`; nullopt
// after reporting why there is none.
std::optional<AppCommand> read_app_command(const json& app, const std::string& cwd, const KeyError& error);

}  // namespace pm::cli
