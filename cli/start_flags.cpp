// pm start: one CLI11 flag per row of the start-option table that has one,
// values kept by row, and the request built row by row. The ecosystem-file
// form of start is handed to start_ecosystem.
#include "cli/start_flags.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fmt/format.h>

#include "cli/ecosystem.hpp"
#include "cli/script_interpreter.hpp"
#include "common/names.hpp"
#include "common/start_options.hpp"
#include "common/words.hpp"

extern char** environ;

namespace pm::cli {
namespace {

constexpr std::size_t k_rows = std::size(k_start_options);

// The rows this file names: pm-only flags and the two the command needs.
constexpr std::size_t k_name = row_of_flag("--name");
constexpr std::size_t k_shell = row_of_flag("--shell");
constexpr std::size_t k_wait = row_of_flag("--wait");
constexpr std::size_t k_only = row_of_flag("--only");
constexpr std::size_t k_env = row_of_flag("--env");
constexpr std::size_t k_interpreter = row_of_flag("--interpreter");
constexpr std::size_t k_interpreter_args = row_of_flag("--interpreter-args");
static_assert(k_name < k_rows && k_shell < k_rows && k_wait < k_rows && k_only < k_rows && k_env < k_rows &&
              k_interpreter < k_rows && k_interpreter_args < k_rows);

// The flags' values, one slot per table row; held in a shared_ptr because
// CLI11 keeps references to them.
struct StartFlags {
    std::array<std::string, k_rows> text;
    std::array<std::int64_t, k_rows> number{};
    std::array<bool, k_rows> on{};
    std::array<std::vector<std::string>, k_rows> list;
    std::array<CLI::Option*, k_rows> option{};
    std::vector<std::string> command;

