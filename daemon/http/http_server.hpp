// HttpServer: the web view's listener on the daemon's loop (uv_tcp_t, no
// thread). Owns every HttpConn until its close callback, enforces the
// connection cap and the header/idle timeouts, and is the ClientDirectory of
// API requests waiting for a deferred reply (stop, restart...).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "daemon/http/http_security.hpp"
#include "daemon/http/http_stats.hpp"
#include "daemon/http/sse_transport.hpp"
#include "daemon/ipc/client.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::ipc {
class Dispatcher;
}

namespace pm::http {

class HttpConn;

struct HttpLimits {
    std::size_t max_header_bytes = 8 * 1024;  // request line and headers: past it 431
    std::size_t max_body_bytes = 64 * 1024;   // past it 413
    std::size_t max_connections = 1280;       // past it 503 and close (1,024 event streams + 256 requests)
    std::uint64_t header_timeout_ms = 10000;  // a request begun (or none on a new connection) not complete: close
    std::uint64_t idle_timeout_ms = 60000;    // keep-alive without a request: close
    std::size_t max_reply_queued = 16 * 1024 * 1024;  // replies not read by the client: close
    std::size_t sse_queue_bytes = 256 * 1024;  // an event stream's queue: past it, write() is `full`
};

struct HttpOptions {
    ListenAddress listen;
    bool allow_remote = false;          // a non-loopback address needs it
    bool read_only = false;             // actions (POST) refused with 403
    bool metrics_open = false;          // /metrics without the token
    std::vector<std::string> hosts;     // extra names the Host header may carry
    HttpLimits limits;
};

class HttpServer final : public ipc::ClientDirectory {
public:
    using SseOpenFn = std::function<Result<void>(SseTransport&, const SseRequest&)>;
    using SseClosedFn = std::function<void(std::uint64_t)>;
    using MetricsFn = std::function<std::string()>;
    using PageFn = std::function<std::string_view()>;

    HttpServer(uv_loop_t* loop, HttpOptions opts, ipc::Dispatcher& dispatcher, HttpStats& stats,
               std::string token_path);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // The event streams' hub, the /metrics renderer and the page.
    void set_sse(SseOpenFn open, SseClosedFn closed);
    void set_metrics(MetricsFn fn) { m_metrics = std::move(fn); }
    void set_page(PageFn fn) { m_page = std::move(fn); }

    // Reads or creates the token, binds and listens. Port 0 picks a free port.
    Result<void> listen();
    bool listening() const { return m_listening; }
    // The bound address (the real port once listening).
    const ListenAddress& address() const { return m_bound; }
    // http://ADDR:PORT/
    std::string url() const;
    const std::string& token() const { return m_token; }
    const HttpOptions& options() const { return m_opts; }

    void stop_listening();
    // Closes every connection once its queued bytes are written.
    void close_all();

    ipc::Client* find_client(std::uint64_t id) override;
    std::size_t connection_count() const { return m_conns.size(); }
    std::size_t queued_bytes() const;

    // For HttpConn.
    uv_loop_t* loop() const { return m_loop; }
    const HttpLimits& limits() const { return m_opts.limits; }
    HttpStats& stats() { return m_stats; }
    ipc::Dispatcher& dispatcher() { return m_dispatcher; }
    const std::vector<std::string>& hosts() const { return m_hosts; }
    const SseOpenFn& sse_open() const { return m_sse_open; }
    const MetricsFn& metrics() const { return m_metrics; }
    const PageFn& page() const { return m_page; }
    void count(const std::string& handler, int status) { ++m_stats.requests[{handler, status}]; }

private:
    void on_connection(int status);
    void on_closed(HttpConn& c);
    void sweep();
    static void connection_cb(uv_stream_t* s, int status) noexcept;
    static void sweep_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    HttpOptions m_opts;
    ipc::Dispatcher& m_dispatcher;
    HttpStats& m_stats;
    std::string m_token_path;
    std::string m_token;
    ListenAddress m_bound;
    std::vector<std::string> m_hosts;  // Host values accepted
    bool m_listening = false;
    uv::Handle<uv_tcp_t> m_listener;
    uv::Handle<uv_timer_t> m_sweep;  // header and idle timeouts (unref'd)
    std::map<std::uint64_t, std::unique_ptr<HttpConn>> m_conns;
    std::uint64_t m_next_id = 1;
    SseOpenFn m_sse_open;
    SseClosedFn m_sse_closed;
    MetricsFn m_metrics;
    PageFn m_page;
};

}  // namespace pm::http
