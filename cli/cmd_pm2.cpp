// PM2's commands that are more than one pm command: startOrRestart and
// startOrReload FILE (each app of the file restarted or reloaded when pmd
// knows it, started when it does not), and import (a PM2 dump started as
// an ecosystem file, with a report of what did not carry over).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/command_table.hpp"
#include "cli/ecosystem.hpp"
#include "cli/pm2_dump.hpp"
#include "cli/start_flags.hpp"
#include "common/words.hpp"

namespace pm::cli {
namespace {

struct StartOrOptions {
    std::string file;
    std::vector<std::string> env;  // NAME (env_NAME block) or K=V, as start's --env
    std::string only;
    bool update_env = false;
};

// The names pmd knows, from one list request.
Result<std::set<std::string>> known_names(const GlobalOptions& g) {
    PM_TRY_ASSIGN(Client client, open_client(g));
    PM_TRY_ASSIGN(json list, client.call("list"));
    std::set<std::string> names;
    for (const auto& p : list.value("processes", json::array())) {
        names.insert(p.value("name", ""));
    }
    return names;
}

int start_or(const GlobalOptions& g, const CliCommand& row, const StartOrOptions& o) {
    if (!is_ecosystem_file(o.file)) {
        return print_error(g, Error{ErrorCode::usage, fmt::format("{} takes an ecosystem file; {} is not one "
                                                                  "(use start or {})",
                                                                  row.name, o.file, row.wire)});
    }
    Ecosystem eco = load_ecosystem(o.file, split_csv(o.only));
    if (auto ok = apply_env_flags(eco, o.env); !ok) {
        return print_error(g, ok.error());
    }
    if (!eco.errors.empty()) {
        return start_ecosystem(g, o.file, o.only, client_environment(), o.env);  // reports them, starts nothing
    }
    auto known = known_names(g);
    if (!known) {
        return print_error(g, known.error());
    }
    std::string to_start;
    int worst = k_exit_ok;
    for (const auto& app : eco.apps) {
        if (known->count(app.name) == 0) {
            to_start += (to_start.empty() ? "" : ",") + app.name;
            continue;
        }
        // As PM2 restarts a known app of the file: its env read again.
        json args{{"selector", app.name}, {"env", app.args.value("env", json::object())}};
        if (o.update_env) {
            args["env_base"] = client_environment();
        }
        if (row.wire == "reload") {
            auto ms = timeout_ms(g);
            if (!ms) {
                return print_error(g, ms.error());
            }
            args["timeout"] = std::max<std::int64_t>(1, *ms - 1000);  // as reload's, see cmd_process.cpp
        }
        int rc = run_request(g, row.wire, args, row.render);
        worst = worst == k_exit_ok ? rc : worst;
    }
    if (!to_start.empty()) {
        int rc = start_ecosystem(g, o.file, to_start, client_environment(), o.env);
        worst = worst == k_exit_ok ? rc : worst;
    }
    return worst;
}

Bound define_start_or(CLI::App& sub) {
    auto o = std::make_shared<StartOrOptions>();
    sub.add_option("file", o->file, "an ecosystem file")->required();
    sub.add_option("--env,-e", o->env, "NAME applies env_NAME over env; KEY=VALUE sets a variable (repeatable)");
    sub.add_option("--only", o->only, "only these apps (a,b,...)");
    sub.add_flag("--update-env", o->update_env, "give the restarted processes this shell's environment too");
    return Bound{{}, [o](const GlobalOptions& g, const CliCommand& row, const json&) { return start_or(g, row, *o); }};
}

// ~/.pm2/dump.pm2 ($PM2_HOME/dump.pm2 when set): where pm2 save writes.
std::string default_dump() {
    const char* pm2_home = std::getenv("PM2_HOME");
    const char* home = std::getenv("HOME");
    if (pm2_home != nullptr && *pm2_home != '\0') {
        return std::string(pm2_home) + "/dump.pm2";
    }
    return std::string(home != nullptr ? home : "") + "/.pm2/dump.pm2";
}

int import_dump(const GlobalOptions& g, std::string path) {
    path = path.empty() ? default_dump() : path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return print_error(g, Error{ErrorCode::not_found, fmt::format("unable to read {} (pm2 save writes it)", path)});
    }
    std::stringstream ss;
    ss << in.rdbuf();
    json dump = json::parse(ss.str(), nullptr, false);
    if (dump.is_discarded()) {
        return print_error(g, Error{ErrorCode::bad_args, fmt::format("{}: not JSON", path)});
    }
    json shell = client_environment();
    auto converted = convert_pm2_dump(dump, shell);
    if (!converted) {
        return print_error(g, Error{converted.error().code, path + ": " + converted.error().message});
    }
    // The apps are an ecosystem file's: the same reader, checks and warnings.
    Ecosystem eco = parse_ecosystem_doc(json{{"apps", converted->apps}}, "/");
    // The report: on stdout for a person, on stderr beside --json's one document.
    std::FILE* report = g.json ? stderr : stdout;
    std::fprintf(report, "pm: importing %zu apps from %s\n", eco.apps.size(), path.c_str());
    for (const auto& n : converted->notes) {
        std::fprintf(report, "pm: import: %s\n", n.c_str());
    }
    if (eco.apps.empty() && eco.errors.empty()) {
        return print_error(g, Error{ErrorCode::bad_args, fmt::format("{}: no process to import", path)});
    }
    int rc = start_apps(g, path, eco, shell);
    if (rc == k_exit_ok && !converted->stopped.empty()) {
        auto client = open_client(for_stop_wait(g));
        for (const auto& name : converted->stopped) {
            if (auto r = client ? client->call("stop", json{{"selector", name}}) : Result<json>(client.error()); !r) {
                rc = print_error(g, r.error());
            }
        }
    }
    return rc;
}

}  // namespace

Bound define_import(CLI::App& sub) {
    auto file = std::make_shared<std::string>();
    sub.add_option("file", *file, "PM2's dump (default $PM2_HOME/dump.pm2 or ~/.pm2/dump.pm2)");
    return Bound{{}, [file](const GlobalOptions& g, const CliCommand&, const json&) { return import_dump(g, *file); }};
}

Bound define_start_or_restart(CLI::App& sub) { return define_start_or(sub); }

Bound define_start_or_reload(CLI::App& sub) { return define_start_or(sub); }

}  // namespace pm::cli