    bool given(std::size_t i) const {
        return (option[i] != nullptr && option[i]->count() > 0 && k_start_options[i].kind == OptionKind::integer) ||
               !text[i].empty() || on[i] || !list[i].empty();
    }
};

void add_flag(CLI::App& start, StartFlags& f, std::size_t i) {
    const StartOption& o = k_start_options[i];
    std::string name(o.flag);
    std::string help = help_text(o);
    switch (o.kind) {
        case OptionKind::integer:
            f.option[i] = start.add_option(name, f.number[i], help)->check(CLI::Range(o.min, o.max));
            break;
        case OptionKind::boolean: f.option[i] = start.add_flag(name, f.on[i], help); break;
        case OptionKind::watch:
            // A flag, so it never takes the command as its value: "--watch"
            // watches the cwd, "--watch=src,lib" those paths.
            f.option[i] = start.add_flag(name + "{.}", f.list[i], help);
            break;
        case OptionKind::string_list:
        case OptionKind::string_map:
            // One value per use: the command that follows must not be taken as more.
            f.option[i] = start.add_option(name, f.list[i], help)->allow_extra_args(false);
            break;
        case OptionKind::restart_mode: {
            std::vector<std::string> modes;
            for (const auto& [mode, mode_name] : k_restart_modes) {
                modes.emplace_back(mode_name);
            }
            f.option[i] = start.add_option(name, f.text[i], help)->check(CLI::IsMember(modes));
            break;
        }
        case OptionKind::duration: f.option[i] = start.add_option(name, f.text[i], help)->type_name("DUR"); break;
        case OptionKind::string:
        case OptionKind::path:
        case OptionKind::size:
        case OptionKind::signal:
        case OptionKind::cron:
        case OptionKind::date_format:
        case OptionKind::command: f.option[i] = start.add_option(name, f.text[i], help); break;
    }
}

// The wire value of row i; usage errors name the flag.
Result<json> flag_value(const StartFlags& f, std::size_t i, const json& args) {
    const StartOption& o = k_start_options[i];
    std::string flag(long_flag(o));
    switch (o.kind) {
        case OptionKind::integer: return json(f.number[i]);
        case OptionKind::boolean: return json(true);
        case OptionKind::duration: {
            PM_TRY_ASSIGN(auto ms, parse_flag_duration_ms(flag, f.text[i]));
            return json(ms);
        }
        case OptionKind::string_map: {
            json env = json::object();
            for (const auto& kv : f.list[i]) {
                auto eq = kv.find('=');
                if (eq == std::string::npos || eq == 0) {
                    return fail(ErrorCode::usage, fmt::format("{} expects KEY=VALUE, got '{}'", flag, kv));
                }
                env[kv.substr(0, eq)] = kv.substr(eq + 1);
            }
            return env;
        }
        case OptionKind::watch: {
            json paths = json::array();
            for (const auto& w : f.list[i]) {
                for (auto& p : split_csv(w)) {
                    paths.push_back(p);  // relative to the process's cwd, resolved by pmd
                }
            }
            return paths;
        }
        case OptionKind::string_list: return json(f.list[i]);
        case OptionKind::date_format:
            if (args.contains(o.key)) {  // --time came first
                return fail(ErrorCode::usage, "give --time or --log-date-format, not both");
            }
            return json(f.text[i]);
        case OptionKind::string:
        case OptionKind::path:
        case OptionKind::size:
        case OptionKind::signal:
        case OptionKind::restart_mode:
        case OptionKind::cron:
        case OptionKind::command: return json(f.text[i]);  // checked by pmd
    }
    return json(f.text[i]);
}

// The command as argv: one quoted string is split as a shell would.
Result<std::vector<std::string>> command_argv(const StartFlags& f) {
    std::vector<std::string> argv = f.command;
    bool shell = f.on[k_shell];
    if (argv.size() == 1 && !shell && argv[0].find_first_of(" \t'\"\\") != std::string::npos) {
        auto words = split_words(argv[0]);
        if (!words) {
            return fail(ErrorCode::usage, words.error().message);
        }
        argv = std::move(*words);
    }
    if (argv.empty() && f.text[k_name].empty()) {
        return fail(ErrorCode::usage, "start needs a command (or the name of a known process)");
    }
    return argv;
}

// Options that need another ("--watch-delay" needs "--watch") given without it.
Result<void> check_needs(const StartFlags& f) {
    for (std::size_t n = 0; n < k_rows; ++n) {
        std::string dependents;
        bool used = false;
        for (std::size_t i = 0; i < k_rows; ++i) {
            const StartOption& o = k_start_options[i];
            if (!o.needs.empty() && o.needs == k_start_options[n].key && !o.flag.empty()) {
                dependents += (dependents.empty() ? "" : " and ") + std::string(long_flag(o));
                used = used || f.given(i);
            }
        }
        if (used && !f.given(n)) {
            return fail(ErrorCode::usage, fmt::format("{} need {}", dependents, long_flag(k_start_options[n])));
        }
    }
    return {};
}

bool needs_met(const StartFlags& f, const StartOption& o) {
    const StartOption* needed = find_start_option(o.needs);
    return needed == nullptr || f.given(row_of(*needed));
}

// `pm start app.js` as `pm2 start app.js`: a command that is one existing
// file with a known extension, or without execute bit, gets the
// interpreter PM2's rules give (script_interpreter.hpp), and the name PM2
// gives (the file's base name without extension) unless --name is given.
// --interpreter PROG names the program (none: run the file directly), as
// PM2's flag does; --interpreter-args (--node-args) go between it and the
// script. Python runs with PYTHONUNBUFFERED=1, as PM2 sets it, unless the
// user set it.
Result<void> apply_interpreter_rules(json& args, const StartFlags& f) {
    bool given = f.given(k_interpreter);
    const std::string& extra_text = f.text[k_interpreter_args];
    if (f.on[k_shell] && (given || !extra_text.empty())) {
        return fail(ErrorCode::usage, "--interpreter and --interpreter-args do not apply to a --shell command");
    }
    if (f.on[k_shell] || !args.contains("argv") || args["argv"].empty()) {
        if (given || !extra_text.empty()) {
            return fail(ErrorCode::usage, "--interpreter and --interpreter-args need the script to run");
        }
        return {};
    }
    const std::string script = args["argv"][0].get<std::string>();
    ScriptFile file = probe_script(script, args.value("cwd", std::string()));
    bool by_rules = file.exists && !(file.executable && !interpreter_for_extension(script));
    std::vector<std::string> interp;
    if (given) {
        interp = interpreter_for(script, f.text[k_interpreter], file);
    } else if (by_rules) {
        interp = interpreter_for(script, std::nullopt, file);
    }
    std::vector<std::string> extra;
    if (!extra_text.empty()) {
        auto words = split_words(extra_text);
        if (!words) {
            return fail(ErrorCode::usage, "--interpreter-args: " + words.error().message);
        }
        extra = std::move(*words);
    }
    if (interp.empty() && !extra.empty()) {
        return fail(
            ErrorCode::usage,
            fmt::format("--interpreter-args: {} runs without an interpreter; give --interpreter to pass them", script));
    }
    if (!args.contains("name") && (given || by_rules)) {
        std::string name = default_name_for(script);
        if (auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) {
            name.resize(dot);
        }
        args["name"] = name;
    }
    if (interp.empty()) {
        if (given && file.exists && script.find('/') == std::string::npos) {
            args["argv"][0] = "./" + script;  // the file here, not a program of that name in PATH
        }
        return {};
    }
    if (is_python(interp[0]) && !(args.contains("env") && args["env"].contains("PYTHONUNBUFFERED")) &&
        std::getenv("PYTHONUNBUFFERED") == nullptr) {
        args["env"]["PYTHONUNBUFFERED"] = "1";  // print() reaches the log at once
    }
    json argv(interp);
    for (auto& w : extra) {
        argv.push_back(std::move(w));
    }
    for (const auto& w : args["argv"]) {
        argv.push_back(w);
    }
    args["argv"] = std::move(argv);
    return {};
}

// Builds the start request; usage errors come back as Error{usage}.
Result<json> start_request(const StartFlags& f) {
    PM_TRY_ASSIGN(auto argv, command_argv(f));
    json args = json::object();
    if (!argv.empty()) {
        args["argv"] = argv;
    }
    for (std::size_t i = 0; i < k_rows; ++i) {
        const StartOption& o = k_start_options[i];
        if (o.flag.empty() || !f.given(i) || !needs_met(f, o)) {
            continue;
        }
        if (o.key.empty()) {
            if (o.sets == "log_date_format") {  // --time
                args[std::string(o.sets)] = std::string(DateFormat::k_time_format);
            }
            continue;
        }
        PM_TRY_ASSIGN(args[std::string(o.key)], flag_value(f, i, args));
    }
    if (!args.contains("cwd")) {
        char buf[4096];
        if (::getcwd(buf, sizeof buf) != nullptr) {
            args["cwd"] = std::string(buf);
        }
    }
    PM_TRY(apply_interpreter_rules(args, f));
    args["env_base"] = client_environment();
    PM_TRY(check_needs(f));
    return args;
}

int run_start(const GlobalOptions& g, StartFlags& f, CLI::App& start, const CliCommand& row) {
    // After "--" CLI11 puts the whole command in the positional and leaves
    // the separator itself in remaining(): it is not part of the command.
    auto rest = start.remaining();
    if (!(rest.size() == 1 && rest[0] == "--")) {
        f.command.insert(f.command.end(), rest.begin(), rest.end());
    }
    if (f.option[k_name]->count() > 0 && f.text[k_name].empty()) {
        const char* why = "--name must not be empty (leave it out to name the process after its command)";
        return print_error(g, Error{ErrorCode::usage, why});
    }
    const std::string& only = f.text[k_only];
    if (f.command.size() == 1 && is_ecosystem_file(f.command[0])) {
        // The file says how its apps run: a flag pm would drop is refused,
        // naming the key to set instead. --only and --env apply (PM2's
        // `--env production` picks env_production).
        for (std::size_t i = 0; i < k_rows; ++i) {
            if (i != k_only && i != k_env && (f.given(i) || (f.option[i] != nullptr && f.option[i]->count() > 0))) {
                const StartOption& o = k_start_options[i];
                std::string_view flag = o.flag.substr(0, o.flag.find(','));
                // The file's key for it: its ecosystem spelling, else (--interpreter,
                // --interpreter-args) the flag's own name; none for --wait.
                std::string key = !o.eco.empty()     ? std::string(eco_spellings(o)[0])
                                  : !o.key.empty()   ? std::string(o.key)
                                  : o.sets == "argv" ? std::string(flag.substr(2))
                                                     : std::string();
                std::replace(key.begin(), key.end(), '-', '_');
                std::string why = fmt::format("{} does not apply to an ecosystem file", flag);
                if (!key.empty()) {
                    why += fmt::format(": set \"{}\" in {} instead", key, f.command[0]);
                }
                return print_error(g, Error{ErrorCode::usage, why});
            }
        }
        return start_ecosystem(g, f.command[0], only, client_environment(), f.list[k_env]);
    }
    if (!only.empty()) {
        return print_error(g, Error{ErrorCode::usage, "--only applies to ecosystem files"});
    }
    auto args = start_request(f);
    if (!args) {
        return print_error(g, args.error());
    }
    if (f.on[k_wait]) {
        // Start quietly, then report the wait's outcome (one JSON document).
        auto client = open_client(g);
        if (!client) {
            return print_error(g, client.error());
        }
        auto started = client->call(row.wire, *args);
        if (!started) {
            return print_error(g, started.error());
        }
        return run_wait(g, started->value("name", ""), "online");
    }
    return run_request(g, row.wire, *args, row.render);
}

}  // namespace

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

Bound define_start(CLI::App& sub) {
    auto f = std::make_shared<StartFlags>();
    for (std::size_t i = 0; i < k_rows; ++i) {
        if (!k_start_options[i].flag.empty()) {
            add_flag(sub, *f, i);
        }
    }
    sub.add_option("command", f->command, "the command and its arguments (or one quoted string)");
    sub.prefix_command();
    return Bound{{}, [f, start = &sub](const GlobalOptions& g, const CliCommand& row, const json&) {
                     return run_start(g, *f, *start, row);
                 }};
}

}  // namespace pm::cli
