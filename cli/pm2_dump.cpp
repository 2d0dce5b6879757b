// PM2 dump -> ecosystem apps. The keys are pm2_env's (PM2's lib/Common.js
// and God): pm_exec_path, exec_interpreter, node_args, pm_cwd, env,
// pm_out_log_path ..., one entry per instance of a cluster.
#include "cli/pm2_dump.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>

#include "common/names.hpp"

namespace pm::cli {
namespace {

// Keys an ecosystem app spells as pm2_env does: copied, and the ecosystem
// reader checks them (and warns for the ones pm does not use).
constexpr std::string_view k_same_keys[] = {
    "kill_timeout",
    "restart_delay",
    "min_uptime",
    "max_restarts",
    "max_memory_restart",
    "cron_restart",
    "ignore_watch",
    "watch_delay",
    "autorestart",
    "log_date_format",
    "increment_var",
    "stop_exit_codes",
    "exp_backoff_restart_delay",
    "listen_timeout",
    "wait_ready",
    "exec_mode",
    "kill_signal",
    "time",
};

// Variables the shell gives every process: pm's base environment (the
// importing shell's) provides them, as PM2's did.
constexpr std::string_view k_shell_vars[] = {
    "PATH", "HOME", "LANG", "SHELL", "PWD", "OLDPWD", "SHLVL", "_", "TERM", "USER", "LOGNAME", "HOSTNAME", "MAIL",
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string str(const json& e, const char* key) {
    auto it = e.find(key);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Whether PM2 wrote this log path in its own logs directory (pm then
// writes its own default instead).
bool in_pm2_logs(const std::string& path, const std::string& pm2_home) {
    std::string dir = std::filesystem::path(path).parent_path().string();
    return pm2_home.empty() ? dir.ends_with("/.pm2/logs") : dir == pm2_home + "/logs";
}

// "out-0.log" -> "out.log": PM2 names each instance's file; pm does too.
std::string strip_instance(const std::string& path) {
    std::filesystem::path p(path);
    std::string stem = p.stem().string();
    auto dash = stem.rfind('-');
    if (dash != std::string::npos && dash + 1 < stem.size() &&
        std::all_of(stem.begin() + static_cast<long>(dash) + 1, stem.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
        stem.resize(dash);
    }
    return (p.parent_path() / (stem + p.extension().string())).string();
}

struct Converter {
    const json& shell_env;
    Pm2Import out;
    std::map<std::string, std::size_t> index;  // PM2 name -> app

    void note(const std::string& name, const std::string& text) { out.notes.push_back(name + ": " + text); }

    json env_of(const json& e, const std::string& name) {
        json env = json::object();
        std::vector<std::string> left;
        const json dumped = e.value("env", json::object());  // items() of a temporary would dangle
        for (const auto& [k, v] : dumped.items()) {
            bool pm2_own = starts_with(k, "PM2_") || k == "unique_id" || k == "NODE_APP_INSTANCE" || k == "pm_id" ||
                           k == name || starts_with(k, "_pm2");
            if (pm2_own || !v.is_string()) {
                continue;
            }
            bool shell = std::find(std::begin(k_shell_vars), std::end(k_shell_vars), k) != std::end(k_shell_vars);
            auto cur = shell_env.find(k);
            if (shell || (cur != shell_env.end() && *cur == v)) {
                if (cur == shell_env.end() || *cur != v) {
                    left.push_back(k);
                }
                continue;
            }
            env[k] = v;
        }
        if (!left.empty()) {
            std::string names;
            for (const auto& k : left) {
                names += (names.empty() ? "" : ", ") + k;
            }
            note(name, fmt::format("env: {} differ from this shell's and are left to it, as pm gives every process "
                                   "the starting shell's environment",
                                   names));
        }
        return env;
    }

    void logs(const json& e, const std::string& name, json& app) {
        std::string home = e.value("env", json::object()).value("PM2_HOME", std::string());
        bool moved = false;
        for (auto [from, to] : {std::pair{"pm_out_log_path", "out_file"}, std::pair{"pm_err_log_path", "error_file"},
                                std::pair{"pm_log_path", "log_file"}}) {
            std::string path = str(e, from);
            if (path.empty()) {
                continue;
            }
            if (in_pm2_logs(path, home)) {
                moved = true;
            } else {
                app[to] = strip_instance(path) == path ? path : strip_instance(path);
            }
        }
        if (moved) {
            note(name, "logs: written to pm's log directory ($PM_HOME/logs), not PM2's");
        }
    }

    void add(const json& e) {
        std::string name = str(e, "name");
        if (e.value("pmx_module", false)) {
            note(name, "a PM2 module: not imported (pm has no modules)");
            return;
        }
        if (auto it = index.find(name); it != index.end()) {
            json& app = out.apps[it->second];
            app["instances"] = app.value("instances", 1) + 1;  // one dump entry per instance
            return;
        }
        json app = json::object();
        std::string pm_name = name;
        if (!validate_name(name)) {
            pm_name = suggest_name(name);
            note(name, fmt::format("renamed to \"{}\" (pm names take letters, digits, '.', '_' and '-')", pm_name));
        }
        app["name"] = pm_name;
        app["script"] = str(e, "pm_exec_path");
        app["cwd"] = str(e, "pm_cwd").empty() ? std::string("/") : str(e, "pm_cwd");
        std::string interp = str(e, "exec_interpreter");
        app["interpreter"] = interp.empty() ? std::string("none") : interp;
        for (auto [from, to] : {std::pair{"args", "args"}, std::pair{"node_args", "interpreter_args"}}) {
            if (auto it = e.find(from); it != e.end() && (it->is_array() || it->is_string()) && !it->empty()) {
                app[to] = *it;
            }
        }
        for (auto key : k_same_keys) {
            if (auto it = e.find(key); it != e.end() && !it->is_null()) {
                app[std::string(key)] = *it;
            }
        }
        if (const auto& w = e.value("watch", json(false)); w.is_array() || w.is_string() || w == true) {
            app["watch"] = w;
        }
        if (std::string ns = str(e, "namespace"); !ns.empty() && ns != "default") {
            note(name, fmt::format("namespace '{}': not carried over (pm has no namespaces; select by name)", ns));
        }
        json env = env_of(e, name);
        if (!env.empty()) {
            app["env"] = env;
        }
        logs(e, name, app);
        if (str(e, "status") == "stopped") {
            out.stopped.push_back(pm_name);
            note(name, "was stopped under PM2: imported, then stopped");
        }
        index[name] = out.apps.size();
        out.apps.push_back(std::move(app));
    }
};

}  // namespace

Result<Pm2Import> convert_pm2_dump(const json& dump, const json& shell_env) {
    if (!dump.is_array() || !std::all_of(dump.begin(), dump.end(), [](const json& e) { return e.is_object(); })) {
        return fail(ErrorCode::bad_args, "not a PM2 dump: expected a JSON array of processes (pm2 save's dump.pm2)");
    }
    Converter c{shell_env, {}, {}};
    for (const auto& e : dump) {
        if (str(e, "name").empty() || str(e, "pm_exec_path").empty()) {
            c.out.notes.push_back(fmt::format("an entry without name or pm_exec_path: skipped"));
            continue;
        }
        c.add(e);
    }
    return std::move(c.out);
}

}  // namespace pm::cli
