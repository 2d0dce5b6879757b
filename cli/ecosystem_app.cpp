// Ecosystem app parsing: key by key, with PM2's spellings mapped to pm's.
#include "cli/ecosystem_app.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fmt/format.h>
#include <optional>
#include <tuple>
#include <utility>

#include "common/cron.hpp"
#include "common/date_format.hpp"
#include "common/names.hpp"
#include "common/signals.hpp"
#include "common/units.hpp"
#include "common/words.hpp"

namespace pm::cli {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Keys pm reads, by their ecosystem (PM2-compatible) spelling.
constexpr std::string_view k_known[] = {
    "name",         "script",        "command",       "args",          "interpreter",
    "cwd",          "env",           "instances",     "autorestart",   "restart",
    "max_restarts", "min_uptime",    "restart_delay", "max_backoff",   "kill_timeout",
    "stop_signal",  "kill_signal",   "max_memory_restart", "max_memory", "log_buffer",
    "max_log_size", "log_files",     "merge_logs",    "increment_var", "shell",
    "watch",        "ignore_watch",  "watch_delay",   "ready_fd",      "ready_tcp",
    "cron_restart", "out_file",      "error_file",    "err_file",      "log_date_format",
    "time",
};
// PM2 keys accepted so files work unchanged, but without effect in pm.
constexpr std::string_view k_ignored[] = {
    "exec_mode", "log_file",
    "node_args", "interpreter_args", "vizion", "source_map_support",
    "exp_backoff_restart_delay", "listen_timeout", "wait_ready", "combine_logs", "pid_file",
};

// "~/x" as PM2 reads it: under $HOME.
std::string expand_home(const std::string& path) {
    const char* home = std::getenv("HOME");
    if (path.rfind("~/", 0) == 0 && home != nullptr && *home == '/') {
        return std::string(home) + path.substr(1);
    }
    return path;
}

bool in(std::string_view key, const auto& list) {
    return std::find(std::begin(list), std::end(list), key) != std::end(list);
}

struct AppParser {
    const json& app;
    std::string path;  // "apps[2]"
    std::string base_dir;
    Ecosystem& eco;
    json args = json::object();
    std::string default_name;  // from the script or the command's first word

    void error(std::string_view key, std::string_view msg) {
        eco.errors.push_back(fmt::format("{}{}{}: {}", path, key.empty() ? "" : ".", key, msg));
    }

    const json* get(std::string_view key) {
        auto it = app.find(key);
        return it == app.end() || it->is_null() ? nullptr : &*it;
    }

