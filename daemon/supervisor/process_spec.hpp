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
#include "daemon/supervisor/restart_policy.hpp"

namespace pm::sup {

using pm::k_max_argv;
using pm::k_max_env;
using pm::k_max_instances;
using pm::k_max_watch_paths;

struct ProcessSpec {
    // The options as parsed, with paths resolved: what show and save print.
    // Its argv and env_base are moved into the pooled fields below.
    StartArgs options;
    // The same values in the shapes the supervisor and the log hub use;
    // `instances` alone may change afterwards (scale), and show and save
    // take it from here.
    std::string name;
    // Strings are pooled: specs of many processes share argv, cwd and env entries.
    std::vector<InternedString> argv;  // exec'd directly (argv[0] looked up in PATH)
    bool shell = false;                // argv was wrapped in /bin/sh -c by request
    InternedString cwd;
    std::vector<InternedString> env;   // full "K=V" environment of the child
    std::vector<std::string> env_keys; // the keys set explicitly (--env, ecosystem env), sorted
    std::int64_t instances = 1;
    RestartPolicy restart;
    std::int64_t kill_timeout_ms = 10000;
    int stop_signal = 15;
    logs::LogOptions logs;
    std::int64_t max_memory = 0;  // bytes; restart when the group stays above it (0: off)
    std::string increment_var;    // e.g. PORT: instance i gets base + i
    int ready_fd = 0;             // online when the child writes a line to this fd (0: off)
    int ready_tcp = 0;            // online when 127.0.0.1:port accepts (0: off)
    bool needs_ready() const { return ready_fd > 0 || ready_tcp > 0; }
    // Watch mode: restart on changes under these absolute paths (empty: off).
    std::vector<std::string> watch;
    std::vector<std::string> watch_ignore;  // the user's patterns; defaults are added by the table
    std::int64_t watch_delay_ms = 200;
    // cron_restart is options.cron_restart (parsed once, with its text).

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
