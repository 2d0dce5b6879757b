// MetricsSnapshot: every figure /metrics shows, copied out of the daemon's
// components in one pass (snapshot_metrics), so the text renderer
// (render_snapshot, metrics_text.hpp) is pure and testable without a daemon.
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "common/histogram.hpp"
#include "common/process_state.hpp"
#include "daemon/http/http_stats.hpp"
#include "daemon/supervisor/instance.hpp"

namespace pm::ipc {
struct Services;
}

namespace pm::http {

// Why a log line did not reach somewhere.
enum class DropReason { ring, file };
inline constexpr DropReason k_all_drop_reasons[] = {DropReason::ring, DropReason::file};
std::string_view to_string(DropReason r);

struct ProcessMetrics {
    std::string name;  // the instance's display name ("web", "web:2")
    std::string app;   // its app
    ProcessState state = ProcessState::stopped;
    std::optional<double> start_time_seconds;                                     // unix, this run (while it has a pid)
    std::array<std::uint64_t, std::size(sup::k_all_restart_reasons)> restarts{};  // like k_all_restart_reasons
    std::optional<std::int64_t> last_exit_code;  // 128 + N for a signal N, as shells report it
    // From the sampler, while running and once sampled.
    std::optional<double> cpu_seconds;
    std::optional<std::uint64_t> rss_bytes;
    std::optional<std::uint64_t> threads;
    std::optional<std::uint64_t> fds;
    std::array<std::uint64_t, 2> log_lines{};  // out, err
    std::array<std::uint64_t, 2> log_bytes{};
    std::array<std::uint64_t, std::size(k_all_drop_reasons)> dropped_lines{};  // like k_all_drop_reasons
};

struct CommandMetrics {
    std::string name;
    std::uint64_t requests = 0;
    Histogram latency;  // us
};

// pmd itself: the standard process_* set and the build.
struct SelfMetrics {
    double cpu_seconds = 0;
    std::uint64_t rss_bytes = 0;
    std::uint64_t virtual_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;
    double start_time_seconds = 0;
    std::string version;
};

struct MetricsSnapshot {
    std::vector<ProcessMetrics> processes;  // in id order
    SelfMetrics self;
    // IPC (the socket protocol).
    std::vector<CommandMetrics> commands;  // every command of the table
    std::uint64_t ipc_errors = 0;
    std::uint64_t ipc_connections = 0;
    // Logs.
    std::uint64_t ring_bytes = 0;
    std::uint64_t ring_capacity_bytes = 0;
    std::uint64_t follower_lines_sent = 0;
    std::uint64_t follower_lines_missed = 0;
    // Strings interned once (names, paths).
    std::uint64_t pool_bytes = 0;
    std::uint64_t pool_entries = 0;
    // The sampler and the loop.
    std::uint64_t sampler_ticks = 0;
    Histogram loop_lag;  // us
    HttpStats http;
};

// Copies the figures out of the daemon's components. Reads /proc/self once.
MetricsSnapshot snapshot_metrics(const ipc::Services& svc, const HttpStats& http);

}  // namespace pm::http
