// Daemon wiring and shutdown order: stop accepting -> stop processes ->
// flush and close clients -> close handles -> drain -> uv_loop_close.
#include "daemon/daemon.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cmath>

#include "common/cron.hpp"
#include "daemon/error_log.hpp"
#include "daemon/http/metrics_text.hpp"
#include "daemon/http/page_asset.hpp"
#include "daemon/ipc/process_ops.hpp"
#include "daemon/ipc/stream_events.hpp"
#include "daemon/store/dump_file.hpp"
#include "daemon/log.hpp"

namespace pm {

Daemon::Daemon(Paths paths, DaemonOptions opts) : m_paths(std::move(paths)), m_opts(opts) {
    uv_loop_init(&m_loop);
    m_streams = std::make_unique<ipc::Subscriptions>(
        ipc::SubscriptionLimits{m_opts.max_followers, m_opts.server.max_connections});
    m_hub = std::make_unique<logs::LogHub>(&m_loop, m_paths.logs_dir(), m_opts.logs, *m_streams);
    m_table = std::make_unique<sup::ProcessTable>(&m_loop, *m_hub, m_opts.table);
    if (const auto& rule = m_opts.log_rotate_cron) {
        m_log_rotation = std::make_unique<sup::CronTimer>(&m_loop, rule->text, rule->schedule, [this] {
            PM_LOG(info, "log rotation ({}): {} files rotated", m_opts.log_rotate_cron->text, m_hub->rotate_files());
        });
    }
    m_table->set_watch_ignore(sup::default_watch_ignore(m_paths.home));
    m_live = std::make_unique<store::LiveFile>(&m_loop, m_paths.live(), [this] {
        std::vector<int> pids;
        for (auto* inst : m_table->all()) {
            if (auto pid = inst->pid()) {
                pids.push_back(*pid);
            }
        }
        return pids;
    });
    m_reaper = std::make_unique<sup::Reaper>(&m_loop, [this] { return m_table->live_pids(); });
    m_sampler = std::make_unique<metrics::Sampler>(
        &m_loop, m_opts.sampler,
        [this] {
            std::vector<metrics::Target> targets;
            for (auto* inst : m_table->all()) {
                if (auto pid = inst->pid()) {
                    targets.push_back(metrics::Target{inst->id(), *pid,
                                                      static_cast<std::uint64_t>(inst->spec().options.max_memory)});
                }
            }
            return targets;
        },
        [this](std::uint64_t id, std::uint64_t rss, std::uint64_t limit) {
            m_table->on_memory_over_limit(id, rss, limit);
        });
    build_ipc();
}

// The client side, once every component it serves exists: the socket, its
// stream sink, Services built whole, the dispatcher and the monitor frames.
void Daemon::build_ipc() {
    m_self = std::make_unique<metrics::SelfStats>(&m_loop, [this] {
        return std::pair{m_hub->stats().lines, m_hub->stats().bytes};
    });
    m_server = std::make_unique<ipc::Server>(&m_loop, m_opts.server,
                                             [this](ipc::Connection& c, std::string_view line) {
                                                 m_dispatcher->handle_line(c, line);
                                             });
    m_socket_sink = std::make_unique<ipc::SocketSink>(*m_server);
    m_server->on_closed([this](std::uint64_t conn) { m_streams->drop_client(*m_socket_sink, conn); });
    auto now = std::chrono::system_clock::now().time_since_epoch();
    ipc::DaemonInfo info{getpid(),
                         std::chrono::duration_cast<std::chrono::milliseconds>(now).count(),
                         m_paths.home};
    m_services = std::make_unique<ipc::Services>(ipc::Services{*m_table, *m_hub, m_pool, *m_sampler, *m_self,
                                                               *m_server, *m_streams, *m_socket_sink,
                                                               m_dispatch_stats, m_http_stats, info,
                                                               [this] { begin_shutdown(); }});
    m_services->web = [this](const json& args) { return web(args); };
    m_services->web_status = [this] {
        return m_http ? json{{"listening", m_http->listening()}, {"url", m_http->url()}} : json::object();
    };
    m_dispatcher = std::make_unique<ipc::Dispatcher>(*m_services, m_dispatch_stats);
    m_sse = std::make_unique<http::SseHub>(&m_loop, *m_services, m_http_stats, http::SseLimits{});
    m_table->set_on_change([this] {
        m_live->mark_dirty();
        if (m_sse) {
            m_sse->on_table_change();
        }
    });
    m_sampler->on_tick([this] {
        m_streams->publish_stats([this] { return ipc::monitor_frame(*m_services); });
        m_sse->on_stats_tick();
    });
}

Daemon::~Daemon() { teardown(); }

Result<void> Daemon::start() {
    for (auto [h, sig] : {std::pair{&m_sigterm, SIGTERM}, std::pair{&m_sigint, SIGINT}}) {
        uv_signal_init(&m_loop, h->get());
        h->initialised();
        h->get()->data = this;
        uv_signal_start(h->get(), signal_cb, sig);
    }
    PM_TRY(m_server->listen(m_paths.sock()));
    if (m_opts.http_enabled) {
        PM_TRY(start_http(m_opts.http));
    }
    return {};
}

Result<void> Daemon::start_http(http::HttpOptions opts) {
    auto server = std::make_unique<http::HttpServer>(&m_loop, std::move(opts), *m_dispatcher, m_http_stats,
                                                     m_paths.home + "/http.token");
    server->set_page([] { return http::page_html(); });
    server->set_sse([this](http::SseTransport& t, const http::SseRequest& r) { return m_sse->open(t, r); },
                    [this](std::uint64_t id) { m_sse->closed(id); });
    server->set_metrics([this] { return http::render_metrics(*m_services, m_http_stats); });
    PM_TRY(server->listen());
    m_http = std::move(server);
    return {};
}

Result<json> Daemon::web(const json& args) {
    bool started = false;
    if (!m_http || !m_http->listening()) {
        http::HttpOptions opts = m_opts.http;
        if (args.contains("listen")) {
            PM_TRY_ASSIGN(std::string text, arg_string(args, "listen"));
            auto addr = http::parse_listen_address(text);
            if (!addr) {
                return fail(ErrorCode::bad_args, addr.error().message);
            }
            opts.listen = *addr;
        }
        if (auto ok = start_http(std::move(opts)); !ok) {
            return fail(ok.error().code == ErrorCode::usage ? ErrorCode::bad_args : ok.error().code,
                        ok.error().message);
        }
        started = true;
    }
    return json{{"url", m_http->url()},
                {"open", m_http->url() + "#token=" + m_http->token()},
                {"token", m_http->token()},
                {"listen", http::authority(m_http->address())},
                {"started", started}};
}

void Daemon::resurrect() {
    auto loaded = store::read_dump(m_paths.dump());
    if (!loaded) {
        PM_LOG(warn, "resurrect: {}", loaded.error().message);
        return;
    }
    if (!loaded->warning.empty()) {
        report_error(ErrorKind::internal, loaded->warning);
    }
    json r = ipc::restore_apps(*m_services, loaded->doc);
    PM_LOG(info, "resurrect: {} restored from {}", r["restored"].size(), loaded->source);
}

void Daemon::signal_cb(uv_signal_t* s, int signum) noexcept {
    if (auto* self = static_cast<Daemon*>(s->data)) {
        PM_LOG(info, "received signal {}, shutting down", signum);
        self->begin_shutdown();
    }
}

void Daemon::begin_shutdown() {
    if (m_shutting_down) {
        return;
    }
    m_shutting_down = true;
    m_services->shutting_down = true;
    m_server->stop_listening();
    if (m_http) {
        m_http->stop_listening();
    }
    ::unlink(m_paths.sock().c_str());
    m_table->stop_scheduled_restarts();  // no restarts on file changes while stopping
    m_log_rotation.reset();
    std::vector<std::uint64_t> ids;
    for (auto* inst : m_table->all()) {
        ids.push_back(inst->id());
    }
    // Removed: nothing (reload, memory limit) may start them again.
    auto waited = m_table->retire(ids, [this] {
        PM_LOG(info, "all processes stopped");
        m_hub->close_all_pipes();
        m_server->close_all();
        close_http_clients();
        m_sigterm.close();
        m_sigint.close();
    });
    if (!waited) {
        // Waiter table full: close clients now; processes were signalled.
        m_hub->close_all_pipes();
        m_server->close_all();
        close_http_clients();
        m_sigterm.close();
        m_sigint.close();
    }
}

void Daemon::close_http_clients() {
    m_sse->close_all();
    if (m_http) {
        m_http->close_all();
    }
}

int Daemon::run() {
    uv_run(&m_loop, UV_RUN_DEFAULT);
    teardown();
    int rc = uv_loop_close(&m_loop);
    if (rc != 0) {
        PM_LOG(error, "loop closed with handles still open: {}", uv_err_name(rc));
        return 1;
    }
    return 0;
}

void Daemon::teardown() {
    if (!m_table) {
        return;
    }
    m_sigterm.close();
    m_sigint.close();
    m_sampler->on_tick(nullptr);
    m_http.reset();  // before the dispatcher its requests run through, and the hub its streams use
    m_sse.reset();   // before the subscriptions and Services it uses
    m_dispatcher.reset();
    m_streams->drop_sink(*m_socket_sink);  // every socket client goes with the server
    m_self.reset();
    m_server.reset();
    m_socket_sink.reset();
    m_reaper.reset();
    m_sampler.reset();
    m_table->set_on_change(nullptr);
    m_live->remove();  // a clean exit: nothing of ours runs any more
    m_live.reset();
    m_table.reset();
    // After the table: a reload job still held by a table waiter clears its
    // marks in Services when the waiters are freed.
    m_services.reset();
    m_hub.reset();
    m_streams.reset();
    uv_run(&m_loop, UV_RUN_DEFAULT);  // runs the close callbacks
}

}  // namespace pm
