// What every CLI command module shares: the global options, the action the
// parser selected, and run_request(), which maps errors to exit codes. The
// commands themselves are rows of cli/command_table.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "cli/client.hpp"
#include "common/protocol.hpp"

namespace pm::cli {

struct GlobalOptions {
    bool json = false;
    std::string timeout = "10s";
    bool no_autostart = false;
    bool timeout_given = false;  // --timeout on the command line
};

// Commands whose reply waits for processes to exit (stop, restart, delete,
// kill, scale) may legitimately take the kill timeout (default 10 s): without
// an explicit --timeout they wait this long for the reply.
inline constexpr const char* k_stop_wait_timeout = "70s";
GlobalOptions for_stop_wait(const GlobalOptions& g);
// --timeout in ms, read by the command line's duration rule; a usage error
// unless positive.
Result<std::int64_t> timeout_ms(const GlobalOptions& g);
// pm wait / pm start --wait (cmd_operate.cpp): asks pmd to wait up to
// --timeout for `state` and gives pmd a little longer than that to answer.
int run_wait(const GlobalOptions& g, const std::string& selector, const std::string& state);

// Set by a subcommand's callback; main runs it and exits with its result.
using Action = std::function<int()>;

struct CommandEnv {
    GlobalOptions& global;
    Action& action;
};

using Render = std::function<void(const json& result)>;

// Connects, sends one request, prints the result (--json: verbatim; else via
// `render`) or the error, and returns the exit code.
int run_request(const GlobalOptions& g, std::string_view cmd, const json& args, const Render& render);
// Prints an error the way --json or a person expects; returns its exit code.
int print_error(const GlobalOptions& g, const Error& err);
Result<Client> open_client(const GlobalOptions& g);

// Ecosystem files (cmd_ecosystem.cpp).
// `env_flags`: start's --env values (see apply_env_flags).
int start_ecosystem(const GlobalOptions& g, const std::string& path, const std::string& only,
                    const json& env_base, const std::vector<std::string>& env_flags = {});
struct Ecosystem;
// start_ecosystem once the file is read (`path` names it in messages): the
// start checks, pmd's dry run, then one start per app; pm import uses it too.
int start_apps(const GlobalOptions& g, const std::string& path, Ecosystem& eco, const json& env_base);
// Asks pmd to check every app as `start` would, changing nothing.
int dry_run_ecosystem(const GlobalOptions& g, const std::string& path, const Ecosystem& eco,
                      const json& env_base);
// Runs `cmd` with {"selector": app} (plus `extra`) for each app of the file.
// `env_flags` (restart/reload --env NAME|K=V): the apps' env, read again
// from the file with env_NAME applied, is sent as their new env.
int act_on_ecosystem(const GlobalOptions& g, const std::string& cmd, const std::string& path,
                     const Render& render, const json& extra = json::object(),
                     const std::vector<std::string>& env_flags = {});

}  // namespace pm::cli
