// Ecosystem files: pm validate, and start/stop/restart/reload/delete of
// every app of a file (each app is one request, as from the command line).
#include <cstdio>
#include <fmt/format.h>

#include "cli/command_table.hpp"
#include "cli/ecosystem.hpp"
#include "cli/preflight.hpp"
#include "cli/start_flags.hpp"
#include "cli/render/table.hpp"
#include "common/words.hpp"

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
        json error{{"code", to_string(ErrorCode::bad_args)}, {"message", fmt::format("{} is invalid", path)}};
        json j{{"ok", false}, {"error", error}, {"problems", eco.errors}};
        std::printf("%s", to_line(j).c_str());
    } else {
        for (const auto& e : eco.errors) {
            std::fprintf(stderr, "pm: %s: %s\n", path.c_str(), e.c_str());
        }
        std::fprintf(stderr, "pm: %s is invalid%s\n", path.c_str(), starting ? "; nothing was started" : "");
    }
    return k_exit_usage;
}

// What start would fail on (cwd, program, script, log directories), added
// to the file's errors: validate and start refuse the same files.
void check_can_start(Ecosystem& eco, const json& env_base) {
    for (std::size_t i = 0; i < eco.apps.size(); ++i) {
        const EcoApp& app = eco.apps[i];
        for (const auto& p : start_problems(app.args, app.run, env_base)) {
            eco.errors.push_back(fmt::format("apps[{}]: {}: {}", i, app.name, p));
        }
    }
}

int validate(const GlobalOptions& g, const std::string& file) {
    Ecosystem eco = load_ecosystem(file);
    if (eco.errors.empty()) {
        check_can_start(eco, client_environment());
    }
    if (int rc = report_ecosystem(g, file, eco, false); rc != k_exit_ok) {
        return rc;
    }
    json names = json::array();
    for (const auto& a : eco.apps) {
        names.push_back(a.name);
    }
    if (g.json) {
        std::printf("%s", to_line(json{{"ok", true}, {"apps", names}, {"warnings", eco.warnings}}).c_str());
    } else {
        std::printf("%s is valid: %zu apps (%s)\n", file.c_str(), eco.apps.size(), names.dump().c_str());
    }
    return k_exit_ok;
}

}  // namespace

int dry_run_ecosystem(const GlobalOptions& g, const std::string& path, const Ecosystem& eco, const json& env_base) {
    auto client = open_client(g);
    if (!client) {
        return print_error(g, client.error());
    }
    Ecosystem bad;
    for (std::size_t i = 0; i < eco.apps.size(); ++i) {
        json args = eco.apps[i].args;
        args["env_base"] = env_base;
        args["dry_run"] = true;
        if (auto r = client->call("start", args); !r) {
            bad.errors.push_back(fmt::format("apps[{}]: {}", i, r.error().message));  // pmd's names the app
        }
    }
    return bad.errors.empty() ? k_exit_ok : report_ecosystem(g, path, bad);
}

int start_ecosystem(const GlobalOptions& g, const std::string& path, const std::string& only, const json& env_base,
                    const std::vector<std::string>& env_flags) {
    Ecosystem eco = load_ecosystem(path, split_csv(only));
    if (auto ok = apply_env_flags(eco, env_flags); !ok) {
        return print_error(g, ok.error());
    }
    return start_apps(g, path, eco, env_base);
}

int start_apps(const GlobalOptions& g, const std::string& path, Ecosystem& eco, const json& env_base) {
    if (eco.errors.empty()) {
        check_can_start(eco, env_base);
    }
    if (int rc = report_ecosystem(g, path, eco); rc != k_exit_ok) {
        return rc;
    }
    auto client = open_client(g);
    if (!client) {
        return print_error(g, client.error());
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
                // pmd's start errors name the process already (docs/protocol.md, start).
                std::fprintf(stderr, "pm: %s\n", r.error().message.c_str());
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

int act_on_ecosystem(const GlobalOptions& g, const std::string& cmd, const std::string& path, const Render& render,
                     const json& extra, const std::vector<std::string>& env_flags) {
    Ecosystem eco = load_ecosystem(path);
    if (auto ok = apply_env_flags(eco, env_flags); !ok) {
        return print_error(g, ok.error());
    }
    if (int rc = report_ecosystem(g, path, eco); rc != k_exit_ok) {
        return rc;
    }
    int worst = k_exit_ok;
    for (const auto& app : eco.apps) {
        json args = extra;
        args["selector"] = app.name;
        if (extra.contains("env_base") || !env_flags.empty()) {
            // --update-env or --env with a file: its env is read again, as PM2 does.
            args["env"] = app.args.value("env", json::object());
        }
        int rc = run_request(g, cmd, args, render);
        worst = worst == k_exit_ok ? rc : worst;
    }
    return worst;
}

Bound define_validate(CLI::App& sub) {
    auto file = std::make_shared<std::string>();
    sub.add_option("file", *file, "apps.json or Procfile")->required();
    return Bound{{}, [file](const GlobalOptions& g, const CliCommand&, const json&) { return validate(g, *file); }};
}

}  // namespace pm::cli
