// script / command / args / interpreter of an ecosystem app, into argv.
#include "cli/ecosystem_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>

#include "cli/script_interpreter.hpp"
#include "common/names.hpp"
#include "common/words.hpp"

namespace pm::cli {
namespace {

const json* get(const json& app, std::string_view key) {
    auto it = app.find(key);
    return it == app.end() || it->is_null() ? nullptr : &*it;
}

bool all_strings(const json& v) {
    return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& w) { return w.is_string(); });
}

// A string split as a shell would, or an array of strings; appended to argv.
bool append_words(std::string_view key, const json& v, std::vector<std::string>& argv, const KeyError& error) {
    if (v.is_string()) {
        auto words = split_words(v.get<std::string>());
        if (!words) {
            error(key, words.error().message);
            return false;
        }
        argv.insert(argv.end(), words->begin(), words->end());
        return true;
    }
    if (all_strings(v)) {
        for (const auto& w : v) {
            argv.push_back(w.get<std::string>());
        }
        return true;
    }
    error(key, "expected a string or an array of strings");
    return false;
}

// PM2's interpreter_args (node_args is its older name): words after the
// interpreter, before the script.
bool interpreter_args(const json& app, std::vector<std::string>& out, const KeyError& error) {
    for (std::string_view key : {"node_args", "interpreter_args"}) {
        if (const json* v = get(app, key)) {
            if (!append_words(key, *v, out, error)) {
                return false;
            }
        }
    }
    return true;
}

// PM2's script: a command line ("npm start", anything with a space) runs
// under bash -c as PM2 runs it; a file runs with the interpreter PM2's
// rules give (script_interpreter.hpp), "none" running it directly.
std::optional<AppCommand> script_command(const json& app, const json& script, const std::string& cwd,
                                         const KeyError& error) {
    if (!script.is_string() || script.get<std::string>().empty()) {
        error("script", "expected a non-empty string");
        return std::nullopt;
    }
    std::string s = script.get<std::string>();
    std::optional<std::string> given;
    if (const json* i = get(app, "interpreter")) {
        if (!i->is_string()) {
            error("interpreter", "expected a string");
            return std::nullopt;
        }
        given = i->get<std::string>();
    }
    AppCommand cmd;
    if (s.find(' ') != std::string::npos && (!given || *given == "none")) {
        if (get(app, "args") != nullptr) {
            error("args", "a command line in script takes no args (PM2 drops them): put them in script");
            return std::nullopt;
        }
        auto words = split_words(s);
        cmd.argv = {::access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh", "-c", s};
        cmd.default_name = words && !words->empty() ? default_name_for((*words)[0]) : default_name_for(s);
        return cmd;
    }
    ScriptFile file = probe_script(s, cwd);
    std::vector<std::string> interp = interpreter_for(s, given, file);
    std::vector<std::string> extra;
    if (!interpreter_args(app, extra, error)) {
        return std::nullopt;
    }
    if (interp.empty() && !extra.empty()) {
        const char* key = get(app, "node_args") != nullptr ? "node_args" : "interpreter_args";
        cmd.warnings.push_back(fmt::format("{}: not passed by pm: {} runs without an interpreter (set interpreter "
                                           "to pass them)",
                                           key, s));
    }
    cmd.argv = interp;
    if (!interp.empty()) {
        cmd.argv.insert(cmd.argv.end(), extra.begin(), extra.end());
    }
    if (std::any_of(interp.begin(), interp.end(), [](const std::string& w) { return is_python(w); })) {
        cmd.env_defaults["PYTHONUNBUFFERED"] = "1";  // as PM2 sets it: print() reaches the log at once
    }
    // PM2 looks for the script in the cwd first: run directly, "app" there
    // is "./app" (argv[0] without a slash would be searched in PATH).
    bool in_cwd = interp.empty() && file.exists && s.find('/') == std::string::npos;
    cmd.argv.push_back(in_cwd ? "./" + s : s);
    cmd.default_name = default_name_for(s);
    cmd.run = ScriptRun{s, !interp.empty()};
    return cmd;
}

}  // namespace

std::optional<AppCommand> read_app_command(const json& app, const std::string& cwd, const KeyError& error) {
    const json* script = get(app, "script");
    const json* command = get(app, "command");
    if (script == nullptr) {
        script = get(app, "cmd");  // PM2's other spelling of script
    }
    if (script != nullptr && command != nullptr) {
        error("", "give either script or command, not both");
        return std::nullopt;
    }
    std::optional<AppCommand> cmd;
    if (command != nullptr) {
        cmd.emplace();
        if (!append_words("command", *command, cmd->argv, error)) {
            return std::nullopt;
        }
    } else if (script != nullptr) {
        cmd = script_command(app, *script, cwd, error);
        if (!cmd) {
            return std::nullopt;
        }
    } else {
        error("", "needs a script or a command");
        return std::nullopt;
    }
    if (const json* a = get(app, "args")) {
        (void)append_words("args", *a, cmd->argv, error);  // reported; the command is still read
    }
    if (cmd->argv.empty()) {
        error("command", "is empty");
        return std::nullopt;
    }
    if (cmd->default_name.empty()) {
        cmd->default_name = default_name_for(cmd->argv[0]);
    }
    return cmd;
}

}  // namespace pm::cli
