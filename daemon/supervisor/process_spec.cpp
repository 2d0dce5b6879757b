// ProcessSpec validation and defaults.
#include "daemon/supervisor/process_spec.hpp"

#include <fmt/format.h>

#include <charconv>
#include <csignal>
#include <utility>

#include "common/cron.hpp"
#include "common/date_format.hpp"
#include "common/units.hpp"
#include "daemon/supervisor/spec_paths.hpp"

namespace pm::sup {
namespace {

// A duration given either as a number (ms) or a string with units.
Result<std::int64_t> arg_duration(const json& args, std::string_view key, std::int64_t fallback) {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
        return fallback;
    }
    if (it->is_number_integer()) {
        return arg_int(args, key, fallback, 0, k_max_duration_ms);
    }
    if (!it->is_string()) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be a duration like 500ms or 10s", key)};
    }
    auto ms = parse_duration_ms(it->get<std::string>());
    if (!ms) {
        return Error{ErrorCode::bad_args, fmt::format("'{}': {}", key, ms.error().message)};
    }
    if (*ms > k_max_duration_ms) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be at most 7 days", key)};
    }
    return *ms;
}

// A size given either as a number (bytes) or a string with units.
Result<std::int64_t> arg_size(const json& args, std::string_view key, std::int64_t fallback,
                              std::int64_t min, std::int64_t max) {
    auto it = args.find(key);
    std::int64_t v = fallback;
    if (it == args.end() || it->is_null()) {
        return fallback;
    }
    if (it->is_number_integer()) {
        auto n = arg_int(args, key, fallback, min, max);
        if (!n) {
            return n.error();
        }
        v = *n;
    } else if (it->is_string()) {
        auto n = parse_size_bytes(it->get<std::string>());
        if (!n) {
            return Error{ErrorCode::bad_args, fmt::format("'{}': {}", key, n.error().message)};
        }
        v = *n;
    } else {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be a size like 64K or 10M", key)};
    }
    if (v < min || v > max) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be between {} and {} bytes", key, min, max)};
    }
    return v;
}

}  // namespace

json ProcessSpec::to_json() const {
    return json{
        {"name", name},
        {"argv", strings_of(argv)},
        {"shell", shell},
        {"cwd", cwd.str()},
        {"instances", instances},
        {"restart", sup::to_string(restart.mode)},
        {"max_restarts", restart.max_restarts},
        {"min_uptime_ms", restart.min_uptime_ms},
        {"restart_delay_ms", restart.restart_delay_ms},
        {"max_backoff_ms", restart.max_backoff_ms},
        {"kill_timeout_ms", kill_timeout_ms},
        {"stop_signal", signal_name(stop_signal)},
        {"env_count", env.size()},
        {"log_buffer", logs.ring_bytes},
        {"max_log_size", logs.file.max_size},
        {"log_files", logs.file.keep},
        {"merge_logs", logs.merge},
        {"out_file", logs.out_path.empty() ? json(nullptr) : json(logs.out_path)},
        {"err_file", logs.err_path.empty() ? json(nullptr) : json(logs.err_path)},
        {"log_date_format", logs.date_format.empty() ? json(nullptr) : json(logs.date_format)},
        {"max_memory", max_memory},
        {"ready_fd", ready_fd},
        {"ready_tcp", ready_tcp},
        {"watch", watch},
        {"watch_ignore", watch_ignore},
        {"watch_delay_ms", watch_delay_ms},
        {"cron_restart", cron_restart.empty() ? json(nullptr) : json(cron_restart)},
    };
}

std::vector<std::string> strings_of(const std::vector<InternedString>& v) {
    std::vector<std::string> out;
    out.reserve(v.size());
    for (const auto& s : v) {
        out.push_back(s.str());
    }
    return out;
}

