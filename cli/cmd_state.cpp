// Operator commands: save, resurrect, startup, scale, signal, reset,
// validate, and ecosystem files for start/stop/restart/delete.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sys/stat.h>

#include "cli/command.hpp"
#include "common/words.hpp"
#include "cli/ecosystem.hpp"
#include "cli/render/table.hpp"
#include "common/paths.hpp"

namespace pm::cli {
namespace {

// Prints validation problems; returns the exit code (0 when valid).
// `starting`: the file was to be started (the message says nothing was).
int report_ecosystem(const GlobalOptions& g, const std::string& path, const Ecosystem& eco, bool starting = true) {
    for (const auto& w : eco.warnings) {
        if (!g.json) {
            std::fprintf(stderr, "pm: %s: warning: %s\n", path.c_str(), w.c_str());
        }
    }
    if (eco.errors.empty()) {
        return k_exit_ok;
    }
    if (g.json) {
        json j{{"ok", false},
               {"error", {{"code", "bad_args"}, {"message", fmt::format("{} is invalid", path)}}},
               {"problems", eco.errors}};
        std::printf("%s", to_line(j).c_str());
    } else {
        for (const auto& e : eco.errors) {
            std::fprintf(stderr, "pm: %s: %s\n", path.c_str(), e.c_str());
        }
        std::fprintf(stderr, "pm: %s is invalid%s\n", path.c_str(), starting ? "; nothing was started" : "");
    }
    return k_exit_usage;
}

std::string unit_text(const std::string& pmd) {
    return fmt::format(
        "[Unit]\n"
        "Description=pm process manager (pmd)\n\n"
        "[Service]\n"
        "Type=simple\n"
        "Environment=PM_HOME={}\n"
        "ExecStart={} --foreground --resurrect\n"
        "ExecStop={} --no-autostart kill\n"
        "Restart=on-failure\n"
        "KillMode=mixed\n"
        "TimeoutStopSec=70\n\n"
        "[Install]\n"
        "WantedBy=default.target\n",
        resolve_paths().home, pmd, pmd.substr(0, pmd.rfind('/') + 1) + "pm");
}

}  // namespace

int dry_run_ecosystem(const GlobalOptions& g, const std::string& path, const Ecosystem& eco,
                      const json& env_base) {
    auto client = open_client(g);
    if (!client) {
        return report_error(g, client.error());
    }
    Ecosystem bad;
    for (std::size_t i = 0; i < eco.apps.size(); ++i) {
        json args = eco.apps[i].args;
        args["env_base"] = env_base;
        args["dry_run"] = true;
        if (auto r = client->call("start", args); !r) {
            bad.errors.push_back(fmt::format("apps[{}] ({}): {}", i, eco.apps[i].name, r.error().message));
        }
    }
    return bad.errors.empty() ? k_exit_ok : report_ecosystem(g, path, bad);
}

int start_ecosystem(const GlobalOptions& g, const std::string& path, const std::string& only,
                    const json& env_base) {
    Ecosystem eco = load_ecosystem(path, split_csv(only));
    if (int rc = report_ecosystem(g, path, eco); rc != k_exit_ok) {
        return rc;
    }
    auto client = open_client(g);
    if (!client) {
        return report_error(g, client.error());
    }
    // pmd checks every app first (dry run): nothing starts unless all are valid.
    if (int rc = dry_run_ecosystem(g, path, eco, env_base); rc != k_exit_ok) {
        return rc;
    }
    json results = json::array();
    int worst = k_exit_ok;
    for (const auto& app : eco.apps) {
        json args = app.args;
        args["env_base"] = env_base;
        auto r = client->call("start", args);
        if (!r) {
            results.push_back(json{{"name", app.name},
                                   {"ok", false},
                                   {"error", {{"code", to_string(r.error().code)}, {"message", r.error().message}}}});
            if (!g.json) {
                std::fprintf(stderr, "pm: %s: %s\n", app.name.c_str(), r.error().message.c_str());
            }
            worst = worst == k_exit_ok ? exit_code_for(r.error().code) : worst;
            continue;
        }
        results.push_back(*r);
    }
    if (g.json) {
        std::printf("%s", to_line(json{{"apps", results}}).c_str());
    } else {
        auto list = client->call("list");
        if (list) {
            print_instances(list->value("processes", json::array()), stdout);
        }
    }
    return worst;
}

int act_on_ecosystem(const GlobalOptions& g, const std::string& cmd, const std::string& path,
                     const Render& render, const json& extra) {
    Ecosystem eco = load_ecosystem(path);
    if (int rc = report_ecosystem(g, path, eco); rc != k_exit_ok) {
        return rc;
    }
    int worst = k_exit_ok;
    for (const auto& app : eco.apps) {
        json args = extra;
        args["selector"] = app.name;
        if (extra.contains("env_base")) {
            // --update-env with a file: its env is read again, as PM2 does.
            args["env"] = app.args.value("env", json::object());
        }
        int rc = run_request(g, cmd, args, render);
        worst = worst == k_exit_ok ? rc : worst;
    }
    return worst;
}

void add_state_commands(CLI::App& app, CommandEnv env) {
    auto force = std::make_shared<bool>(false);
    auto* save = app.add_subcommand("save", "save the process list for resurrect");
    save->add_flag("--force", *force, "save even an empty list over the previous one");
    save->callback([env, force] {
        env.action = [g = &env.global, force] {
            return run_request(*g, "save", json{{"force", *force}}, [](const json& r) {
                std::printf("saved %d processes to %s\n", r.value("saved", 0), r.value("path", "").c_str());
            });
        };
    });

    auto* resurrect = app.add_subcommand("resurrect", "start the saved process list");
    resurrect->callback([env] {
        env.action = [g = &env.global] {
            return run_request(*g, "resurrect", json::object(), [](const json& r) {
                if (r["warning"].is_string()) {
                    std::fprintf(stderr, "pm: WARNING: %s\n", r["warning"].get<std::string>().c_str());
                }
                std::printf("restored %zu processes from %s\n", r["restored"].size(), r.value("source", "").c_str());
                for (const auto& s : r["skipped"]) {
                    std::printf("skipped %s (already known)\n", s.get<std::string>().c_str());
                }
                for (const auto& f : r["failed"]) {
                    std::printf("failed %s: %s\n", f.value("name", "").c_str(), f.value("error", "").c_str());
                }
            });
        };
    });

    auto install = std::make_shared<bool>(false);
    auto uninstall = std::make_shared<bool>(false);
    auto* startup = app.add_subcommand("startup", "print (or --install, --uninstall) a systemd user unit that resurrects at boot");
    auto* install_flag = startup->add_flag("--install", *install, "write ~/.config/systemd/user/pm.service");
    startup->add_flag("--uninstall", *uninstall, "remove ~/.config/systemd/user/pm.service (PM2's unstartup)")
        ->excludes(install_flag);
    startup->callback([env, install, uninstall] {
        env.action = [install, uninstall] {
            if (!*install && !*uninstall) {
                std::printf("%s", unit_text(find_pmd()).c_str());
                return k_exit_ok;
            }
            const char* home = std::getenv("HOME");
            if (home == nullptr || *home != '/') {
                std::fprintf(stderr, "pm: HOME is not set to an absolute path; no place for a systemd user unit\n");
                return k_exit_failure;
            }
            std::filesystem::path dir = std::filesystem::path(home) / ".config/systemd/user";
            std::string unit_path = (dir / "pm.service").string();
            std::error_code ec;
            if (*uninstall) {
                // What `systemctl --user disable` removes, so that no dangling
                // link is left once the unit file is gone.
                std::string wants = (dir / "default.target.wants/pm.service").string();
                bool unlinked = std::filesystem::is_symlink(wants, ec) && std::filesystem::remove(wants, ec);
                if (!std::filesystem::remove(unit_path, ec)) {
                    if (ec) {
                        std::fprintf(stderr, "pm: unable to remove %s: %s\n", unit_path.c_str(), ec.message().c_str());
                        return k_exit_failure;
                    }
                    std::printf("no %s to remove\n", unit_path.c_str());
                    return k_exit_ok;
                }
                std::printf("removed %s%s\nstop a running one with: systemctl --user daemon-reload && "
                            "systemctl --user stop pm.service\n",
                            unit_path.c_str(), unlinked ? " and its default.target.wants link" : "");
                return k_exit_ok;
            }
            std::filesystem::create_directories(dir, ec);
            if (ec) {
                std::fprintf(stderr, "pm: unable to create %s: %s\n", dir.c_str(), ec.message().c_str());
                return k_exit_failure;
            }
            std::ofstream out(unit_path);
            out << unit_text(find_pmd());
            if (!out.flush()) {
                std::fprintf(stderr, "pm: unable to write %s\n", unit_path.c_str());
                return k_exit_failure;
            }
            std::printf("wrote %s\nenable it with: systemctl --user enable --now pm.service\n", unit_path.c_str());
            return k_exit_ok;
        };
    });

    auto scale_name = std::make_shared<std::string>();
    auto scale_n = std::make_shared<int>(1);
    auto* scale = app.add_subcommand("scale", "set the number of instances of a process");
    scale->add_option("name", *scale_name, "process name")->required();
    scale->add_option("instances", *scale_n, "instances wanted")->required()->check(CLI::Range(1, 1024));
    scale->callback([env, scale_name, scale_n] {
        env.action = [g = &env.global, scale_name, scale_n] {
            return run_request(for_stop_wait(*g), "scale", json{{"name", *scale_name}, {"instances", *scale_n}},
                               [](const json& r) { print_instances(r.value("instances", json::array()), stdout); });
        };
    });

    auto sig = std::make_shared<std::string>();
    auto sig_sel = std::make_shared<std::string>();
    auto* signal = app.add_subcommand("signal", "send a signal to processes (their whole group)");
    signal->add_option("signal", *sig, "SIGUSR1, USR1 or 10")->required();
    signal->add_option("selector", *sig_sel, "name, name:index, id or all")->required();
    signal->callback([env, sig, sig_sel] {
        env.action = [g = &env.global, sig, sig_sel] {
            return run_request(*g, "signal", json{{"signal", *sig}, {"selector", *sig_sel}}, [](const json& r) {
                std::printf("sent %s to %zu instances\n", r.value("signal", "").c_str(), r["sent_to"].size());
            });
        };
    });

    auto reset_sel = std::make_shared<std::string>();
    auto* reset = app.add_subcommand("reset", "reset restart counters");
    reset->add_option("selector", *reset_sel, "name, name:index, id or all")->required();
    reset->callback([env, reset_sel] {
        env.action = [g = &env.global, reset_sel] {
            return run_request(*g, "reset", json{{"selector", *reset_sel}},
                               [](const json& r) { std::printf("reset %d instances\n", r.value("reset", 0)); });
        };
    });

    auto file = std::make_shared<std::string>();
    auto* validate = app.add_subcommand("validate", "check an ecosystem file or Procfile without starting anything");
    validate->add_option("file", *file, "apps.json or Procfile")->required();
    validate->callback([env, file] {
        env.action = [g = &env.global, file] {
            Ecosystem eco = load_ecosystem(*file);
            if (int rc = report_ecosystem(*g, *file, eco, false); rc != k_exit_ok) {
                return rc;
            }

            json names = json::array();
            for (const auto& a : eco.apps) {
                names.push_back(a.name);
            }
            if (g->json) {
                std::printf("%s", to_line(json{{"ok", true}, {"apps", names}, {"warnings", eco.warnings}}).c_str());
            } else {
                std::printf("%s is valid: %zu apps (%s)\n", file->c_str(), eco.apps.size(),
                            names.dump().c_str());
            }
            return k_exit_ok;
        };
    });
}

}  // namespace pm::cli
