// One app of an ecosystem JSON file turned into start arguments: PM2's
// common keys and pm's own, every problem recorded in `eco.errors` under the
// app's path ("apps[2].instances: expected a positive integer ..."), PM2
// keys without an effect in pm in `eco.warnings`.
#pragma once

#include <optional>
#include <string>

#include "cli/ecosystem.hpp"

namespace pm::cli {

// `path` names the app in messages ("apps[2]"); relative cwd values resolve
// against `base_dir`. The result has "name" when the app's name is valid.
// `run` receives the script key's file (empty without one).
json parse_app(const json& app, const std::string& path, const std::string& base_dir, Ecosystem& eco,
               ScriptRun& run);

// Pure. An environment value of a file as the process gets it: a string as
// it is, a number or boolean as its JSON text; nullopt for anything else.
std::optional<std::string> env_value_text(const json& v);

}  // namespace pm::cli
