// Process commands: start, stop, restart, reload, delete, list, env, show.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <memory>

#include "cli/command_table.hpp"
#include "cli/ecosystem.hpp"
#include "common/date_format.hpp"
#include "common/units.hpp"
#include "common/words.hpp"

extern char** environ;

namespace pm::cli {
namespace {

struct StartOptions {
    std::string name;
    std::string cwd;
    std::vector<std::string> env;
    int instances = 1;
    std::string restart;
    int max_restarts = -1;
    std::string min_uptime, restart_delay, max_backoff, kill_timeout, stop_signal;
    bool shell = false;
    std::string log_buffer, max_log_size, max_memory;
    std::string out_file, err_file;
    std::string log_date_format;
    bool time = false;
    int log_files = -1;
    bool merge_logs = false;
    std::string only;
    int ready_fd = 0;
    int ready_tcp = 0;
    bool wait = false;
    std::vector<std::string> watch;         // "--watch" alone gives {"."}
    std::vector<std::string> ignore_watch;
    std::string watch_delay;
    std::string cron_restart;
    std::vector<std::string> command;
};

json client_environment() {
    json env = json::object();
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos && eq > 0) {
            env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
        }
    }
    return env;
}

// Builds the start request; usage errors come back as Error{usage}.
Result<json> start_args(const StartOptions& o) {
    json args = json::object();
    std::vector<std::string> argv = o.command;
    if (argv.size() == 1 && !o.shell && argv[0].find_first_of(" \t'\"\\") != std::string::npos) {
        auto words = split_words(argv[0]);
        if (!words) {
            return fail(ErrorCode::usage, words.error().message);
        }
        argv = std::move(*words);
    }
    if (argv.empty() && o.name.empty()) {
        return fail(ErrorCode::usage, "start needs a command (or the name of a known process)");
    }
    if (!argv.empty()) {
        args["argv"] = argv;
    }
    if (!o.name.empty()) {
        args["name"] = o.name;
    }
    if (o.shell) {
        args["shell"] = true;
    }
    if (!o.cwd.empty()) {
        args["cwd"] = o.cwd;
    } else {
        char buf[4096];
        if (::getcwd(buf, sizeof buf) != nullptr) {
            args["cwd"] = std::string(buf);
        }
    }
    args["env_base"] = client_environment();
    json extra = json::object();
    for (const auto& kv : o.env) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            return fail(ErrorCode::usage, fmt::format("--env expects KEY=VALUE, got '{}'", kv));
        }
        extra[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (!extra.empty()) {
        args["env"] = extra;
    }
    args["instances"] = o.instances;
    if (!o.restart.empty()) {
        args["restart"] = o.restart;
    }
    if (o.max_restarts >= 0) {
        args["max_restarts"] = o.max_restarts;
    }
    const std::pair<const char*, const std::string*> durations[] = {
        {"min_uptime", &o.min_uptime},     {"restart_delay", &o.restart_delay},
        {"max_backoff", &o.max_backoff},   {"kill_timeout", &o.kill_timeout},
    };
    for (const auto& [key, value] : durations) {
        if (!value->empty()) {
            auto ms = parse_duration_ms(*value);
            if (!ms) {
                std::string flag = key;
                std::replace(flag.begin(), flag.end(), '_', '-');
                return fail(ErrorCode::usage, fmt::format("--{}: {}", flag, ms.error().message));
            }
            args[key] = *ms;
        }
    }
    if (!o.stop_signal.empty()) {
        args["stop_signal"] = o.stop_signal;
    }
    if (!o.log_buffer.empty()) {
        args["log_buffer"] = o.log_buffer;
    }
    if (!o.max_log_size.empty()) {
        args["max_log_size"] = o.max_log_size;
    }
    if (o.log_files >= 0) {
        args["log_files"] = o.log_files;
    }
    if (!o.max_memory.empty()) {
        args["max_memory"] = o.max_memory;
    }
    if (o.ready_fd > 0) {
        args["ready_fd"] = o.ready_fd;
    }
    if (o.ready_tcp > 0) {
        args["ready_tcp"] = o.ready_tcp;
    }
    if (o.merge_logs) {
        args["merge_logs"] = true;
    }
    if (o.time && !o.log_date_format.empty()) {
        return fail(ErrorCode::usage, "give --time or --log-date-format, not both");
    }
    if (o.time || !o.log_date_format.empty()) {
        args["log_date_format"] = o.time ? std::string(DateFormat::k_time_format) : o.log_date_format;
    }
    for (auto [key, path] : {std::pair{"out_file", &o.out_file}, std::pair{"err_file", &o.err_file}}) {
        if (!path->empty()) {
            args[key] = *path;  // relative to the process's cwd, resolved by pmd
        }
    }
    if (!o.cron_restart.empty()) {
        args["cron_restart"] = o.cron_restart;  // checked by pmd
    }
    if (!o.watch.empty()) {
        json paths = json::array();
        for (const auto& w : o.watch) {
            for (auto& p : split_csv(w)) {
                paths.push_back(p);  // relative to the process's cwd, resolved by pmd
            }
        }
        args["watch"] = paths;
        if (!o.ignore_watch.empty()) {
            args["watch_ignore"] = o.ignore_watch;
        }
        if (!o.watch_delay.empty()) {
            auto ms = parse_duration_ms(o.watch_delay);
            if (!ms) {
                return fail(ErrorCode::usage, fmt::format("--watch-delay: {}", ms.error().message));
            }
            args["watch_delay"] = *ms;
        }
    } else if (!o.ignore_watch.empty() || !o.watch_delay.empty()) {
        return fail(ErrorCode::usage, "--ignore-watch and --watch-delay need --watch");
    }
    return args;
}

