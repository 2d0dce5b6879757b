// Pre-start checks of an ecosystem app against the file system.
#include "cli/preflight.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>

#include "common/paths.hpp"

namespace pm::cli {
namespace {

bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string absolute(const std::string& p, const std::string& cwd) {
    std::filesystem::path full = !p.empty() && p[0] == '/' ? std::filesystem::path(p) : std::filesystem::path(cwd) / p;
    return full.lexically_normal().string();
}

std::string env_value(const json& env, const char* key) {
    auto it = env.is_object() ? env.find(key) : env.end();
    return it != env.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The program's problem: argv[0] at its path, or searched in PATH as the
// spawn searches it. `what`: "script", "interpreter" or "command";
// `script`: the file an interpreter runs.
std::optional<std::string> program_problem(const std::string& program, const std::string& cwd, const std::string& path,
                                           std::string_view what, const std::string& script) {
    if (program.find('/') != std::string::npos) {
        std::string full = absolute(program, cwd);
        if (!is_file(full)) {
            return fmt::format("{} {} not found", what, full);
        }
        if (::access(full.c_str(), X_OK) != 0) {
            return fmt::format(
                "{} is not executable: chmod +x it, or set \"interpreter\" (PM2's rules pick one for "
                "a non-executable file)",
                full);
        }
        return std::nullopt;
    }
    std::string_view rest(path);
    while (true) {
        auto colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        std::string candidate = (dir.empty() ? cwd : absolute(dir, cwd)) + "/" + program;
        if (is_file(candidate) && ::access(candidate.c_str(), X_OK) == 0) {
            return std::nullopt;
        }
        if (colon == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(colon + 1);
    }
    if (what == "interpreter") {
        return fmt::format("interpreter '{}' (for {}) is not installed or not in PATH", program, script);
    }
    return fmt::format("{} '{}' is not installed or not in PATH", what, program);
}

// A log file's problem: its directory neither exists nor can be made, or it
// is inside PM_HOME (pmd refuses that).
std::optional<std::string> log_problem(const char* key, const std::string& file, const std::string& cwd) {
    if (file.empty() || file == "NULL" || file == "/dev/null") {
        return std::nullopt;
    }
    std::string full = absolute(file, cwd);
    std::string dir = std::filesystem::path(full).parent_path().string();
    std::error_code ec;
    std::string home = std::filesystem::weakly_canonical(resolve_paths().home, ec).string();
    std::string real_dir = std::filesystem::weakly_canonical(dir, ec).string();
    if (!home.empty() && (real_dir == home || real_dir.rfind(home + "/", 0) == 0)) {
        return fmt::format("{} {} is inside PM_HOME ({}), where pmd keeps its own files", key, full, home);
    }
    std::string base = dir;
    while (!base.empty() && base != "/" && !std::filesystem::exists(base, ec)) {
        base = std::filesystem::path(base).parent_path().string();
    }
    if (!is_dir(base) || ::access(base.c_str(), W_OK | X_OK) != 0) {
        return base == dir ? fmt::format("{} {}: directory {} is not writable", key, full, dir)
                           : fmt::format("{} {}: directory {} cannot be created ({} is not a writable directory)", key,
                                         full, dir, base);
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> start_problems(const json& args, const ScriptRun& run, const json& env_base) {
    const std::string& script = run.script;
    std::vector<std::string> out;
    std::string cwd = args.value("cwd", std::string("/"));
    if (!is_dir(cwd)) {
        out.push_back(
            fmt::format("cwd {} {}", cwd, std::filesystem::exists(cwd) ? "is not a directory" : "does not exist"));
        return out;  // every other path is relative to it
    }
    const json& argv = args.value("argv", json::array());
    if (!args.value("shell", false) && argv.is_array() && !argv.empty() && argv[0].is_string()) {
        std::string path = env_value(args.value("env", json::object()), "PATH");
        path = path.empty() ? env_value(env_base, "PATH") : path;
        path = path.empty() ? "/usr/local/bin:/usr/bin:/bin" : path;
        std::string_view what = script.empty() ? "command" : run.interpreted ? "interpreter" : "script";
        if (auto p = program_problem(argv[0].get<std::string>(), cwd, path, what, script)) {
            out.push_back(*p);
        }
    }
    if (run.interpreted && !is_file(absolute(script, cwd))) {
        out.push_back(fmt::format("script {} not found", absolute(script, cwd)));
    }
    for (const char* key : {"out_file", "err_file", "log_file"}) {
        if (auto p = log_problem(key, args.value(key, std::string()), cwd)) {
            out.push_back(*p);
        }
    }
    return out;
}

}  // namespace pm::cli
