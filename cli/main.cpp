// pm entry point: build the CLI11 app from the command table, run the
// selected command, and map every outcome to a documented exit code.
#include <csignal>
#include <cstdio>

#include "cli/command_table.hpp"
#include "common/units.hpp"

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);  // `pm list | head` gets EPIPE, not a signal
    CLI::App app{"pm: a native process manager (PM2/supervisord-style)"};
    app.require_subcommand(1);
    app.fallthrough();
    pm::cli::GlobalOptions g;
    pm::cli::Action action;
    app.add_flag("--json", g.json, "machine-readable output (one JSON document)");
    std::string timeout_help = "give up waiting for pmd after this long (default 10s; ";
    timeout_help += std::string(pm::k_flag_duration_rule) + ")";
    app.add_option("--timeout", g.timeout, timeout_help)->type_name("DUR");
    app.add_flag("--no-autostart", g.no_autostart, "fail instead of starting pmd when it is not running");
    app.set_version_flag("--version", std::string("pm ") + PM_VERSION);
    pm::cli::CommandEnv env{g, action};
    pm::cli::add_commands(app, env);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? pm::k_exit_ok : pm::k_exit_usage;
    }
    g.timeout_given = app.count("--timeout") > 0;
    int rc = pm::k_exit_usage;
    try {
        rc = action ? action() : pm::k_exit_usage;
    } catch (const std::exception& e) {
        // A reply of an unexpected shape must not abort the CLI.
        std::fprintf(stderr, "pm: internal error: %s\n", e.what());
        rc = pm::k_exit_failure;
    }
    std::fflush(stdout);
    return rc;
}