    // A non-negative integer, or a string read by `parse` (a number with a
    // unit); the error names what was expected.
    template <typename Parse>
    std::optional<std::int64_t> quantity(std::string_view key, Parse parse, std::string_view expected) {
        const json* v = get(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        if (v->is_number_integer() && v->get<std::int64_t>() >= 0) {
            return v->get<std::int64_t>();
        }
        if (v->is_string()) {
            if (auto n = parse(v->get<std::string>())) {
                return *n;
            }
        }
        error(key, expected);
        return std::nullopt;
    }

    void duration(std::string_view key, std::string_view target) {
        auto ms = quantity(key, [](const std::string& s) { return parse_duration_ms(s); },
                           "expected a duration in ms or with a unit (500ms, 10s, 2m)");
        if (!ms) {
            return;
        }
        if (*ms > k_max_duration_ms) {
            error(key, "must be at most 7 days");
            return;
        }
        args[std::string(target)] = *ms;
    }

    void signal(std::string_view key) {
        if (const json* v = get(key)) {
            if (!v->is_string() || !parse_signal(v->get<std::string>())) {
                error(key, "expected a signal name such as SIGTERM, SIGINT or SIGUSR2");
            } else {
                args["stop_signal"] = *v;
            }
        }
    }

    void size(std::string_view key, std::string_view target, std::int64_t min = 0,
              std::int64_t max = std::int64_t{1} << 50) {
        auto bytes = quantity(key, [](const std::string& s) { return parse_size_bytes(s); },
                              "expected a size in bytes or with a unit (64K, 200M, 1G)");
        if (!bytes) {
            return;
        }
        if (*bytes < min || *bytes > max) {
            error(key, fmt::format("must be between {} and {}", format_size(min), format_size(max)));
            return;
        }
        args[std::string(target)] = *bytes;
    }

    void string_key(std::string_view key, std::string_view target) {
        if (const json* v = get(key)) {
            if (v->is_string()) {
                args[std::string(target)] = v->get<std::string>();
            } else {
                error(key, "expected a string");
            }
        }
    }

    void command() {
        std::vector<std::string> argv;
        const json* script = get("script");
        const json* cmd = get("command");
        if (script != nullptr && cmd != nullptr) {
            error("", "give either script or command, not both");
            return;
        }
        if (cmd != nullptr) {
            if (cmd->is_string()) {
                auto words = split_words(cmd->get<std::string>());
                if (!words) {
                    error("command", words.error().message);
                    return;
                }
                argv = *words;
            } else if (cmd->is_array() && std::all_of(cmd->begin(), cmd->end(), [](const json& w) { return w.is_string(); })) {
                argv = cmd->get<std::vector<std::string>>();
            } else {
                error("command", "expected a string or an array of strings");
                return;
            }
        } else if (script != nullptr) {
            if (!script->is_string() || script->get<std::string>().empty()) {
                error("script", "expected a non-empty string");
                return;
            }
            std::string s = script->get<std::string>();
            std::string interp;
            if (const json* i = get("interpreter")) {
                if (!i->is_string()) {
                    error("interpreter", "expected a string");
                    return;
                }
                interp = i->get<std::string>() == "none" ? "" : i->get<std::string>();
            } else if (ends_with(s, ".js") || ends_with(s, ".mjs") || ends_with(s, ".cjs")) {
                interp = "node";  // as PM2 does for JavaScript files
            } else if (ends_with(s, ".py")) {
                interp = "python3";
            }
            if (!interp.empty()) {
                argv.push_back(interp);
            }
            argv.push_back(s);
            default_name = default_name_for(s);
        } else {
            error("", "needs a script or a command");
            return;
        }
        if (const json* a = get("args")) {
            if (a->is_string()) {
                auto words = split_words(a->get<std::string>());
                if (!words) {
                    error("args", words.error().message);
                    return;
                }
                argv.insert(argv.end(), words->begin(), words->end());
            } else if (a->is_array() && std::all_of(a->begin(), a->end(), [](const json& w) { return w.is_string(); })) {
                for (const auto& w : *a) {
                    argv.push_back(w.get<std::string>());
                }
            } else {
                error("args", "expected a string or an array of strings");
            }
        }
        if (argv.empty()) {
            error("command", "is empty");
            return;
        }
        if (default_name.empty()) {
            default_name = default_name_for(argv[0]);
        }
        args["argv"] = argv;
    }

    void name() {
        std::string n;
        if (const json* v = get("name")) {
            if (!v->is_string()) {
                error("name", "expected a string");
                return;
            }
            n = v->get<std::string>();
        } else {
            n = default_name;
        }
        if (auto ok = validate_name(n); !ok) {
            error("name", ok.error().message);
            return;
        }
        args["name"] = n;
    }

    void run() {
        if (!app.is_object()) {
            error("", "expected an object");
            return;
        }
        for (const auto& [key, value] : app.items()) {
            if (in(key, k_ignored)) {
                eco.warnings.push_back(fmt::format("{}.{}: accepted but ignored by pm", path, key));
            } else if (!in(key, k_known) && key.rfind("env_", 0) != 0) {
                error(key, "unknown key");
            }
        }
        command();
        name();
        if (const json* v = get("cwd")) {
            if (!v->is_string()) {
                error("cwd", "expected a string");
            } else {
                std::string cwd = v->get<std::string>();
                args["cwd"] = (!cwd.empty() && cwd[0] == '/') ? cwd : base_dir + "/" + cwd;
            }
        } else {
            args["cwd"] = base_dir;
        }
        if (const json* v = get("env")) {
            if (!v->is_object()) {
                error("env", "expected an object");
            } else {
                json env = json::object();
                for (const auto& [k, val] : v->items()) {
                    if (val.is_string()) {
                        env[k] = val;
                    } else if (val.is_number() || val.is_boolean()) {
                        env[k] = val.dump();
                    } else {
                        error("env." + k, "expected a string, number or boolean");
                    }
                }
                args["env"] = env;
            }
        }
        if (const json* v = get("instances")) {
            if (v->is_number_integer() && v->get<std::int64_t>() >= 1 && v->get<std::int64_t>() <= 1024) {
                args["instances"] = v->get<std::int64_t>();
            } else if ((v->is_string() && v->get<std::string>() == "max") ||
                       (v->is_number_integer() && v->get<std::int64_t>() == -1)) {
                args["instances"] = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
            } else {
                error("instances", "expected a positive integer (at most 1024) or \"max\"");
            }
        }
        if (const json* v = get("autorestart")) {
            if (!v->is_boolean()) {
                error("autorestart", "expected true or false");
            } else {
                args["restart"] = v->get<bool>() ? "always" : "never";
            }
        }
        if (const json* v = get("restart")) {
            if (!v->is_string() || !in(v->get<std::string>(), std::array<std::string_view, 3>{"always", "on-failure", "never"})) {
                error("restart", "expected always, on-failure or never");
            } else {
                args["restart"] = *v;
            }
        }
        if (const json* v = get("max_restarts")) {
            if (!v->is_number_integer() || v->get<std::int64_t>() < 0) {
                error("max_restarts", "expected a non-negative integer");
            } else {
                args["max_restarts"] = *v;
            }
        }
        duration("min_uptime", "min_uptime");
        duration("restart_delay", "restart_delay");
        duration("max_backoff", "max_backoff");
        duration("kill_timeout", "kill_timeout");
        signal("stop_signal");
        signal("kill_signal");
        size("max_memory_restart", "max_memory");
        size("max_memory", "max_memory");
        size("log_buffer", "log_buffer", k_min_log_buffer, k_max_log_buffer);
        size("max_log_size", "max_log_size");
        if (const json* v = get("log_files")) {
            if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::int64_t>() > 10000) {
                error("log_files", "expected an integer from 0 to 10000");
            } else {
                args["log_files"] = *v;
            }
        }
        for (const char* key : {"merge_logs", "shell"}) {
            if (const json* v = get(key)) {
                if (!v->is_boolean()) {
                    error(key, "expected true or false");
                } else {
                    args[key] = *v;
                }
            }
        }
        string_key("increment_var", "increment_var");
        for (auto [key, target] : {std::pair{"out_file", "out_file"}, std::pair{"error_file", "err_file"},
                                   std::pair{"err_file", "err_file"}}) {
            string_key(key, target);  // relative to the app's cwd, as in PM2
            if (args.contains(target)) {
                args[target] = expand_home(args[target].get<std::string>());
            }
        }
        log_date();
        if (const json* v = get("cron_restart")) {
            if (!v->is_string() || !parse_cron(v->get<std::string>())) {
                error("cron_restart", "expected a cron expression such as \"0 3 * * *\"");
            } else {
                args["cron_restart"] = *v;
            }
        }
        watch();
        for (auto [key, lo, hi] : {std::tuple{"ready_fd", 3, 63}, std::tuple{"ready_tcp", 1, 65535}}) {
            if (const json* v = get(key)) {
                if (!v->is_number_integer() || v->get<std::int64_t>() < lo || v->get<std::int64_t>() > hi) {
                    error(key, fmt::format("expected an integer from {} to {}", lo, hi));
                } else {
                    args[key] = *v;
                }
            }
        }
    }

