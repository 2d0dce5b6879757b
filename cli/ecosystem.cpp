// Ecosystem file parsing and validation.
#include "cli/ecosystem.hpp"
#include "cli/ecosystem_app.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "common/names.hpp"
#include "common/signals.hpp"
#include "common/units.hpp"
#include "common/words.hpp"
#include "cli/ecosystem_js.hpp"
#include "cli/ecosystem_text.hpp"

namespace pm::cli {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dir_name(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) {
        char buf[4096];
        return ::getcwd(buf, sizeof buf) != nullptr ? std::string(buf) : ".";
    }
    std::string d = path.substr(0, slash);
    if (d.empty()) {
        return "/";
    }
    if (d[0] != '/') {
        char buf[4096];
        if (::getcwd(buf, sizeof buf) != nullptr) {
            d = std::string(buf) + "/" + d;
        }
    }
    return d;
}

void check_duplicates(Ecosystem& eco) {
    for (std::size_t i = 0; i < eco.apps.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (eco.apps[i].name == eco.apps[j].name) {
                eco.errors.push_back(fmt::format("apps[{}].name: '{}' is used twice (also apps[{}])", i,
                                                 eco.apps[i].name, j));
            }
        }
    }
}

// env_<name> blocks, their values as env's are (strings, numbers and
// booleans as text).
void read_env_blocks(const json& raw, const std::string& path, EcoApp& app, Ecosystem& eco) {
    for (const auto& [key, block] : raw.items()) {
        if (key.rfind("env_", 0) != 0 || key.size() == 4) {
            continue;
        }
        if (!block.is_object()) {
            eco.errors.push_back(fmt::format("{}.{}: expected an object", path, key));
            continue;
        }
        json env = json::object();
        for (const auto& [k, v] : block.items()) {
            if (auto text = env_value_text(v)) {
                env[k] = *text;
            } else {
                eco.errors.push_back(fmt::format("{}.{}.{}: expected a string, number or boolean", path, key, k));
            }
        }
        app.env_blocks[key.substr(4)] = std::move(env);
    }
}

}  // namespace

Result<void> apply_env_flags(Ecosystem& eco, const std::vector<std::string>& env_flags) {
    std::string block;
    json vars = json::object();
    for (const auto& e : env_flags) {
        auto eq = e.find('=');
        if (eq != std::string::npos) {
            vars[e.substr(0, eq)] = e.substr(eq + 1);
        } else if (!block.empty() && block != e) {
            return fail(ErrorCode::usage, fmt::format("--env names two environments, '{}' and '{}': give one", block, e));
        } else {
            block = e;
        }
    }
    for (auto& app : eco.apps) {
        json env = app.args.value("env", json::object());
        if (!block.empty()) {
            if (app.env_blocks.contains(block)) {
                env.update(app.env_blocks[block]);
            } else {
                eco.warnings.push_back(fmt::format("{}: no env_{} block; its env is used as it is", app.name, block));
            }
        }
        env.update(vars);
        if (!env.empty()) {
            app.args["env"] = std::move(env);
        }
    }
    return {};
}

