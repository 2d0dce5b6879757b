// Ecosystem app parsing, driven by the start-option table: each option's
// file spellings (PM2's and pm's) read by kind; the keys whose meaning is
// the file's own (script/command/args, name, cwd, env, instances, time,
// autorestart) have their own readers here.
#include "cli/ecosystem_app.hpp"
#include "cli/ecosystem_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <utility>

#include "common/cron.hpp"
#include "common/date_format.hpp"
#include "common/names.hpp"
#include "common/signals.hpp"
#include "common/start_options.hpp"
#include "common/units.hpp"

namespace pm::cli {
namespace {

// What a PM2 key pm does not use means for the app: the consequence when
// ignoring it changes how the app behaves, nothing for a value that changes
// nothing (exec_mode fork, empty node_args), else that pm does not use it.
std::optional<std::string> pm2_key_warning(std::string_view key, const json& v) {
    auto empty = [&] {
        return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) || (v.is_array() && v.empty()) ||
               v == false;
    };
    if (key == "exec_mode") {
        if (v == "fork" || v == "fork_mode") {
            return std::nullopt;
        }
        return "pm's instances share a port only through listen: add listen: 'tcp://0.0.0.0:PORT' (the port "
               "the app listens on); without it every instance but the first fails with EADDRINUSE "
               "(see docs/cluster.md)";
    }
    if (key == "wait_ready") {
        if (empty()) {
            return std::nullopt;
        }
        return "pm does not wait for process.send('ready'): the app counts as online once started "
               "(ready_fd or ready_tcp make pm wait)";
    }
    if (key == "listen_timeout") {
        return "PM2 key not used by pm: pm's wait for readiness is ready_timeout";
    }
    if (key == "windowsHide") {
        return std::nullopt;  // Windows only: nothing to say on Linux
    }
    if (key == "stop_exit_codes") {
        return empty() ? std::nullopt
                       : std::optional<std::string>("pm restarts after these exit codes too; restart: on-failure "
                                                    "stops restarting after exit code 0 only");
    }
    return "PM2 key not used by pm";
}

std::optional<std::int64_t> parse_int(const std::string& t) {
    std::int64_t x = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
        return std::nullopt;
    }
    return x;
}

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
    std::map<std::string, std::string> env_defaults;  // the interpreter's (PYTHONUNBUFFERED)
    ScriptRun script_run;

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

    void duration(const StartOption& o, std::string_view key) {
        auto ms = quantity(key, [](const std::string& s) { return parse_duration_ms(s); },
                           "expected a duration in ms or with a unit (500ms, 10s, 2m)");
        if (!ms) {
            return;
        }
        if (*ms > o.max) {
            error(key, "must be at most 7 days");
            return;
        }
        args[std::string(o.key)] = *ms;
    }

    void size(const StartOption& o, std::string_view key) {
        auto bytes = quantity(key, [](const std::string& s) { return parse_size_bytes(s); },
                              "expected a size in bytes or with a unit (64K, 200M, 1G)");
        if (!bytes) {
            return;
        }
        if (*bytes < o.min || *bytes > o.max) {
            error(key, fmt::format("must be between {} and {}", format_size(o.min), format_size(o.max)));
            return;
        }
        args[std::string(o.key)] = *bytes;
    }

    void integer(const StartOption& o, std::string_view key) {
        const json* v = get(key);
        if (v == nullptr) {
            return;
        }
        bool at_least_min = v->is_number_integer() && v->get<std::int64_t>() >= o.min;
        if (at_least_min && v->get<std::int64_t>() <= o.max) {
            args[std::string(o.key)] = *v;
        } else if (o.expect.empty()) {
            error(key, fmt::format("expected an integer from {} to {}", o.min, o.max));
        } else {
            error(key, at_least_min ? fmt::format("must be at most {}", o.max) : "expected " + std::string(o.expect));
        }
    }

    // A string the `parse` function accepts, kept as written (pmd parses it).
    template <typename Parse>
    void parsed_string(const StartOption& o, std::string_view key, Parse parse, std::string_view expected) {
        if (const json* v = get(key)) {
            if (!v->is_string() || !parse(v->get<std::string>())) {
                error(key, expected);
            } else {
                args[std::string(o.key)] = *v;
            }
        }
    }

    void boolean(std::string_view key, std::string_view target) {
        if (const json* v = get(key)) {
            if (!v->is_boolean()) {
                error(key, "expected true or false");
            } else {
                args[std::string(target)] = *v;
            }
        }
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
        auto cmd = read_app_command(app, resolved_cwd(),
                                    [this](std::string_view key, std::string_view msg) { error(key, msg); });
        if (cmd) {
            default_name = std::move(cmd->default_name);
            args["argv"] = std::move(cmd->argv);
            env_defaults = std::move(cmd->env_defaults);
            script_run = std::move(cmd->run);
            for (const auto& w : cmd->warnings) {
                eco.warnings.push_back(fmt::format("{}.{}", path, w));
            }
        }
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
            // PM2 names an app after its script without the extension.
            n = default_name;
            if (auto dot = n.rfind('.'); dot != std::string::npos && dot > 0) {
                n.resize(dot);
            }
        }
        if (auto ok = validate_name(n); !ok) {
            error("name", ok.error().message);
            return;
        }
        args["name"] = n;
    }

    void check_keys() {
        for (const auto& [key, value] : app.items()) {
            if (in(key, k_ignored_pm2_keys)) {
                if (key == "exec_mode" && app.contains("listen")) {
                    continue;  // cluster mode as pm does it: the sockets of listen
                }
                if (auto w = pm2_key_warning(key, value)) {
                    eco.warnings.push_back(fmt::format("{}.{}: {}", path, key, *w));
                }
            } else if (!known(key) && key.rfind("env_", 0) != 0) {
                error(key, "unknown key");
            }
        }
    }

    static bool known(std::string_view key) {
        return std::any_of(std::begin(k_start_options), std::end(k_start_options),
                           [&](const StartOption& o) { return in(key, eco_spellings(o)); });
    }

    // The app's directory: cwd (relative to the file's), or the file's.
    std::string resolved_cwd() {
        const json* v = get("cwd");
        if (v == nullptr || !v->is_string()) {
            return base_dir;
        }
        std::string cwd = v->get<std::string>();
        return (!cwd.empty() && cwd[0] == '/') ? cwd : base_dir + "/" + cwd;
    }

    void cwd() {
        if (const json* v = get("cwd"); v != nullptr && !v->is_string()) {
            error("cwd", "expected a string");
            return;
        }
        args["cwd"] = resolved_cwd();
    }

    void env() {
        const json* v = get("env");
        if (v == nullptr) {
            for (const auto& [k, val] : env_defaults) {
                args["env"][k] = val;
            }
            return;
        }
        if (!v->is_object()) {
            error("env", "expected an object");
            return;
        }
        json env = json::object();
        for (const auto& [k, val] : v->items()) {
            if (auto text = env_value_text(val)) {
                env[k] = *text;
            } else {
                error("env." + k, "expected a string, number or boolean");
            }
        }
        for (const auto& [k, val] : env_defaults) {
            if (!env.contains(k)) {
                env[k] = val;
            }
        }
        args["env"] = env;
    }

    void instances(const StartOption& o) {
        const json* v = get("instances");
        if (v == nullptr) {
            return;
        }
        // PM2's forms: a number or a numeric string; 0 or "max" for every
        // CPU, -1 for every CPU but one.
        std::optional<std::int64_t> n;
        if (v->is_number_integer()) {
            n = v->get<std::int64_t>();
        } else if (v->is_string()) {
            const std::string& t = v->get_ref<const std::string&>();
            if (t == "max") {
                n = 0;
            } else if (auto parsed = parse_int(t)) {
                n = *parsed;
            }
        }
        long cpus = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
        if (n && *n == 0) {
            args["instances"] = cpus;
        } else if (n && *n == -1) {
            args["instances"] = std::max<long>(1, cpus - 1);
        } else if (n && *n >= o.min && *n <= o.max) {
            args["instances"] = *n;
        } else {
            error("instances",
                  fmt::format("expected a positive integer (at most {}), \"max\" or 0 (every CPU), or -1 (every CPU but one)",
                              o.max));
        }
    }

    void autorestart() {
        if (const json* v = get("autorestart")) {
            if (!v->is_boolean()) {
                error("autorestart", "expected true or false");
            } else {
                args["restart"] = v->get<bool>() ? "always" : "never";
            }
        }
    }

    // The keys whose meaning is the file's own; false: read by kind.
    bool read_own(const StartOption& o) {
        if (o.key == "name" || o.key == "argv" || o.sets == "log_date_format") {
            return true;  // command() and name() ran first; time goes with log_date_format
        }
        if (o.key == "cwd") {
            cwd();
        } else if (o.key == "env") {
            env();
        } else if (o.key == "instances") {
            instances(o);
        } else if (o.sets == "restart") {
            autorestart();
        } else if (o.key == "log_date_format") {
            log_date();
        } else if (o.kind == OptionKind::watch) {
            watch();
        } else {
            return false;
        }
        return true;
    }

    void read(const StartOption& o, std::string_view key) {
        std::string target(o.key);
        switch (o.kind) {
            case OptionKind::string: string_key(key, target); break;
            case OptionKind::path:
                string_key(key, target);  // relative to the app's cwd, as in PM2
                if (args.contains(target)) {
                    args[target] = expand_home(args[target].get<std::string>());
                }
                break;
            case OptionKind::boolean: boolean(key, target); break;
            case OptionKind::integer: integer(o, key); break;
            case OptionKind::duration: duration(o, key); break;
            case OptionKind::size: size(o, key); break;
            case OptionKind::signal:
                parsed_string(o, key, parse_signal, "expected a signal name such as SIGTERM, SIGINT or SIGUSR2");
                break;
            case OptionKind::restart_mode:
                parsed_string(o, key, restart_mode_from_string, "expected " + restart_mode_list());
                break;
            case OptionKind::cron:
                parsed_string(o, key, parse_cron, "expected a cron expression such as \"0 3 * * *\"");
                break;
            case OptionKind::string_list:
                if (const json* v = get(key)) {
                    args[target] = strings(key, *v);
                }
                break;
            case OptionKind::string_map:
            case OptionKind::date_format:
            case OptionKind::watch:
            case OptionKind::command: break;  // read_own
        }
    }

    // "ignore_watch and watch_delay have no effect without watch".
    void warn_unmet_needs() {
        for (const auto& needed : k_start_options) {
            std::string dependents;
            bool used = false;
            for (const auto& o : k_start_options) {
                if (!o.needs.empty() && o.needs == needed.key && !o.eco.empty()) {
                    dependents += (dependents.empty() ? "" : " and ") + std::string(eco_spellings(o)[0]);
                    used = used || args.contains(o.key);
                }
            }
            if (used && !args.contains(needed.key)) {
                eco.warnings.push_back(
                    fmt::format("{}: {} have no effect without {}", path, dependents, eco_spellings(needed)[0]));
            }
        }
    }

    void run() {
        if (!app.is_object()) {
            error("", "expected an object");
            return;
        }
        check_keys();
        command();
        name();
        for (const auto& o : k_start_options) {
            if (o.eco.empty() || read_own(o)) {
                continue;
            }
            for (auto key : eco_spellings(o)) {
                read(o, key);
            }
        }
        warn_unmet_needs();
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

    // A string or a list of strings (watch paths, ignore patterns).
    json strings(std::string_view key, const json& v) {
        if (v.is_string()) {
            return json::array({v});
        }
        if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& w) { return w.is_string(); })) {
            return v;
        }
        error(key, "expected a string or an array of strings");
        return json::array();
    }

    // PM2's watch: true, a path, or a list of paths (relative to the cwd).
    void watch() {
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
    }
};

}  // namespace

json parse_app(const json& app, const std::string& path, const std::string& base_dir, Ecosystem& eco,
               ScriptRun& run) {
    AppParser p{app, path, base_dir, eco, json::object(), "", {}, {}};
    p.run();
    run = std::move(p.script_run);
    return std::move(p.args);
}

std::optional<std::string> env_value_text(const json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_number() || v.is_boolean()) {
        return v.dump();
    }
    return std::nullopt;
}

}  // namespace pm::cli
