// HttpServer: listen, accept, cap, sweep.
#include "daemon/http/http_server.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "daemon/error_log.hpp"
#include "daemon/http/http_conn.hpp"
#include "daemon/log.hpp"
#include "daemon/uv/error.hpp"

namespace pm::http {

HttpServer::HttpServer(uv_loop_t* loop, HttpOptions opts, ipc::Dispatcher& dispatcher, HttpStats& stats,
                       std::string token_path)
    : m_loop(loop),
      m_opts(std::move(opts)),
      m_dispatcher(dispatcher),
      m_stats(stats),
      m_token_path(std::move(token_path)),
      m_bound(m_opts.listen) {}

HttpServer::~HttpServer() {
    stop_listening();
    // Connections still open are orphaned: each frees itself in its close
    // callback, which runs after this server is gone.
    for (auto& [id, c] : m_conns) {
        HttpConn* raw = c.release();
        raw->set_on_closed([](HttpConn& self) { delete &self; });
        raw->close();
    }
    m_conns.clear();
}

void HttpServer::set_sse(SseOpenFn open, SseClosedFn closed) {
    m_sse_open = std::move(open);
    m_sse_closed = std::move(closed);
}

Result<void> HttpServer::listen() {
    if (m_listening) {
        return {};
    }
    if (!m_opts.allow_remote && !is_loopback(m_opts.listen.host)) {
        return fail(ErrorCode::usage,
                    fmt::format("--http {}: not a loopback address; the web view would be reachable from other "
                                "machines: add --http-allow-remote to mean it",
                                authority(m_opts.listen)));
    }
    PM_TRY_ASSIGN(m_token, load_or_create_token(m_token_path));
    sockaddr_storage addr{};
    int rc = m_opts.listen.host.find(':') != std::string::npos
                 ? uv_ip6_addr(m_opts.listen.host.c_str(), m_opts.listen.port, reinterpret_cast<sockaddr_in6*>(&addr))
                 : uv_ip4_addr(m_opts.listen.host.c_str(), m_opts.listen.port, reinterpret_cast<sockaddr_in*>(&addr));
    if (rc != 0) {
        return uv::uv_error(fmt::format("--http {}", authority(m_opts.listen)), rc);
    }
    m_listener = uv::Handle<uv_tcp_t>();
    uv_tcp_init(m_loop, m_listener.get());
    m_listener.initialised();
    m_listener.get()->data = this;
    rc = uv_tcp_bind(m_listener.get(), reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) {
        rc = uv_listen(reinterpret_cast<uv_stream_t*>(m_listener.get()), 128, connection_cb);
    }
    if (rc != 0) {
        m_listener.close();
        return uv::uv_error(fmt::format("unable to listen on {} for the web view", authority(m_opts.listen)), rc);
    }
    sockaddr_storage got{};
    int len = sizeof got;
    uv_tcp_getsockname(m_listener.get(), reinterpret_cast<sockaddr*>(&got), &len);
    m_bound.port = got.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&got)->sin6_port)
                                              : ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port);
    m_hosts = allowed_hosts(m_bound, m_opts.hosts);
    m_sweep = uv::Handle<uv_timer_t>();
    uv::init_timer(m_loop, m_sweep, this);
    std::uint64_t every = std::clamp<std::uint64_t>(
        std::min(m_opts.limits.header_timeout_ms, m_opts.limits.idle_timeout_ms) / 4, 10, 1000);
    uv_timer_start(m_sweep.get(), sweep_cb, every, every);
    uv_unref(m_sweep.handle());
    m_listening = true;
    PM_LOG(info, "web view on {}", url());
    return {};
}

std::string HttpServer::url() const { return fmt::format("http://{}/", authority(m_bound)); }

void HttpServer::stop_listening() {
    m_listener.close();
    m_sweep.close();
    m_listening = false;
}

void HttpServer::close_all() {
    for (auto& [id, c] : m_conns) {
        if (c) {
            c->close_after_flush();
        }
    }
}

ipc::Client* HttpServer::find_client(std::uint64_t id) {
    auto it = m_conns.find(id);
    return it != m_conns.end() && it->second && it->second->awaiting_reply() ? it->second.get() : nullptr;
}

std::size_t HttpServer::queued_bytes() const {
    std::size_t n = 0;
    for (const auto& [id, c] : m_conns) {
        n += c ? c->queued_bytes() : 0;
    }
    return n;
}

void HttpServer::connection_cb(uv_stream_t* s, int status) noexcept {
    if (auto* self = static_cast<HttpServer*>(s->data)) {
        self->on_connection(status);
    }
}

void HttpServer::sweep_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<HttpServer*>(t->data)) {
        self->sweep();
    }
}

void HttpServer::sweep() {
    std::uint64_t now = uv_now(m_loop);
    for (auto& [id, c] : m_conns) {
        if (c) {
            c->expire(now);
        }
    }
}

void HttpServer::on_connection(int status) {
    if (status != 0) {
        PM_LOG(warn, "web view: unable to accept a client: {}", uv_strerror(status));
        return;
    }
    std::uint64_t id = m_next_id++;
    auto conn = std::make_unique<HttpConn>(*this, id, [this](HttpConn& c) { on_closed(c); });
    uv_tcp_init(m_loop, conn->tcp());
    HttpConn* raw = conn.get();
    m_conns.emplace(id, std::move(conn));
    if (uv_accept(reinterpret_cast<uv_stream_t*>(m_listener.get()), raw->stream()) != 0) {
        raw->close();
        return;
    }
    ++m_stats.connections_total;
    if (m_conns.size() > m_opts.limits.max_connections) {
        ++m_stats.refused_connections;
        report_error(ErrorKind::client_rejected,
                     fmt::format("web view: refused a client: {} connections is the limit",
                                 m_opts.limits.max_connections));
        raw->refuse(503, "limit_reached",
                    fmt::format("too many connections (limit {})", m_opts.limits.max_connections));
        return;
    }
    m_stats.connections_open = m_conns.size();
    uv_tcp_nodelay(raw->tcp(), 1);
    raw->start_reading();
}

void HttpServer::on_closed(HttpConn& c) {
    std::uint64_t id = c.id();
    bool was_stream = c.streaming();
    m_conns.erase(id);  // frees c
    m_stats.connections_open = m_conns.size();
    if (was_stream && m_sse_closed) {
        m_sse_closed(id);
    }
}

}  // namespace pm::http
