// HttpConn: parse, check, route, answer; one request at a time.
#include "daemon/http/http_conn.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "daemon/http/http_security.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/ipc/dispatch.hpp"
#include "daemon/log.hpp"

namespace pm::http {
namespace {

// Reads complete synchronously on the loop thread: one buffer for all.
char g_read_buf[64 * 1024];

constexpr std::string_view k_json = "application/json";

HttpConn* self_of(http_parser* p) { return static_cast<HttpConn*>(p->data); }

void lower(std::string& s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

}  // namespace

HttpConn::HttpConn(HttpServer& server, std::uint64_t id, ClosedFn on_closed)
    : ClosingStream(reinterpret_cast<uv_stream_t*>(&m_tcp), close_cb),
      m_server(server),
      m_id(id),
      m_on_closed(std::move(on_closed)) {
    m_tcp.data = this;
    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;
}

const http_parser_settings& HttpConn::settings() {
    static const http_parser_settings s = [] {
        http_parser_settings x{};
        x.on_message_begin = on_message_begin;
        x.on_url = on_url;
        x.on_header_field = on_header_field;
        x.on_header_value = on_header_value;
        x.on_headers_complete = on_headers_complete;
        x.on_body = on_body;
        x.on_message_complete = on_message_complete;
        return x;
    }();
    return s;
}

void HttpConn::start_reading() {
    m_phase_since_ms = uv_now(m_server.loop());
    uv_read_start(stream(), alloc_cb, read_cb);
}

void HttpConn::alloc_cb(uv_handle_t*, std::size_t, uv_buf_t* buf) noexcept {
    buf->base = g_read_buf;
    buf->len = sizeof g_read_buf;
}

void HttpConn::read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
    if (auto* self = static_cast<HttpConn*>(s->data)) {
        self->on_read(nread, buf);
    }
}

void HttpConn::on_read(ssize_t nread, const uv_buf_t* buf) {
    if (nread < 0) {
        close();  // EOF or error: the client is gone
        return;
    }
    if (m_closing || m_phase == Phase::streaming) {
        return;  // an event stream's client has nothing more to say
    }
    m_inbuf.append(buf->base, static_cast<std::size_t>(nread));
    pump();
}

// Parses what is buffered while no request is being answered. The parser is
// paused at the end of each message, so pipelined requests wait their turn in
// m_inbuf (bounded: reading stops while a request is answered).
void HttpConn::pump() {
    if (m_in_pump) {
        return;
    }
    m_in_pump = true;
    while (!m_closing && !m_close_when_flushed && m_phase == Phase::reading && !m_inbuf.empty()) {
        std::size_t n = http_parser_execute(&m_parser, &settings(), m_inbuf.data(), m_inbuf.size());
        auto err = HTTP_PARSER_ERRNO(&m_parser);
        if (m_refuse_status != 0) {
            respond_error(m_refuse_status, m_refuse_code, m_refuse_message);
            close_after_flush();
            break;
        }
        if (err == HPE_PAUSED) {
            m_inbuf.erase(0, n);
            http_parser_pause(&m_parser, 0);
            if (m_message_done) {
                m_message_done = false;
                handle(m_req);
            }
            continue;
        }
        if (err != HPE_OK) {
            ++m_server.stats().bad_requests;
            respond_error(400, "bad_args", fmt::format("malformed HTTP request: {}", http_errno_description(err)));
            close_after_flush();
            break;
        }
        m_inbuf.clear();
        if (m_parser.upgrade != 0) {
            close();  // no protocol upgrades here
        }
    }
    m_in_pump = false;
    if (!m_closing && !m_close_when_flushed) {
        // Read while waiting for a request (or to see an event stream's client
        // leave); not while answering, so a pipelining client cannot grow us.
        if (m_phase == Phase::handling) {
            uv_read_stop(stream());
        } else {
            uv_read_start(stream(), alloc_cb, read_cb);
        }
    }
}

int HttpConn::refuse_in_parser(int status, std::string_view code, std::string message) {
    m_refuse_status = status;
    m_refuse_code = std::string(code);
    m_refuse_message = std::move(message);
    return 1;  // stops the parser
}

bool HttpConn::add_header_bytes(std::size_t n) {
    m_header_bytes += n;
    return m_header_bytes <= m_server.limits().max_header_bytes;
}

int HttpConn::on_message_begin(http_parser* p) {
    HttpConn* c = self_of(p);
    c->m_req = HttpRequest{};
    c->m_field.clear();
    c->m_field_done = false;
    c->m_header_bytes = 0;
    c->m_in_request = true;
    c->m_phase_since_ms = uv_now(c->m_server.loop());
    return 0;
}

int HttpConn::on_url(http_parser* p, const char* at, std::size_t len) {
    HttpConn* c = self_of(p);
    if (!c->add_header_bytes(len)) {
        ++c->m_server.stats().refused_header_size;
        return c->refuse_in_parser(431, "limit_reached",
                                   fmt::format("request headers exceed {} bytes", c->m_server.limits().max_header_bytes));
    }
    c->m_req.target.append(at, len);
    return 0;
}

int HttpConn::on_header_field(http_parser* p, const char* at, std::size_t len) {
    HttpConn* c = self_of(p);
    if (!c->add_header_bytes(len)) {
        ++c->m_server.stats().refused_header_size;
        return c->refuse_in_parser(431, "limit_reached",
                                   fmt::format("request headers exceed {} bytes", c->m_server.limits().max_header_bytes));
    }
    if (c->m_field_done) {
        c->m_field.clear();
        c->m_field_done = false;
    }
    c->m_field.append(at, len);
    return 0;
}

int HttpConn::on_header_value(http_parser* p, const char* at, std::size_t len) {
    HttpConn* c = self_of(p);
    if (!c->add_header_bytes(len)) {
        ++c->m_server.stats().refused_header_size;
        return c->refuse_in_parser(431, "limit_reached",
                                   fmt::format("request headers exceed {} bytes", c->m_server.limits().max_header_bytes));
    }
    if (!c->m_field_done) {
        // The first piece of this header's value: the name is complete.
        lower(c->m_field);
        c->m_req.headers.emplace_back(c->m_field, std::string());
        c->m_field_done = true;
    }
    c->m_req.headers.back().second.append(at, len);
    return 0;
}

int HttpConn::on_headers_complete(http_parser* p) {
    HttpConn* c = self_of(p);
    c->m_req.method = http_method_str(static_cast<http_method>(p->method));
    if ((p->flags & F_CONTENTLENGTH) != 0 && p->content_length > c->m_server.limits().max_body_bytes) {
        ++c->m_server.stats().refused_body_size;
        return c->refuse_in_parser(413, "limit_reached",
                                   fmt::format("request body exceeds {} bytes", c->m_server.limits().max_body_bytes));
    }
    return 0;
}

int HttpConn::on_body(http_parser* p, const char* at, std::size_t len) {
    HttpConn* c = self_of(p);
    if (c->m_req.body.size() + len > c->m_server.limits().max_body_bytes) {
        ++c->m_server.stats().refused_body_size;
        return c->refuse_in_parser(413, "limit_reached",
                                   fmt::format("request body exceeds {} bytes", c->m_server.limits().max_body_bytes));
    }
    c->m_req.body.append(at, len);
    return 0;
}

int HttpConn::on_message_complete(http_parser* p) {
    HttpConn* c = self_of(p);
    c->m_req.keep_alive = http_should_keep_alive(p) != 0;
    c->m_in_request = false;
    c->m_message_done = true;
    http_parser_pause(p, 1);  // one request at a time: pump() answers it first
    return 0;
}

void HttpConn::handle(HttpRequest& req) {
    ++m_requests;
    m_request_t0 = std::chrono::steady_clock::now();
    m_phase = Phase::handling;
    m_keep_alive = req.keep_alive;
    m_route = Route{};
    if (auto ok = parse_target(req.target, req); !ok) {
        ++m_server.stats().bad_requests;
        respond_error(400, "bad_args", ok.error().message);
        return;
    }
    Route route = route_request(req);
    m_route.handler = route.handler;
    // The checks, in order: Host (DNS rebinding), Origin (cross-site pages),
    // then the token for everything but the page, which holds no data.
    if (!host_allowed(req.header("host"), m_server.hosts())) {
        ++m_server.stats().refused_host;
        respond_error(421, "bad_args", "the Host header names no address of this server");
        return;
    }
    if (!origin_allowed(req.header("origin"), req.header("host"))) {
        ++m_server.stats().refused_origin;
        respond_error(403, "bad_args", "cross-origin requests are refused");
        return;
    }
    bool needs_token = route.kind != RouteKind::page &&
                       !(route.kind == RouteKind::metrics && m_server.options().metrics_open);
    if (needs_token && !token_matches(request_token(req), m_server.token())) {
        ++m_server.stats().refused_token;
        respond_error(401, "unauthorized", "a token is needed: open the URL `pm web` prints",
                      "WWW-Authenticate: Bearer realm=\"pm\"\r\n");
        return;
    }
    if (route.action && m_server.options().read_only) {
        respond_error(403, "read_only", "this web view is read-only (pmd --http-read-only)");
        return;
    }
    run_route(req, std::move(route));
}

void HttpConn::run_route(const HttpRequest& req, Route route) {
    switch (route.kind) {
        case RouteKind::page: {
            std::string_view page = m_server.page() ? m_server.page()() : std::string_view{};
            respond(200, "text/html; charset=utf-8", page);
            return;
        }
        case RouteKind::metrics: {
            if (!m_server.metrics()) {
                respond_error(503, "unreachable", "metrics are not available");
                return;
            }
            respond(200, "text/plain; version=0.0.4; charset=utf-8", m_server.metrics()());
            return;
        }
        case RouteKind::session:
            respond(204, {}, {},
                    fmt::format("Set-Cookie: pm_token={}; HttpOnly; SameSite=Strict\r\n", m_server.token()));
            return;
        case RouteKind::events:
        case RouteKind::log_stream:
            open_stream(req, route);
            return;
        case RouteKind::command:
            m_route = std::move(route);
            m_events = json::array();
            // The reply comes through send(), now or later (deferred).
            m_server.dispatcher().handle_request(*this, m_server, json(m_requests), m_route.cmd, m_route.args);
            return;
        case RouteKind::method_not_allowed:
            respond_error(405, "bad_args", fmt::format("use {}", route.allow),
                          fmt::format("Allow: {}\r\n", route.allow));
            return;
        case RouteKind::bad_request:
            respond_error(400, "bad_args", route.error);
            return;
        case RouteKind::not_found:
            respond_error(404, "not_found", "no such endpoint");
            return;
    }
}

void HttpConn::open_stream(const HttpRequest& req, const Route& route) {
    if (!m_server.sse_open()) {
        respond_error(503, "unreachable", "event streams are not available");
        return;
    }
    SseRequest sr;
    sr.kind = route.kind == RouteKind::events ? SseRequest::Kind::events : SseRequest::Kind::logs;
    sr.selector = route.selector;
    sr.query = req.query;
    if (const std::string* last = req.header("last-event-id")) {
        sr.last_event_id = *last;
    } else if (auto it = req.query.find("last_event_id"); it != req.query.end()) {
        sr.last_event_id = it->second;
    }
    m_phase = Phase::streaming;  // before open(): the hub writes at once
    auto opened = m_server.sse_open()(*this, sr);
    if (!opened) {
        m_phase = Phase::handling;
        respond_error(status_for(opened.error().code), to_string(opened.error().code), opened.error().message);
        return;
    }
    m_server.count(m_route.handler, 200);
}

void HttpConn::send(const json& msg) {
    if (m_phase != Phase::handling || m_closing) {
        return;
    }
    if (msg.value("ok", false)) {
        json body = shape_result(m_route.shape, msg.contains("result") ? msg["result"] : json::object(),
                                 std::move(m_events));
        respond(200, k_json, body.dump(-1, ' ', false, json::error_handler_t::replace));
    } else {
        const json& err = msg.contains("error") ? msg["error"] : json::object();
        std::string code = err.value("code", "internal");
        respond_error(status_for(code), code, err.value("message", "error"));
    }
}

void HttpConn::send_line(std::string line) {
    // A logs command's backlog, sent as stream events before its reply:
    // collected into the reply's `events`.
    if (m_phase != Phase::handling || m_closing) {
        return;
    }
    json ev = json::parse(line, nullptr, false);
    if (!ev.is_discarded() && ev.contains("event")) {
        json data = ev.value("data", json::object());
        data["event"] = ev["event"];
        m_events.push_back(std::move(data));
    }
}

void HttpConn::respond_error(int status, std::string_view code, std::string_view message, std::string_view extra) {
    respond(status, k_json, error_body(code, message), extra);
}

void HttpConn::respond(int status, std::string_view content_type, std::string_view body, std::string_view extra) {
    if (m_closing) {
        return;
    }
    m_server.count(m_route.handler, status);
    if (m_request_t0 != std::chrono::steady_clock::time_point{}) {
        m_server.stats().request_latency.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - m_request_t0)
                .count()));
        m_request_t0 = {};
    }
    write_bytes(http_response(status, content_type, body, m_keep_alive, extra));
    finish_request();
}

