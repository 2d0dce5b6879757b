// pm start: its flags, registered from the start-option table
// (common/start_options.hpp), and the start request built from them.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command_table.hpp"
#include "common/protocol.hpp"

namespace pm::cli {

// This shell's environment as a JSON object (a start's or --update-env's env_base).
json client_environment();

}  // namespace pm::cli