json ProcessSpec::to_args() const {
    json env_map = json::object();
    for (const auto& e : env) {
        auto kv = e.view();
        auto eq = kv.find('=');
        env_map[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    json j{{"name", name},
           {"argv", strings_of(argv)},
           {"cwd", cwd.str()},
           {"env_base", env_map},
           {"instances", instances},
           {"restart", sup::to_string(restart.mode)},
           {"max_restarts", restart.max_restarts},
           {"min_uptime", restart.min_uptime_ms},
           {"restart_delay", restart.restart_delay_ms},
           {"max_backoff", restart.max_backoff_ms},
           {"kill_timeout", kill_timeout_ms},
           {"stop_signal", signal_name(stop_signal)},
           {"log_buffer", logs.ring_bytes},
           {"max_log_size", logs.file.max_size},
           {"log_files", logs.file.keep},
           {"merge_logs", logs.merge},
           {"max_memory", max_memory}};
    if (!cron_restart.empty()) {
        j["cron_restart"] = cron_restart;
    }
    if (!logs.out_path.empty()) {
        j["out_file"] = logs.out_path;
    }
    if (!logs.err_path.empty()) {
        j["err_file"] = logs.err_path;
    }
    if (!logs.date_format.empty()) {
        j["log_date_format"] = logs.date_format;
    }
    if (!env_keys.empty()) {
        // Explicit variables apart: they survive a restart with a new base
        // environment (--update-env) and count in the same-spec check.
        json explicit_env = json::object();
        for (const auto& k : env_keys) {
            explicit_env[k] = env_map[k];
        }
        j["env"] = explicit_env;
    }
    if (!increment_var.empty()) {
        j["increment_var"] = increment_var;
    }
    if (ready_fd > 0) {
        j["ready_fd"] = ready_fd;
    }
    if (ready_tcp > 0) {
        j["ready_tcp"] = ready_tcp;
    }
    if (!watch.empty()) {
        j["watch"] = watch;
        j["watch_ignore"] = watch_ignore;
        j["watch_delay"] = watch_delay_ms;
    }
    return j;
}

Result<ProcessSpec> spec_from_json(const json& args, std::string name, StringPool& pool, SpecOptions opts) {
    ProcessSpec spec;
    spec.name = std::move(name);
    auto argv = arg_string_list(args, "argv", k_max_argv);
    if (!argv) {
        return argv.error();
    }
    if (argv->empty() || (*argv)[0].empty()) {
        return fail(ErrorCode::bad_args, "'argv' must name a command");
    }
    for (const auto& a : *argv) {
        if (a.find('\0') != std::string::npos) {
            return fail(ErrorCode::bad_args, "'argv' must not contain NUL bytes");
        }
    }
    auto shell = arg_bool(args, "shell", false);
    if (!shell) {
        return shell.error();
    }
    spec.shell = *shell;
    if (spec.shell) {
        std::string joined;
        for (const auto& a : *argv) {
            joined += (joined.empty() ? "" : " ") + a;
        }
        *argv = {"/bin/sh", "-c", joined};
    }
    for (const auto& a : *argv) {
        spec.argv.push_back(pool.intern(a));
    }
    auto cwd = arg_string(args, "cwd", "/");
    if (!cwd) {
        return cwd.error();
    }
    spec.cwd = pool.intern(*cwd);
    // Base environment (the client's) overridden by explicit variables.
    auto base = arg_string_map(args, "env_base", k_max_env);
    auto extra = arg_string_map(args, "env", k_max_env);
    if (!base) {
        return base.error();
    }
    if (!extra) {
        return extra.error();
    }
    for (const auto& [k, v] : *extra) {
        (*base)[k] = v;
        spec.env_keys.push_back(k);
    }
    for (const auto& [k, v] : *base) {
        if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos ||
            v.find('\0') != std::string::npos) {
            return fail(ErrorCode::bad_args, fmt::format("invalid environment variable '{}'", k));
        }
        spec.env.push_back(pool.intern(k + "=" + v));
    }
    auto instances = arg_int(args, "instances", 1, 1, k_max_instances);
    if (!instances) {
        return instances.error();
    }
    spec.instances = *instances;
    auto mode = arg_string(args, "restart", "always");
    if (!mode) {
        return mode.error();
    }
    auto m = restart_mode_from_string(*mode);
    if (!m) {
        return fail(ErrorCode::bad_args, "'restart' must be always, on-failure or never");
    }
    spec.restart.mode = *m;
    auto max_restarts = arg_int(args, "max_restarts", spec.restart.max_restarts, 0, 1000000);
    if (!max_restarts) {
        return max_restarts.error();
    }
    spec.restart.max_restarts = *max_restarts;
    struct DurationField {
        std::string_view key;
        std::int64_t* target;
    };
    const DurationField durations[] = {
        {"min_uptime", &spec.restart.min_uptime_ms},
        {"restart_delay", &spec.restart.restart_delay_ms},
        {"max_backoff", &spec.restart.max_backoff_ms},
        {"kill_timeout", &spec.kill_timeout_ms},
    };
    for (const auto& d : durations) {
        auto v = arg_duration(args, d.key, *d.target);
        if (!v) {
            return v.error();
        }
        *d.target = *v;
    }
    spec.restart.backoff_base_ms = std::min<std::int64_t>(100, spec.restart.max_backoff_ms);
    auto sig = arg_string(args, "stop_signal", "SIGTERM");
    if (!sig) {
        return sig.error();
    }
    auto signo = parse_signal(*sig);
    if (!signo) {
        return signo.error();
    }
    spec.stop_signal = *signo;
    auto ring = arg_size(args, "log_buffer", static_cast<std::int64_t>(spec.logs.ring_bytes), k_min_log_buffer,
                         k_max_log_buffer);
    if (!ring) {
        return ring.error();
    }
    spec.logs.ring_bytes = static_cast<std::size_t>(*ring);
    auto max_size = arg_size(args, "max_log_size", spec.logs.file.max_size, 0, 1LL << 50);
    if (!max_size) {
        return max_size.error();
    }
    spec.logs.file.max_size = *max_size;
    auto keep = arg_int(args, "log_files", spec.logs.file.keep, 0, 10000);
    if (!keep) {
        return keep.error();
    }
    spec.logs.file.keep = static_cast<int>(*keep);
    auto merge = arg_bool(args, "merge_logs", false);
    if (!merge) {
        return merge.error();
    }
    spec.logs.merge = *merge;
    auto max_memory = arg_size(args, "max_memory", 0, 0, 1LL << 50);
    if (!max_memory) {
        return max_memory.error();
    }
    spec.max_memory = *max_memory;
    auto inc = arg_string(args, "increment_var", "");
    if (!inc) {
        return inc.error();
    }
    if (!inc->empty() && (inc->find('=') != std::string::npos || inc->find('\0') != std::string::npos)) {
        return fail(ErrorCode::bad_args, "'increment_var' must be a variable name");
    }
    spec.increment_var = *inc;
    auto ready_fd = arg_int(args, "ready_fd", 0, 0, 63);
    auto ready_tcp = arg_int(args, "ready_tcp", 0, 0, 65535);
    if (!ready_fd || !ready_tcp) {
        return !ready_fd ? ready_fd.error() : ready_tcp.error();
    }
    if (*ready_fd > 0 && *ready_fd < 3) {
        return fail(ErrorCode::bad_args, "'ready_fd' must be 3 or more (0, 1 and 2 are stdio)");
    }
    spec.ready_fd = static_cast<int>(*ready_fd);
    spec.ready_tcp = static_cast<int>(*ready_tcp);
    auto cron = arg_string(args, "cron_restart", "");
    if (!cron) {
        return cron.error();
    }
    if (!cron->empty()) {
        if (auto parsed = parse_cron(*cron); !parsed) {
            return parsed.error();
        }
        spec.cron_restart = *cron;
    }
    if (auto ok = parse_watch_paths(args, spec, opts); !ok) {
        return ok.error();
    }
    if (!spec.watch.empty()) {
        auto delay = arg_duration(args, "watch_delay", spec.watch_delay_ms);
        if (!delay) {
            return delay.error();
        }
        spec.watch_delay_ms = *delay;
    }
    if (auto ok = parse_log_paths(args, spec, opts); !ok) {
        return ok.error();
    }
    auto date = arg_string(args, "log_date_format", "");
    if (!date) {
        return date.error();
    }
    if (!date->empty()) {
        if (auto f = DateFormat::parse(*date); !f) {
            return f.error();
        }
        spec.logs.date_format = *date;
    }
    return spec;
}

}  // namespace pm::sup
