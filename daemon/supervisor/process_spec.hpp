// ProcessSpec: a validated description of what to run, built from request
// JSON by parse_start_args (common/start_args.hpp) plus the file-system
// checks and string pooling that only pmd does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/protocol.hpp"
#include "common/result.hpp"
#include "common/signals.hpp"
#include "common/start_args.hpp"
#include "common/string_pool.hpp"
#include "daemon/logs/log_options.hpp"
#include "daemon/supervisor/listen_sockets.hpp"
#include "daemon/supervisor/restart_policy.hpp"

namespace pm::sup {

using pm::k_max_argv;
using pm::k_max_env;
using pm::k_max_instances;
using pm::k_max_watch_paths;

struct ProcessSpec {
    // The options as parsed, with paths resolved (watch, out_file, err_file
    // absolute): every start option is read from here, and show and save
    // print it. `options.instances` alone changes afterwards (scale). Its
    // argv and env_base are moved into the pooled fields below.
    StartArgs options;
    // Strings are pooled: specs of many processes share argv, cwd and env entries.
    std::vector<InternedString> argv;  // exec'd directly (argv[0] looked up in PATH)
    InternedString cwd;
    std::vector<InternedString> env;   // full "K=V" environment of the child
    // Derived from several options, in the shapes of the restart policy and
    // the log hub; built once, by spec_from_json (derive_policies).
    RestartPolicy restart;  // restart, max_restarts, min_uptime, restart_delay, max_backoff
    logs::LogOptions logs;  // log_buffer, max_log_size, log_files, merge_logs, out/err_file, log_date_format
    // The bound sockets of options.listen (null without): bound by the
    // start, not by spec_from_json, and shared by every spec of the app.
    std::shared_ptr<const ListenSet> listen;

    const std::string& name() const { return options.name; }
    bool needs_ready() const { return options.ready_fd > 0 || options.ready_tcp > 0; }

    json to_json() const;
    // Start arguments that rebuild this spec through spec_from_json (save,
    // and the "same spec" check of an idempotent start).
    json to_args() const;
    // Whether starting `other` is the same start as this spec: every saved
    // argument but the base environment (the calling shell's), so that
    // re-running a start from another directory or terminal is the same start.
    bool same_start(const ProcessSpec& other) const;
};

// How much of the file system spec_from_json checks.
struct SpecOptions {
    // A client's start fails on a missing watch path or log file directory
    // (a typo is caught at once). Restoring a saved list accepts them: the
    // path may come back; the Watcher picks it up when it appears, and a log
    // file that cannot be opened degrades (counted, retried).
    bool require_paths = true;
};

// Builds a spec from start arguments. `name` must already be resolved.
Result<ProcessSpec> spec_from_json(const json& args, std::string name, StringPool& pool, SpecOptions opts = {});
// Plain strings of pooled ones (for JSON and display).
std::vector<std::string> strings_of(const std::vector<InternedString>& v);

using pm::parse_signal;
using pm::signal_name;

}  // namespace pm::sup