// A selector command's extras:
// - k_deadline: also send pmd the time left ("timeout", ms), a second short
//   of the client's own, so that pmd's reply says where a long operation stopped;
// - k_update_env: a --update-env flag that sends this shell's environment as
//   the processes' new base environment (PM2's --update-env).
enum SelectorExtras : unsigned { k_plain = 0, k_deadline = 1, k_update_env = 2 };

// The arguments every selector of the command line shares.
Result<json> selector_extras(const GlobalOptions& g, unsigned extras, bool update_env) {
    json extra = json::object();
    if (extras & k_deadline) {
        auto ms = parse_duration_ms(g.timeout);
        if (!ms || *ms <= 0) {
            return fail(ErrorCode::usage, "--timeout must be a positive duration like 10s");
        }
        extra["timeout"] = std::max<std::int64_t>(1, *ms - 1000);
    }
    if (update_env) {
        extra["env_base"] = client_environment();
    }
    return extra;
}

// One request per selector (an ecosystem file: one per app); the exit code
// is the first failure's.
int run_each_selector(const GlobalOptions& g, const CliCommand& row, const json& extra,
                      const std::vector<std::string>& selectors) {
    int worst = k_exit_ok;
    std::string cmd(row.wire);
    for (const auto& s : selectors) {
        json args = extra;
        args["selector"] = s;
        int rc = is_ecosystem_file(s) ? act_on_ecosystem(g, cmd, s, row.render, extra)
                                      : run_request(g, cmd, args, row.render);
        worst = worst == k_exit_ok ? rc : worst;
    }
    return worst;
}

Bound define_selectors(CLI::App& sub, unsigned extras) {
    auto selectors = std::make_shared<std::vector<std::string>>();
    auto update_env = std::make_shared<bool>(false);
    sub.add_option("selector", *selectors, "name, name:index, numeric id, all, or an ecosystem file")->required();
    if (extras & k_update_env) {
        sub.add_flag("--update-env", *update_env,
                     "give the processes this shell's environment (their --env values still win)");
    }
    return Bound{[extras, update_env](const GlobalOptions& g) { return selector_extras(g, extras, *update_env); },
                 [selectors](const GlobalOptions& g, const CliCommand& row, const json& extra) {
                     return run_each_selector(g, row, extra, *selectors);
                 }};
}

Bound define_one_selector(CLI::App& sub, const char* help) {
    auto selector = std::make_shared<std::string>();
    sub.add_option("selector", *selector, help)->required();
    return Bound{[selector](const GlobalOptions&) -> Result<json> { return json{{"selector", *selector}}; }, {}};
}

