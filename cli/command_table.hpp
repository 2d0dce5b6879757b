// The CLI's command table: one row per `pm` subcommand, naming the protocol
// command it sends, how its arguments are read, how its result is rendered
// and how long it may wait. Mirrors daemon/ipc/command_table; the rows'
// functions live in cli/cmd_*.cpp and cli/render/.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <span>
#include <string_view>

#include "cli/command.hpp"

namespace pm::cli {

// How long a command waits for its reply when --timeout is not given.
enum class Timeout {
    normal,     // --timeout's default (10s)
    stop_wait,  // the reply waits for processes to exit: k_stop_wait_timeout
};

struct CliCommand;

// Prints a successful result for a person; --json never calls it.
using Renderer = void (*)(const json& result);

// What a row's `define` leaves behind: closures over the options it added to
// its subcommand, called once CLI11 has parsed the command line. `g` carries
// the row's timeout class and autostart rule.
struct Bound {
    // The request's arguments, or a usage error. Empty: no arguments.
    std::function<Result<json>(const GlobalOptions& g)> args;
    // Only for a command that is more than one request and one reply
    // (several selectors, ecosystem files, streams, --wait, no pmd at all).
    std::function<int(const GlobalOptions& g, const CliCommand& row, const json& args)> run;
};

// Adds a command's own options and positionals to its subcommand.
using DefineArgs = Bound (*)(CLI::App& sub);

struct CliCommand {
    std::string_view name;
    std::string_view alias;  // "" when none
    std::string_view wire;   // the protocol command sent; "" when pmd is never asked
    std::string_view help;
    DefineArgs define;  // nullptr: no options, empty arguments
    Renderer render;    // nullptr: prints nothing, or its `run` prints
    Timeout timeout;
    bool autostart;  // false: never start pmd for this command (kill)
};

// Rows in the order `pm --help` lists them.
std::span<const CliCommand> cli_command_table();
const CliCommand* find_cli_command(std::string_view name);
// Protocol commands that no row sends as its own: sent only on behalf of
// another command, as `cancel` is by monit.
std::span<const std::string_view> internal_wire_commands();
// Adds every row as a subcommand of `app`; the one parsed sets env.action.
// Called once by main before parsing.
void add_commands(CLI::App& app, CommandEnv env);

// Argument definitions, grouped as daemon/ipc/ groups its handlers.
// start_flags.cpp: start's flags from the start-option table, and its run
// (an ecosystem file, or one start request, then --wait)
Bound define_start(CLI::App& sub);
// cmd_process.cpp
Bound define_stop(CLI::App& sub);
Bound define_restart(CLI::App& sub);
Bound define_reload(CLI::App& sub);
Bound define_delete(CLI::App& sub);
Bound define_env(CLI::App& sub);
Bound define_show(CLI::App& sub);
// cmd_operate.cpp
Bound define_wait(CLI::App& sub);
Bound define_scale(CLI::App& sub);
Bound define_signal(CLI::App& sub);
Bound define_reset(CLI::App& sub);
// cmd_logs.cpp
Bound define_logs(CLI::App& sub);
Bound define_flush(CLI::App& sub);
Bound define_rotate_logs(CLI::App& sub);
// cmd_stats.cpp
Bound define_memory_stats(CLI::App& sub);
Bound define_monit(CLI::App& sub);
// cmd_state.cpp
Bound define_version(CLI::App& sub);
Bound define_save(CLI::App& sub);
Bound define_web(CLI::App& sub);
// cmd_startup.cpp
Bound define_startup(CLI::App& sub);
// cmd_ecosystem.cpp
Bound define_validate(CLI::App& sub);
// cmd_pm2.cpp: PM2's startOrRestart / startOrReload FILE.
Bound define_start_or_restart(CLI::App& sub);
Bound define_start_or_reload(CLI::App& sub);
Bound define_import(CLI::App& sub);

}  // namespace pm::cli
