// ProcessSpec from parsed start arguments: paths resolved, strings pooled,
// the restart policy and log options derived; show and save from the table.
#include "daemon/supervisor/process_spec.hpp"

#include <algorithm>
#include <utility>

#include "daemon/supervisor/spec_paths.hpp"

namespace pm::sup {
namespace {

// The pooled identity (argv, cwd, environment); `a` keeps only the
// explicit variables, so a spec holds the client's environment once.
void pool_strings(ProcessSpec& spec, StartArgs& a, StringPool& pool) {
    for (const auto& word : a.argv) {
        spec.argv.push_back(pool.intern(word));
    }
    spec.cwd = pool.intern(a.cwd);
    StringMap env = std::move(a.env_base);
    for (const auto& [k, v] : a.env) {
        env[k] = v;
    }
    for (const auto& [k, v] : env) {
        spec.env.push_back(pool.intern(k + "=" + v));
    }
    a.argv.clear();
    a.env_base.clear();
}

// The values the restart policy and the log hub take whole, each built
// from several options; `a` has its log paths resolved.
void derive_policies(ProcessSpec& spec, const StartArgs& a) {
    spec.restart.mode = a.restart;
    spec.restart.max_restarts = a.max_restarts;
    spec.restart.min_uptime_ms = a.min_uptime_ms;
    spec.restart.restart_delay_ms = a.restart_delay_ms;
    spec.restart.max_backoff_ms = a.max_backoff_ms;
    spec.restart.backoff_base_ms = std::min<std::int64_t>(100, a.max_backoff_ms);
    spec.logs.ring_bytes = static_cast<std::size_t>(a.log_buffer);
    spec.logs.file.max_size = a.max_log_size;
    spec.logs.file.keep = static_cast<int>(a.log_files);
    spec.logs.merge = a.merge_logs;
    spec.logs.out_path = a.out_file;
    spec.logs.err_path = a.err_file;
    spec.logs.all_path = a.log_file;
    spec.logs.date_format = a.log_date_format;
}

json env_map_of(const std::vector<InternedString>& env) {
    json m = json::object();
    for (const auto& e : env) {
        auto kv = e.view();
        auto eq = kv.find('=');
        m[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    return m;
}

}  // namespace

std::vector<std::string> strings_of(const std::vector<InternedString>& v) {
    std::vector<std::string> out;
    out.reserve(v.size());
    for (const auto& s : v) {
        out.push_back(s.str());
    }
    return out;
}

json ProcessSpec::to_json() const {
    json j = show_start_args(options);
    j["argv"] = strings_of(argv);
    j["cwd"] = cwd.str();
    j["env_count"] = env.size();
    if (listen) {
        json sockets = json::array();
        for (const auto& s : listen->sockets) {
            sockets.push_back(json{{"listen", s->url.canonical()}, {"bound", s->bound}, {"name", s->name}});
        }
        j["listen_sockets"] = sockets;  // in fd order, from 3
    }
    return j;
}

json ProcessSpec::to_args() const {
    json j = save_start_args(options);
    j["argv"] = strings_of(argv);
    j["cwd"] = cwd.str();
    j["env_base"] = env_map_of(env);
    return j;
}

bool ProcessSpec::same_start(const ProcessSpec& other) const {
    json mine = to_args();
    json theirs = other.to_args();
    mine.erase("env_base");
    theirs.erase("env_base");
    return mine == theirs;
}

Result<ProcessSpec> spec_from_json(const json& args, std::string name, StringPool& pool, SpecOptions opts) {
    PM_TRY_ASSIGN(StartArgs a, parse_start_args(args));
    a.name = std::move(name);
    PM_TRY(resolve_watch_paths(a, opts));
    PM_TRY(resolve_log_paths(a, opts));
    ProcessSpec spec;
    pool_strings(spec, a, pool);
    derive_policies(spec, a);
    spec.options = std::move(a);
    return spec;
}

}  // namespace pm::sup