    // PM2's `time: true` (ISO-like prefix) or `log_date_format` (moment tokens).
    void log_date() {
        const json* time = get("time");
        const json* format = get("log_date_format");
        if (time != nullptr && !time->is_boolean()) {
            error("time", "expected true or false");
            return;
        }
        if (format != nullptr) {
            if (!format->is_string() || !DateFormat::parse(format->get<std::string>())) {
                error("log_date_format", "expected a date format such as \"YYYY-MM-DD HH:mm:ss\"");
                return;
            }
            args["log_date_format"] = *format;  // wins over time, as in PM2
        } else if (time != nullptr && time->get<bool>()) {
            args["log_date_format"] = std::string(DateFormat::k_time_format);
        }
    }

    // PM2's watch: true, a path, or a list of paths (relative to the cwd);
    // ignore_watch: a pattern or a list; watch_delay: a duration.
    void watch() {
        auto strings = [this](std::string_view key, const json& v) {
            if (v.is_string()) {
                return json::array({v});
            }
            if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& w) { return w.is_string(); })) {
                return v;
            }
            error(key, "expected a string or an array of strings");
            return json::array();
        };
        const json* w = get("watch");
        if (w != nullptr && w->is_boolean()) {
            if (w->get<bool>()) {
                args["watch"] = true;
            }
        } else if (w != nullptr) {
            json paths = strings("watch", *w);
            if (!paths.empty()) {
                args["watch"] = paths;
            }
        }
        if (const json* v = get("ignore_watch")) {
            args["watch_ignore"] = strings("ignore_watch", *v);
        }
        duration("watch_delay", "watch_delay");
        if (!args.contains("watch") && (args.contains("watch_ignore") || args.contains("watch_delay"))) {
            eco.warnings.push_back(fmt::format("{}: ignore_watch and watch_delay have no effect without watch", path));
        }
    }
};

}  // namespace

json parse_app(const json& app, const std::string& path, const std::string& base_dir, Ecosystem& eco) {
    AppParser p{app, path, base_dir, eco, json::object(), ""};
    p.run();
    return std::move(p.args);
}

}  // namespace pm::cli
