// The start options: one table giving every option of `start` its wire key,
// ecosystem (PM2) spellings, CLI flag, kind, bounds, default and help. pm's
// flags and ecosystem reader, pmd's protocol check, spec parser, show and
// save, and the docs' option tables all derive from it. No I/O here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/cron.hpp"
#include "common/date_format.hpp"
#include "common/listen_url.hpp"
#include "common/restart_mode.hpp"
#include "common/units.hpp"

namespace pm {

using StringMap = std::map<std::string, std::string>;

inline constexpr std::size_t k_max_argv = 4096;
inline constexpr std::size_t k_max_env = 4096;
inline constexpr std::int64_t k_max_instances = 1024;
inline constexpr std::size_t k_max_watch_paths = 64;  // paths, and ignore patterns

// Start arguments once parsed: every value checked and converted, once
// (parse_start_args). Defaults here are the table's `def` values (a unit
// test holds the two together).
struct StartArgs {
    std::string name;
    std::vector<std::string> argv;  // wrapped in /bin/sh -c when shell
    bool shell = false;
    std::string cwd = "/";
    StringMap env_base;  // the client's environment
    StringMap env;       // explicit variables (--env, an ecosystem env): they win
    std::int64_t instances = 1;
    RestartMode restart = RestartMode::always;
    std::int64_t max_restarts = 16;
    std::int64_t min_uptime_ms = 1000;
    std::int64_t restart_delay_ms = 0;
    std::int64_t max_backoff_ms = 15000;
    std::int64_t kill_timeout_ms = 10000;
    std::int64_t stop_signal = 15;  // SIGTERM
    std::int64_t log_buffer = 256 * 1024;
    std::int64_t max_log_size = 10 * 1024 * 1024;
    std::int64_t log_files = 5;
    std::string out_file;  // as given: relative to the cwd (pmd resolves)
    std::string err_file;
    std::string log_file;  // PM2's combined log: out and err lines in one file
    std::optional<DateFormat> log_date_format;
    std::int64_t ready_fd = 0;   // 0: off
    std::int64_t ready_tcp = 0;  // 0: off
    std::int64_t max_memory = 0;  // bytes; 0: off
    bool merge_logs = false;
    std::string increment_var;
    std::vector<std::string> watch;  // as given; "." is the cwd (watch: true)
    std::vector<std::string> watch_ignore;
    std::int64_t watch_delay_ms = 200;
    std::optional<CronRule> cron_restart;
    std::vector<std::string> listen;  // as given; checked by parse_listen_urls
    bool dry_run = false;
};

enum class OptionKind : std::uint8_t {
    string,
    path,          // a file, relative to the cwd
    boolean,
    integer,
    duration,      // ms, or a string with a unit ("10s")
    size,          // bytes, or a string with a unit ("200M")
    signal,        // a name or number
    restart_mode,  // always | on-failure | never
    string_list,
    string_map,
    cron,
    date_format,
    watch,         // true, a path or a list of paths
    command,       // argv
};

// Where an option's value lives in StartArgs; the member matching its kind
// is set (restart_mode, cron and date_format have one field each).
struct OptionField {
    std::int64_t StartArgs::*number = nullptr;  // integer, duration, size, signal
    bool StartArgs::*flag = nullptr;
    std::string StartArgs::*text = nullptr;  // string, path
    std::vector<std::string> StartArgs::*list = nullptr;  // string_list, watch, command
    StringMap StartArgs::*map = nullptr;
};

enum class Shown : std::uint8_t { value, null_if_unset, hidden };  // in pm show's spec
enum class Saved : std::uint8_t { always, if_set, never };         // in save and the same-spec check

struct StartOption {
    std::string_view key;  // wire key; empty: pm only, giving `sets` another way
    OptionKind kind;
    OptionField field;
    std::string_view flag = {};  // CLI11 names ("--name,-n"); empty: no flag
    std::string_view eco = {};   // ecosystem spellings, space separated; a later one wins
    std::int64_t min = 0;        // integer, duration, size: bounds
    std::int64_t max = 0;        // ... list, map: most items
    bool zero_off = false;       // integer: 0 (off) is accepted on the wire besides min..max
    std::string_view def = {};   // default as a user writes it (help and docs say "default X")
    std::string_view help = {};
    std::string_view sets = {};   // key empty: the wire key this pm-only option gives
    std::string_view needs = {};  // has no effect unless this option is set
    std::string_view show = {};   // pm show's spelling (empty: key)
    Shown shown = Shown::value;
    Saved saved = Saved::always;
    std::string_view expect = {};  // ecosystem error phrase replacing the kind's
};

inline constexpr std::int64_t k_max_size = std::int64_t{1} << 50;

inline constexpr StartOption k_start_options[] = {
    {.key = "name", .kind = OptionKind::string, .field = {.text = &StartArgs::name}, .flag = "--name,-n",
     .eco = "name", .help = "process name (default: the command's basename)"},
    {.key = "argv", .kind = OptionKind::command, .field = {.list = &StartArgs::argv},
     .eco = "script cmd command args interpreter node_args interpreter_args", .max = k_max_argv, .help = "the command and its arguments"},
    {.key = "shell", .kind = OptionKind::boolean, .field = {.flag = &StartArgs::shell}, .flag = "--shell",
     .eco = "shell", .help = "run the command through /bin/sh -c", .saved = Saved::never},
    {.key = "cwd", .kind = OptionKind::string, .field = {.text = &StartArgs::cwd}, .flag = "--cwd", .eco = "cwd",
     .help = "working directory (default: the current one)"},
    {.key = "env_base", .kind = OptionKind::string_map, .field = {.map = &StartArgs::env_base}, .max = k_max_env,
     .help = "the base environment (pm sends its own)", .shown = Shown::hidden},
    {.key = "env", .kind = OptionKind::string_map, .field = {.map = &StartArgs::env}, .flag = "--env,-e",
     .eco = "env", .max = k_max_env, .help = "KEY=VALUE added to the environment (repeatable)",
     .shown = Shown::hidden, .saved = Saved::if_set},
    {.key = "instances", .kind = OptionKind::integer, .field = {.number = &StartArgs::instances},
     .flag = "--instances,-i", .eco = "instances", .min = 1, .max = k_max_instances, .help = "how many instances"},
    {.key = "", .kind = OptionKind::boolean, .field = {}, .eco = "autorestart",
     .help = "true: restart always, false: never", .sets = "restart"},
    {.key = "restart", .kind = OptionKind::restart_mode, .field = {}, .flag = "--restart", .eco = "restart",
     .def = "always", .help = "always | on-failure | never"},
    {.key = "max_restarts", .kind = OptionKind::integer, .field = {.number = &StartArgs::max_restarts},
     .flag = "--max-restarts", .eco = "max_restarts", .max = 1000000, .def = "16",
     .help = "unstable restarts before errored", .expect = "a non-negative integer"},
    {.key = "min_uptime", .kind = OptionKind::duration, .field = {.number = &StartArgs::min_uptime_ms},
     .flag = "--min-uptime", .eco = "min_uptime", .max = k_max_duration_ms, .def = "1s",
     .help = "a run shorter than this is unstable", .show = "min_uptime_ms"},
    {.key = "restart_delay", .kind = OptionKind::duration, .field = {.number = &StartArgs::restart_delay_ms},
     .flag = "--restart-delay", .eco = "restart_delay", .max = k_max_duration_ms, .def = "0",
     .help = "delay before a restart", .show = "restart_delay_ms"},
    {.key = "max_backoff", .kind = OptionKind::duration, .field = {.number = &StartArgs::max_backoff_ms},
     .flag = "--max-backoff", .eco = "max_backoff", .max = k_max_duration_ms, .def = "15s",
     .help = "ceiling of the crash backoff", .show = "max_backoff_ms"},
    {.key = "kill_timeout", .kind = OptionKind::duration, .field = {.number = &StartArgs::kill_timeout_ms},
     .flag = "--kill-timeout", .eco = "kill_timeout", .max = k_max_duration_ms, .def = "10s",
     .help = "SIGKILL after this long stopping", .show = "kill_timeout_ms"},
    {.key = "stop_signal", .kind = OptionKind::signal, .field = {.number = &StartArgs::stop_signal},
     .flag = "--stop-signal", .eco = "stop_signal kill_signal", .def = "SIGTERM",
     .help = "signal that asks it to stop"},
    {.key = "log_buffer", .kind = OptionKind::size, .field = {.number = &StartArgs::log_buffer},
     .flag = "--log-buffer", .eco = "log_buffer", .min = k_min_log_buffer, .max = k_max_log_buffer, .def = "256K",
     .help = "in-memory log ring per instance"},
    {.key = "max_log_size", .kind = OptionKind::size, .field = {.number = &StartArgs::max_log_size},
     .flag = "--max-log-size", .eco = "max_log_size", .max = k_max_size, .def = "10M",
     .help = "rotate log files at this size"},
    {.key = "log_files", .kind = OptionKind::integer, .field = {.number = &StartArgs::log_files},
     .flag = "--log-files", .eco = "log_files", .max = 10000, .def = "5", .help = "rotated log files kept"},
    {.key = "out_file", .kind = OptionKind::path, .field = {.text = &StartArgs::out_file}, .flag = "--output,-o",
     .eco = "out_file", .help = "stdout log file (default $PM_HOME/logs/NAME-out.log)",
     .shown = Shown::null_if_unset, .saved = Saved::if_set},
    {.key = "err_file", .kind = OptionKind::path, .field = {.text = &StartArgs::err_file}, .flag = "--error",
     .eco = "error_file err_file", .help = "stderr log file (default $PM_HOME/logs/NAME-err.log)",
     .shown = Shown::null_if_unset, .saved = Saved::if_set},
    {.key = "log_file", .kind = OptionKind::path, .field = {.text = &StartArgs::log_file}, .flag = "--log,-l",
     .eco = "log_file", .help = "also write stdout and stderr lines to this one file (PM2's combined log)",
     .shown = Shown::null_if_unset, .saved = Saved::if_set},
    {.key = "", .kind = OptionKind::boolean, .field = {}, .flag = "--time", .eco = "time",
     .help = "start each log file line with its local time (YYYY-MM-DDTHH:mm:ss: )", .sets = "log_date_format"},
    {.key = "log_date_format", .kind = OptionKind::date_format, .field = {}, .flag = "--log-date-format",
     .eco = "log_date_format",
     .help = "start each log file line with the time in this format (moment tokens: YYYY-MM-DD HH:mm:ss.SSS Z)",
     .shown = Shown::null_if_unset, .saved = Saved::if_set},
    {.key = "ready_fd", .kind = OptionKind::integer, .field = {.number = &StartArgs::ready_fd},
     .flag = "--ready-fd", .eco = "ready_fd", .min = 3, .max = 63, .zero_off = true,
     .help = "online once the process writes a line to this fd (3+)", .saved = Saved::if_set},
    {.key = "ready_tcp", .kind = OptionKind::integer, .field = {.number = &StartArgs::ready_tcp},
     .flag = "--ready-tcp", .eco = "ready_tcp", .min = 1, .max = 65535, .zero_off = true,
     .help = "online once 127.0.0.1:PORT accepts connections", .saved = Saved::if_set},
    {.key = "", .kind = OptionKind::boolean, .field = {}, .flag = "--wait",
     .help = "return once every instance is online (up to --timeout); fail otherwise"},
    {.key = "", .kind = OptionKind::string, .field = {}, .flag = "--only",
     .help = "with an ecosystem file: start only these apps (a,b,...)"},
    {.key = "", .kind = OptionKind::string, .field = {}, .flag = "--interpreter",
     .help = "run the script with this program instead of the one PM2's rules pick (none: run it directly)",
     .sets = "argv"},
    {.key = "", .kind = OptionKind::string, .field = {}, .flag = "--interpreter-args,--node-args",
     .help = "words for the interpreter, before the script (one string, split as a shell would)", .sets = "argv"},
    {.key = "max_memory", .kind = OptionKind::size, .field = {.number = &StartArgs::max_memory},
     .flag = "--max-memory", .eco = "max_memory_restart max_memory", .max = k_max_size,
     .help = "restart when memory stays above this (e.g. 200M)"},
    {.key = "merge_logs", .kind = OptionKind::boolean, .field = {.flag = &StartArgs::merge_logs},
     .flag = "--merge-logs", .eco = "merge_logs", .help = "all instances write one pair of log files"},
    {.key = "increment_var", .kind = OptionKind::string, .field = {.text = &StartArgs::increment_var},
     .eco = "increment_var", .help = "a variable (PORT) instance i gets as its value + i",
     .shown = Shown::hidden, .saved = Saved::if_set},
    {.key = "watch", .kind = OptionKind::watch, .field = {.list = &StartArgs::watch}, .flag = "--watch",
     .eco = "watch", .max = k_max_watch_paths, .help = "restart on file changes (--watch=PATH,... for other paths)",
     .saved = Saved::if_set},
    {.key = "watch_ignore", .kind = OptionKind::string_list, .field = {.list = &StartArgs::watch_ignore},
     .flag = "--ignore-watch", .eco = "ignore_watch", .max = k_max_watch_paths,
     .help = "with --watch: ignore paths matching this pattern (repeatable; .git and node_modules always)",
     .needs = "watch"},
    {.key = "watch_delay", .kind = OptionKind::duration, .field = {.number = &StartArgs::watch_delay_ms},
     .flag = "--watch-delay", .eco = "watch_delay", .max = k_max_duration_ms, .def = "200ms",
     .help = "with --watch: quiet time before restarting", .needs = "watch", .show = "watch_delay_ms"},
    {.key = "cron_restart", .kind = OptionKind::cron, .field = {}, .flag = "--cron-restart", .eco = "cron_restart",
     .help = "restart on a cron schedule: \"0 3 * * *\" (or with seconds first: \"*/30 * * * * *\")",
     .shown = Shown::null_if_unset, .saved = Saved::if_set},
    {.key = "listen", .kind = OptionKind::string_list, .field = {.list = &StartArgs::listen}, .flag = "--listen",
     .eco = "listen", .max = k_max_listen,
     .help = "a socket pmd binds once and hands to every instance (systemd's LISTEN_FDS, fds 3+): "
             "tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:/PATH (repeatable)",
     .saved = Saved::if_set},
    {.key = "dry_run", .kind = OptionKind::boolean, .field = {.flag = &StartArgs::dry_run},
     .help = "check the arguments, change nothing", .shown = Shown::hidden, .saved = Saved::never},
};

// PM2 keys an ecosystem file may carry without effect in pm (a warning).
inline constexpr std::string_view k_ignored_pm2_keys[] = {
    "exec_mode", "vizion", "source_map_support",
    "exp_backoff_restart_delay", "listen_timeout", "wait_ready", "combine_logs", "pid_file",
    "watch_options", "pmx", "post_update", "shutdown_with_message", "instance_var", "automation",
    "treekill", "force", "append_env_to_name", "disable_trace", "trace", "filter_env", "namespace",
    "version", "disable_source_map_support", "autostart", "vizion_running", "node_version",
    "stop_exit_codes", "kill_retry_time", "windowsHide",
};

namespace detail {
constexpr std::size_t count_wire_keys() {
    std::size_t n = 0;
    for (const auto& o : k_start_options) {
        n += o.key.empty() ? 0 : 1;
    }
    return n;
}
}  // namespace detail

// Every key the protocol's start accepts, in table order.
inline constexpr auto k_start_keys = [] {
    std::array<std::string_view, detail::count_wire_keys()> keys{};
    std::size_t i = 0;
    for (const auto& o : k_start_options) {
        if (!o.key.empty()) {
            keys[i++] = o.key;
        }
    }
    return keys;
}();

// Pure. The option with this wire key (nullptr: none).
const StartOption* find_start_option(std::string_view key);
// Pure. The long CLI flag of an option ("--output"), or "" without one.
constexpr std::string_view long_flag(const StartOption& o) {
    return o.flag.substr(0, o.flag.find(','));
}
// Pure. The table row of the option with this long flag (the table's size: none).
constexpr std::size_t row_of_flag(std::string_view flag) {
    std::size_t i = 0;
    while (i < std::size(k_start_options) && (flag.empty() || long_flag(k_start_options[i]) != flag)) {
        ++i;
    }
    return i;
}
// Pure. The table row of `o`, an entry of k_start_options.
inline std::size_t row_of(const StartOption& o) {
    return static_cast<std::size_t>(&o - k_start_options);
}
// Pure. The ecosystem spellings of an option, in order.
std::vector<std::string_view> eco_spellings(const StartOption& o);
// Pure. CLI help: the help text, then " (default X)" when it has one; a
// duration's adds the command line's rule (k_flag_duration_rule).
std::string help_text(const StartOption& o);

}  // namespace pm