void HttpConn::finish_request() {
    m_phase = Phase::reading;
    m_phase_since_ms = uv_now(m_server.loop());
    m_route = Route{};
    m_events = json::array();
    if (!m_keep_alive) {
        close_after_flush();
        return;
    }
    if (!m_in_pump) {
        pump();  // a deferred reply: go on with what the client sent meanwhile
    }
}

void HttpConn::refuse(int status, std::string_view code, std::string_view message) {
    m_keep_alive = false;
    m_phase = Phase::handling;
    respond_error(status, code, message);
}

void HttpConn::start() {
    std::string head = "HTTP/1.1 200 OK\r\n";
    head += security_headers();
    head += "Content-Type: text/event-stream; charset=utf-8\r\nX-Accel-Buffering: no\r\nConnection: keep-alive\r\n\r\n";
    write_bytes(head);
}

ipc::StreamSend HttpConn::write(std::string_view bytes) {
    if (m_closing) {
        return ipc::StreamSend::gone;
    }
    // An empty queue takes one event of any size: the hello of ~850 processes
    // is more than the limit, and refused it would never be sent at all.
    if (m_writes.queued() != 0 && m_writes.queued() + bytes.size() > m_server.limits().sse_queue_bytes) {
        return ipc::StreamSend::full;
    }
    return write_bytes(bytes) ? ipc::StreamSend::sent : ipc::StreamSend::gone;
}

