// Daemon commands: ping, version, kill.
#include <cstdio>

#include "cli/command.hpp"

namespace pm::cli {

void add_daemon_commands(CLI::App& app, CommandEnv env) {
    auto* ping = app.add_subcommand("ping", "check that pmd answers (starts it if needed)");
    ping->callback([env] {
        env.action = [g = &env.global] {
            return run_request(*g, "ping", json::object(), [](const json&) { std::printf("pong\n"); });
        };
    });

    auto* version = app.add_subcommand("version", "versions of pm, pmd and the protocol");
    version->callback([env] {
        env.action = [g = &env.global] {
            return run_request(*g, "hello", json{{"protocol", k_protocol_version}}, [](const json& r) {
                std::printf("pm %s\npmd %s (pid %d, protocol %d)\nhome %s\n", PM_VERSION,
                            r.value("version", "?").c_str(), r.value("pid", 0), r.value("protocol", 0),
                            r.value("home", "").c_str());
            });
        };
    });

    auto* kill = app.add_subcommand("kill", "stop every process and the daemon");
    kill->callback([env] {
        env.action = [g = &env.global] {
            GlobalOptions opts = for_stop_wait(*g);
            opts.no_autostart = true;  // never start a daemon just to kill it
            return run_request(opts, "kill", json::object(), [](const json& r) {
                std::printf("pmd stopped (%d processes stopped)\n", r.value("stopped", 0));
            });
        };
    });
}

}  // namespace pm::cli