bool is_ecosystem_file(const std::string& arg) {
    struct stat st {};
    if (::stat(arg.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return false;
    }
    return ecosystem_format(arg) != EcoFormat::none;
}

EcoFormat ecosystem_format(const std::string& path) {
    std::string base = base_name(path);
    if (base == "Procfile" || ends_with(base, ".procfile")) {
        return EcoFormat::procfile;
    }
    if (ends_with(base, ".json")) {
        return EcoFormat::json;
    }
    if (ends_with(base, ".yml") || ends_with(base, ".yaml")) {
        return EcoFormat::yaml;
    }
    // PM2's rule (a *.config.js is a configuration, app.js a program), and
    // ecosystem*.js, the name `pm2 init` writes.
    for (std::string_view ext : {".js", ".cjs", ".mjs"}) {
        if (ends_with(base, ext) && (ends_with(base.substr(0, base.size() - ext.size()), ".config") ||
                                     base.rfind("ecosystem", 0) == 0)) {
            return EcoFormat::javascript;
        }
    }
    return EcoFormat::none;
}

Ecosystem parse_ecosystem_json(const std::string& text, const std::string& base_dir) {
    auto doc = parse_lenient_json(text);
    if (!doc) {
        Ecosystem eco;
        eco.errors.push_back(doc.error().message);
        return eco;
    }
    return parse_ecosystem_doc(*doc, base_dir);
}

Ecosystem parse_ecosystem_yaml(const std::string& text, const std::string& base_dir) {
    auto doc = parse_yaml(text);
    if (!doc) {
        Ecosystem eco;
        eco.errors.push_back(doc.error().message);
        return eco;
    }
    return parse_ecosystem_doc(*doc, base_dir);
}

Ecosystem parse_ecosystem_doc(const json& doc, const std::string& base_dir) {
    Ecosystem eco;
    const json* apps = &doc;
    json single;
    if (doc.is_object()) {
        if (doc.contains("apps")) {
            apps = &doc["apps"];
        } else if (doc.contains("script") || doc.contains("cmd") || doc.contains("command")) {
            single = json::array({doc});  // one app object, as PM2 accepts
            apps = &single;
        } else {
            eco.errors.push_back("expected an object with \"apps\", one app object (with \"script\") or an array of apps");
            return eco;
        }
    }
    if (!apps->is_array() || apps->empty()) {
        eco.errors.push_back("apps: expected a non-empty array");
        return eco;
    }
    for (std::size_t i = 0; i < apps->size(); ++i) {
        const json& raw = (*apps)[i];
        std::string path = fmt::format("apps[{}]", i);
        ScriptRun run;
        json args = parse_app(raw, path, base_dir, eco, run);
        std::string name = args.value("name", "");
        EcoApp app{std::move(name), std::move(args), json::object(), std::move(run)};
        if (raw.is_object()) {
            read_env_blocks(raw, path, app, eco);
        }
        eco.apps.push_back(std::move(app));
    }
    check_duplicates(eco);
    return eco;
}

Ecosystem parse_procfile(const std::string& text, const std::string& base_dir) {
    Ecosystem eco;
    std::istringstream in(text);
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) {
            eco.errors.push_back(fmt::format("line {}: expected \"name: command\"", lineno));
            continue;
        }
        std::string name = line.substr(first, colon - first);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
            name.pop_back();
        }
        std::string cmd = line.substr(colon + 1);
        cmd.erase(0, cmd.find_first_not_of(" \t"));
        if (auto ok = validate_name(name); !ok) {
            eco.errors.push_back(fmt::format("line {}: {}", lineno, ok.error().message));
            continue;
        }
        if (cmd.empty()) {
            eco.errors.push_back(fmt::format("line {}: '{}' has no command", lineno, name));
            continue;
        }
        // Procfile commands are shell command lines (as foreman runs them).
        eco.apps.push_back(EcoApp{name, json{{"name", name}, {"argv", {cmd}}, {"shell", true}, {"cwd", base_dir}}});
    }
    if (eco.apps.empty() && eco.errors.empty()) {
        eco.errors.push_back("the Procfile defines no process");
    }
    check_duplicates(eco);
    return eco;
}

Ecosystem load_ecosystem(const std::string& path, const std::vector<std::string>& only) {
    Ecosystem eco;
    EcoFormat format = ecosystem_format(path);
    if (format == EcoFormat::javascript) {
        // Evaluated by node in this process's cwd and environment, never in pmd.
        auto doc = eval_js_ecosystem(path);
        if (!doc) {
            eco.errors.push_back(doc.error().message);
            return eco;
        }
        eco = parse_ecosystem_doc(*doc, dir_name(path));
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            eco.errors.push_back(fmt::format("unable to read {}", path));
            return eco;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        eco = format == EcoFormat::procfile ? parse_procfile(ss.str(), dir_name(path))
              : format == EcoFormat::yaml   ? parse_ecosystem_yaml(ss.str(), dir_name(path))
                                            : parse_ecosystem_json(ss.str(), dir_name(path));
    }
    if (!only.empty()) {
        for (const auto& n : only) {
            bool found = std::any_of(eco.apps.begin(), eco.apps.end(), [&](const EcoApp& a) { return a.name == n; });
            if (!found) {
                eco.errors.push_back(fmt::format("--only: no app named '{}' in {}", n, path));
            }
        }
        std::erase_if(eco.apps, [&](const EcoApp& a) {
            return std::find(only.begin(), only.end(), a.name) == only.end();
        });
    }
    return eco;
}

}  // namespace pm::cli
