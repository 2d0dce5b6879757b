// THE CLI command table, in the order of `pm --help`, and the one path that
// runs a row: arguments, timeout class, request, renderer. A unit test keeps
// it in step with the daemon's table.
#include "cli/command_table.hpp"

#include <array>
#include <memory>

#include "cli/render/logs.hpp"
#include "cli/render/process.hpp"
#include "cli/render/state.hpp"
#include "cli/render/stats.hpp"

namespace pm::cli {
namespace {

constexpr Timeout normal = Timeout::normal;
constexpr Timeout stop_wait = Timeout::stop_wait;

// Two lines a row: name, alias, wire command, help; then define, render,
// timeout, autostart.
// clang-format off
constexpr std::array k_commands{
    CliCommand{"start", "", "start", "start a command (or a stopped process by name)",
               define_start, render_instances, normal, true},
    CliCommand{"stop", "", "stop", "stop processes (stop signal, then SIGKILL)",
               define_stop, render_stopped, stop_wait, true},
    CliCommand{"restart", "", "restart", "restart processes",
               define_restart, render_instances, stop_wait, true},
    CliCommand{"reload", "", "reload", "rolling restart: one instance at a time, each back online before the next",
               define_reload, render_instances, stop_wait, true},
    CliCommand{"startOrRestart", "", "restart", "PM2's spelling: restart the file's known apps, start the others",
               define_start_or_restart, render_instances, stop_wait, true},
    CliCommand{"startOrReload", "", "reload", "PM2's spelling: reload the file's known apps, start the others",
               define_start_or_reload, render_instances, stop_wait, true},
    CliCommand{"delete", "del", "delete", "stop processes and remove them",
               define_delete, render_deleted, stop_wait, true},
    CliCommand{"list", "ls", "list", "every process and its state",
               nullptr, render_list, normal, true},
    CliCommand{"jlist", "", "list", "PM2's spelling: the process list as one line of JSON",
               nullptr, render_json_line, normal, true},
    CliCommand{"prettylist", "", "list", "PM2's spelling: the process list as indented JSON",
               nullptr, render_json_pretty, normal, true},
    CliCommand{"wait", "", "wait", "block until processes reach a state (up to --timeout)",
               define_wait, nullptr, normal, true},
    CliCommand{"env", "", "env", "the environment processes are spawned with",
               define_env, render_env, normal, true},
    CliCommand{"show", "describe", "show", "every field of one process",
               define_show, render_show, normal, true},
    CliCommand{"logs", "", "logs", "show recent log lines (all processes, or a selector)",
               define_logs, nullptr, normal, true},
    CliCommand{"flush", "", "flush", "empty log buffers and files",
               define_flush, render_flushed, normal, true},
    CliCommand{"rotateLogs", "", "rotateLogs", "rotate log files now (name.log -> name.log.1, ...)",
               define_rotate_logs, render_rotated, normal, true},
    CliCommand{"reloadLogs", "", "reloadLogs", "reopen log files (after external rotation)",
               nullptr, render_reopened, normal, true},
    CliCommand{"memoryStats", "", "memoryStats", "the daemon's memory, accounted per subsystem",
               define_memory_stats, render_memory, normal, true},
    CliCommand{"performanceStats", "", "performanceStats", "requests, latency, loop lag, log rates, sampler cost",
               nullptr, render_performance, normal, true},
    CliCommand{"errors", "errorStats", "errors", "recent daemon-level errors, counted by kind",
               nullptr, render_errors, normal, true},
    CliCommand{"monit", "", "monitor", "live view of every process (q to quit)",
               define_monit, nullptr, normal, true},
    CliCommand{"save", "", "save", "save the process list for resurrect",
               define_save, render_saved, normal, true},
    CliCommand{"resurrect", "", "resurrect", "start the saved process list",
               nullptr, render_resurrected, normal, true},
    CliCommand{"startup", "", "", "print (or --install, --uninstall) a systemd user unit that resurrects at boot",
               define_startup, nullptr, normal, true},
    CliCommand{"scale", "", "scale", "set the number of instances of a process",
               define_scale, render_instances, stop_wait, true},
    CliCommand{"signal", "", "signal", "send a signal to processes (their whole group)",
               define_signal, render_signalled, normal, true},
    CliCommand{"reset", "", "reset", "reset restart counters",
               define_reset, render_reset, normal, true},
    CliCommand{"validate", "", "", "check an ecosystem file or Procfile without starting anything",
               define_validate, nullptr, normal, true},
    CliCommand{"web", "", "web", "the web view's URL (turns it on in pmd if it is off)",
               define_web, render_web, normal, true},
    CliCommand{"import", "", "start", "start the processes of a PM2 dump (pm2 save), reporting what does not carry over",
               define_import, nullptr, normal, true},
    CliCommand{"ping", "", "ping", "check that pmd answers (starts it if needed)",
               nullptr, render_pong, normal, true},
    CliCommand{"version", "", "hello", "versions of pm, pmd and the protocol",
               define_version, render_version, normal, true},
    CliCommand{"kill", "", "kill", "stop every process and the daemon",
               nullptr, render_killed, stop_wait, false},
};
// clang-format on

// monit follows the selected process's logs and ends that follow with
// `cancel` when the selection moves; no command sends it on its own.
constexpr std::string_view k_internal[] = {"cancel"};

int run_row(const CliCommand& row, const Bound& bound, const GlobalOptions& global) {
    GlobalOptions g = row.timeout == Timeout::stop_wait ? for_stop_wait(global) : global;
    if (!row.autostart) {
        g.no_autostart = true;
    }
    json args = json::object();
    if (bound.args) {
        auto built = bound.args(g);
        if (!built) {
            return print_error(global, built.error());
        }
        args = std::move(*built);
    }
    if (bound.run) {
        return bound.run(g, row, args);
    }
    return run_request(g, row.wire, args, row.render);
}

}  // namespace

std::span<const CliCommand> cli_command_table() { return k_commands; }

const CliCommand* find_cli_command(std::string_view name) {
    for (const auto& c : k_commands) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

std::span<const std::string_view> internal_wire_commands() { return k_internal; }

void add_commands(CLI::App& app, CommandEnv env) {
    for (const CliCommand& row : k_commands) {
        auto* sub = app.add_subcommand(std::string(row.name), std::string(row.help));
        if (!row.alias.empty()) {
            sub->alias(std::string(row.alias));
        }
        auto bound = std::make_shared<Bound>(row.define != nullptr ? row.define(*sub) : Bound{});
        sub->callback(
            [env, &row, bound] { env.action = [g = &env.global, &row, bound] { return run_row(row, *bound, *g); }; });
    }
}

}  // namespace pm::cli
