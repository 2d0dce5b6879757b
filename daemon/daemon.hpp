// Daemon: the composition root. Constructs the loop's components, wires them,
// and runs the shutdown order. Holds no policy of its own.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>

#include "common/paths.hpp"
#include "daemon/store/live_groups.hpp"
#include "common/result.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/http/http_stats.hpp"
#include "daemon/http/sse_hub.hpp"
#include "daemon/ipc/context.hpp"
#include "daemon/ipc/dispatch.hpp"
#include "daemon/ipc/server.hpp"
#include "daemon/ipc/socket_sink.hpp"
#include "daemon/ipc/subscriptions.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/metrics/sampler.hpp"
#include "daemon/metrics/self_stats.hpp"
#include "daemon/supervisor/cron_timer.hpp"
#include "daemon/supervisor/process_table.hpp"
#include "daemon/supervisor/reaper.hpp"
#include "daemon/uv/handle.hpp"

namespace pm {

struct DaemonOptions {
    ipc::ServerLimits server;
    sup::TableLimits table;
    logs::HubLimits logs;
    std::size_t max_followers = 1024;  // concurrent log follows (monitors: max_connections)
    metrics::SamplerOptions sampler;
    // Rotate every log file on this cron schedule ("0 0 * * *": daily, as
    // pm2-logrotate does by default); unset: by size only. Parsed by main.
    std::optional<CronRule> log_rotate_cron;
    // The web view: its settings, and whether it listens from the start
    // (pmd --http); `pm web` turns it on later with these settings.
    http::HttpOptions http;
    bool http_enabled = false;
};

class Daemon {
public:
    Daemon(Paths paths, DaemonOptions opts);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Binds the socket. The caller holds the lock.
    Result<void> start();
    // Runs until shutdown completes; returns 0 when the loop closed cleanly.
    int run();
    // Stops accepting, stops every process (with escalation), then lets the
    // loop drain. Idempotent; called for SIGTERM/SIGINT and `kill`.
    void begin_shutdown();
    // Starts the saved list (pmd --resurrect); problems are logged.
    void resurrect();

private:
    void build_ipc();
    // `web`: turns the web view on (or reports it).
    Result<json> web(const json& args);
    Result<void> start_http(http::HttpOptions opts);
    void close_http_clients();
    void teardown();
    static void signal_cb(uv_signal_t* s, int signum) noexcept;

    Paths m_paths;
    DaemonOptions m_opts;
    uv_loop_t m_loop{};
    StringPool m_pool;  // outlives every spec holding its strings
    ipc::DispatchStats m_dispatch_stats;
    http::HttpStats m_http_stats;
    std::unique_ptr<ipc::Subscriptions> m_streams;  // outlives the hub, which feeds it lines
    std::unique_ptr<logs::LogHub> m_hub;
    std::unique_ptr<sup::ProcessTable> m_table;
    std::unique_ptr<sup::Reaper> m_reaper;
    std::unique_ptr<store::LiveFile> m_live;
    std::unique_ptr<metrics::Sampler> m_sampler;
    std::unique_ptr<metrics::SelfStats> m_self;
    std::unique_ptr<ipc::Server> m_server;
    std::unique_ptr<ipc::SocketSink> m_socket_sink;
    std::unique_ptr<ipc::Services> m_services;
    std::unique_ptr<ipc::Dispatcher> m_dispatcher;
    std::unique_ptr<http::SseHub> m_sse;       // the web view's event streams
    std::unique_ptr<http::HttpServer> m_http;  // null while the web view is off
    std::unique_ptr<sup::CronTimer> m_log_rotation;
    uv::Handle<uv_signal_t> m_sigterm;
    uv::Handle<uv_signal_t> m_sigint;
    bool m_shutting_down = false;
};

}  // namespace pm
