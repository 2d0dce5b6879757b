// script / command / args / interpreter of an ecosystem app, into argv.
#include "cli/ecosystem_command.hpp"

#include <algorithm>

#include "common/names.hpp"
#include "common/words.hpp"

namespace pm::cli {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

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

// PM2's script: the interpreter first when given or guessed ("none": none).
std::optional<AppCommand> script_command(const json& app, const json& script, const KeyError& error) {
    if (!script.is_string() || script.get<std::string>().empty()) {
        error("script", "expected a non-empty string");
        return std::nullopt;
    }
    std::string s = script.get<std::string>();
    std::string interp;
    if (const json* i = get(app, "interpreter")) {
        if (!i->is_string()) {
            error("interpreter", "expected a string");
            return std::nullopt;
        }
        interp = i->get<std::string>() == "none" ? "" : i->get<std::string>();
    } else if (ends_with(s, ".js") || ends_with(s, ".mjs") || ends_with(s, ".cjs")) {
        interp = "node";  // as PM2 does for JavaScript files
    } else if (ends_with(s, ".py")) {
        interp = "python3";
    }
    AppCommand cmd;
    if (!interp.empty()) {
        cmd.argv.push_back(interp);
    }
    cmd.argv.push_back(s);
    cmd.default_name = default_name_for(s);
    return cmd;
}

}  // namespace

std::optional<AppCommand> read_app_command(const json& app, const KeyError& error) {
    const json* script = get(app, "script");
    const json* command = get(app, "command");
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
        cmd = script_command(app, *script, error);
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
