// DaemonWorld: the daemon's components on one real loop, wired as the
// composition root wires them (ProcessTable, LogHub, Subscriptions, Sampler,
// SelfStats, Server, SocketSink and the Services over them), with the log
// files in a private temporary directory. For the loop-level unit tests and
// the benchmarks; each adds what it tests (a Dispatcher, an SseHub, ...).
// The loop is the caller's: run it until it empties once the world is gone.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/string_pool.hpp"
#include "daemon/http/http_stats.hpp"
#include "daemon/ipc/dispatch.hpp"
#include "daemon/ipc/server.hpp"
#include "daemon/ipc/socket_sink.hpp"
#include "daemon/ipc/subscriptions.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/metrics/sampler.hpp"
#include "daemon/metrics/self_stats.hpp"
#include "daemon/supervisor/process_table.hpp"
#include "temp_dir.hpp"

namespace pm::test {

struct WorldOptions {
    std::string_view dir_prefix = "pm-world";
    ipc::SubscriptionLimits streams = {};
    std::size_t commands = ipc::command_table().size();  // the command table DispatchStats is sized for
    bool sample_running = false;  // the sampler samples the table's running instances, as pmd's; else nothing
};

struct DaemonWorld {
    uv_loop_t* loop;
    TempDir dir;
    StringPool pool;
    ipc::Subscriptions streams;
    logs::LogHub hub{loop, dir.path, logs::HubLimits{}, streams};
    sup::ProcessTable table{loop, hub, sup::TableLimits{}};
    metrics::Sampler sampler;
    metrics::SelfStats self{loop, [] { return std::pair<std::uint64_t, std::uint64_t>{0, 0}; }};
    ipc::Server server{loop, ipc::ServerLimits{}, [](ipc::Connection&, std::string_view) {}};
    ipc::SocketSink sink{server};
    ipc::DispatchStats dispatch_stats;
    http::HttpStats http_stats;  // the web view's counters as the socket's commands see them
    ipc::Services svc{
        table, hub, pool, sampler, self, server, streams, sink, dispatch_stats, http_stats, ipc::DaemonInfo{}, [] {}};

    explicit DaemonWorld(uv_loop_t* l, WorldOptions opts = {})
        : loop(l),
          dir(opts.dir_prefix),
          streams(opts.streams),
          sampler(loop, metrics::SamplerOptions{}, targets(opts.sample_running),
                  [](std::uint64_t, std::uint64_t, std::uint64_t) {}),
          dispatch_stats(opts.commands) {}
    DaemonWorld(const DaemonWorld&) = delete;
    DaemonWorld& operator=(const DaemonWorld&) = delete;

private:
    metrics::Sampler::TargetsFn targets(bool running) {
        if (!running) {
            return [] { return std::vector<metrics::Target>{}; };
        }
        return [this] {
            std::vector<metrics::Target> out;
            for (auto* inst : table.all()) {
                if (auto pid = inst->pid()) {
                    out.push_back(metrics::Target{inst->id(), *pid, 0});
                }
            }
            return out;
        };
    }
};

}  // namespace pm::test