bool HttpConn::expire(std::uint64_t now_ms) {
    if (m_closing || m_phase != Phase::reading) {
        return false;
    }
    const auto& l = m_server.limits();
    bool waiting_first = m_requests == 0 || m_in_request;  // a request is due, or half-sent
    if (waiting_first && l.header_timeout_ms > 0 && now_ms - m_phase_since_ms >= l.header_timeout_ms) {
        ++m_server.stats().timeouts_header;
        close();
        return true;
    }
    if (!waiting_first && l.idle_timeout_ms > 0 && now_ms - m_phase_since_ms >= l.idle_timeout_ms) {
        ++m_server.stats().timeouts_idle;
        close();
        return true;
    }
    return false;
}

bool HttpConn::write_bytes(std::string_view bytes) {
    if (m_closing) {
        return false;
    }
    if (m_writes.queued() + bytes.size() > m_server.limits().max_reply_queued) {
        PM_LOG(warn, "http client {}: not reading its replies ({} bytes queued), disconnecting", m_id,
               m_writes.queued());
        close();
        return false;
    }
    return write_or_close(bytes);
}

// SseTransport::close is the stream's close.
void HttpConn::close() { ClosingStream::close(); }

void HttpConn::close_cb(uv_handle_t* h) noexcept {
    auto* self = static_cast<HttpConn*>(h->data);
    ClosedFn fn = std::move(self->m_on_closed);
    fn(*self);  // frees this connection
}

}  // namespace pm::http