// The options of `start`.
void add_start_options(CLI::App* start, const std::shared_ptr<StartOptions>& o) {
    start->add_option("--name,-n", o->name, "process name (default: the command's basename)");
    start->add_option("--cwd", o->cwd, "working directory (default: the current one)");
    // One value per --env: the command that follows must not be taken as more.
    start->add_option("--env,-e", o->env, "KEY=VALUE added to the environment (repeatable)")
        ->allow_extra_args(false);
    start->add_option("--instances,-i", o->instances, "how many instances")->check(CLI::Range(1, 1024));
    start->add_option("--restart", o->restart, "always | on-failure | never (default always)")
        ->check(CLI::IsMember({"always", "on-failure", "never"}));
    start->add_option("--max-restarts", o->max_restarts, "unstable restarts before errored (default 16)")
        ->check(CLI::Range(0, 1000000));
    start->add_option("--min-uptime", o->min_uptime, "a run shorter than this is unstable (default 1s)");
    start->add_option("--restart-delay", o->restart_delay, "delay before a restart (default 0)");
    start->add_option("--max-backoff", o->max_backoff, "ceiling of the crash backoff (default 15s)");
    start->add_option("--kill-timeout", o->kill_timeout, "SIGKILL after this long stopping (default 10s)");
    start->add_option("--stop-signal", o->stop_signal, "signal that asks it to stop (default SIGTERM)");
    start->add_flag("--shell", o->shell, "run the command through /bin/sh -c");
    start->add_option("--log-buffer", o->log_buffer, "in-memory log ring per instance (default 256K)");
    start->add_option("--max-log-size", o->max_log_size, "rotate log files at this size (default 10M)");
    start->add_option("--log-files", o->log_files, "rotated log files kept (default 5)")
        ->check(CLI::Range(0, 10000));
    start->add_option("--output,-o", o->out_file, "stdout log file (default $PM_HOME/logs/NAME-out.log)");
    start->add_option("--error", o->err_file, "stderr log file (default $PM_HOME/logs/NAME-err.log)");
    start->add_flag("--time", o->time, "start each log file line with its local time (YYYY-MM-DDTHH:mm:ss: )");
    start->add_option("--log-date-format", o->log_date_format,
                      "start each log file line with the time in this format (moment tokens: YYYY-MM-DD HH:mm:ss.SSS Z)");
    start->add_option("--ready-fd", o->ready_fd, "online once the process writes a line to this fd (3+)")
        ->check(CLI::Range(3, 63));
    start->add_option("--ready-tcp", o->ready_tcp, "online once 127.0.0.1:PORT accepts connections")
        ->check(CLI::Range(1, 65535));
    start->add_flag("--wait", o->wait, "return once every instance is online (up to --timeout); fail otherwise");
    start->add_option("--only", o->only, "with an ecosystem file: start only these apps (a,b,...)");
    start->add_option("--max-memory", o->max_memory, "restart when memory stays above this (e.g. 200M)");
    start->add_flag("--merge-logs", o->merge_logs, "all instances write one pair of log files");
    // A flag, so it never takes the command as its value: "--watch" watches
    // the cwd, "--watch=src,lib" those paths (relative to the cwd).
    start->add_flag("--watch{.}", o->watch, "restart on file changes (--watch=PATH,... for other paths)");
    start->add_option("--ignore-watch", o->ignore_watch,
                      "with --watch: ignore paths matching this pattern (repeatable; .git and node_modules always)")
        ->allow_extra_args(false);
    start->add_option("--watch-delay", o->watch_delay, "with --watch: quiet time before restarting (default 200ms)");
    start->add_option("--cron-restart", o->cron_restart,
                      "restart on a cron schedule: \"0 3 * * *\" (or with seconds first: \"*/30 * * * * *\")");
    start->add_option("command", o->command, "the command and its arguments (or one quoted string)");
    start->prefix_command();
}

// Runs a parsed `start`: an ecosystem file, or one start request (then --wait).
int run_start(const GlobalOptions* g, CLI::App* start, const std::shared_ptr<StartOptions>& o,
              const CliCommand& row) {
    // After "--" CLI11 puts the whole command in the positional and leaves
    // the separator itself in remaining(): it is not part of the command.
    auto rest = start->remaining();
    if (!(rest.size() == 1 && rest[0] == "--")) {
        o->command.insert(o->command.end(), rest.begin(), rest.end());
    }
    if (o->command.size() == 1 && o->name.empty() && is_ecosystem_file(o->command[0])) {
        return start_ecosystem(*g, o->command[0], o->only, client_environment());
    }
    if (!o->only.empty()) {
        return print_error(*g, Error{ErrorCode::usage, "--only applies to ecosystem files"});
    }
    auto args = start_args(*o);
    if (!args) {
        return print_error(*g, args.error());
    }
    if (o->wait) {
        // Start quietly, then report the wait's outcome (one JSON document).
        auto client = open_client(*g);
        if (!client) {
            return print_error(*g, client.error());
        }
        auto started = client->call(row.wire, *args);
        if (!started) {
            return print_error(*g, started.error());
        }
        return run_wait(*g, started->value("name", ""), "online");
    }
    return run_request(*g, row.wire, *args, row.render);
}

}  // namespace

Bound define_start(CLI::App& sub) {
    auto o = std::make_shared<StartOptions>();
    add_start_options(&sub, o);
    return Bound{{}, [o, start = &sub](const GlobalOptions& g, const CliCommand& row, const json&) {
                     return run_start(&g, start, o, row);
                 }};
}

Bound define_stop(CLI::App& sub) { return define_selectors(sub, k_plain); }

Bound define_restart(CLI::App& sub) { return define_selectors(sub, k_update_env); }

Bound define_reload(CLI::App& sub) { return define_selectors(sub, k_deadline | k_update_env); }

Bound define_delete(CLI::App& sub) { return define_selectors(sub, k_plain); }

Bound define_env(CLI::App& sub) { return define_one_selector(sub, "name, name:index, id or all"); }

Bound define_show(CLI::App& sub) { return define_one_selector(sub, "name, name:index or id"); }

}  // namespace pm::cli
