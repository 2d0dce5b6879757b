// HttpConn: one TCP client of the web view. http_parser frames requests
// (pipelined ones are answered in order, one at a time); each request is
// checked (Host, Origin, token, method), routed, and answered, now or once a
// deferred command completes. A connection can become an event stream
// (SseTransport), after which it only writes.
// Freed only in its handle's close callback, like ipc::Connection; the write
// queue and the close are uv::ClosingStream's.
#pragma once

#include <http_parser.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "daemon/http/http_api.hpp"
#include "daemon/http/http_request.hpp"
#include "daemon/http/sse_transport.hpp"
#include "daemon/ipc/client.hpp"
#include "daemon/uv/closing_stream.hpp"

namespace pm::http {

class HttpServer;

class HttpConn final : public ipc::Client, public SseTransport, public uv::ClosingStream {
public:
    using ClosedFn = std::function<void(HttpConn&)>;

    HttpConn(HttpServer& server, std::uint64_t id, ClosedFn on_closed);
    HttpConn(const HttpConn&) = delete;
    HttpConn& operator=(const HttpConn&) = delete;

    uv_tcp_t* tcp() { return &m_tcp; }
    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&m_tcp); }
    void start_reading();

    // ipc::Client: the reply to the API request in flight.
    std::uint64_t id() const override { return m_id; }
    void send(const json& msg) override;
    void send_line(std::string line) override;

    // SseTransport.
    void start() override;
    ipc::StreamSend write(std::string_view bytes) override;
    std::size_t queued_bytes() const override { return m_writes.queued(); }
    void close() override;

    // A whole reply outside any request (503 past the connection cap).
    void refuse(int status, std::string_view code, std::string_view message);
    void set_on_closed(ClosedFn fn) { m_on_closed = std::move(fn); }
    bool awaiting_reply() const { return m_phase == Phase::handling && !m_closing; }
    bool streaming() const { return m_phase == Phase::streaming; }
    // The sweep: closes the connection when a request is too slow to arrive
    // or a kept-alive connection idles too long. True when it closed.
    bool expire(std::uint64_t now_ms);

private:
    enum class Phase { reading, handling, streaming };

    void on_read(ssize_t nread, const uv_buf_t* buf);
    void pump();
    void handle(HttpRequest& req);
    void run_route(const HttpRequest& req, Route route);
    void open_stream(const HttpRequest& req, const Route& route);
    void respond(int status, std::string_view content_type, std::string_view body, std::string_view extra = {});
    void respond_error(int status, std::string_view code, std::string_view message, std::string_view extra = {});
    void finish_request();
    bool write_bytes(std::string_view bytes);
    // A parser callback refusing the request: the reply to send, then close.
    int refuse_in_parser(int status, std::string_view code, std::string message);
    bool add_header_bytes(std::size_t n);

    static int on_message_begin(http_parser* p);
    static int on_url(http_parser* p, const char* at, std::size_t len);
    static int on_header_field(http_parser* p, const char* at, std::size_t len);
    static int on_header_value(http_parser* p, const char* at, std::size_t len);
    static int on_headers_complete(http_parser* p);
    static int on_body(http_parser* p, const char* at, std::size_t len);
    static int on_message_complete(http_parser* p);
    static const http_parser_settings& settings();

    static void alloc_cb(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf) noexcept;
    static void read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void close_cb(uv_handle_t* h) noexcept;

    HttpServer& m_server;
    uv_tcp_t m_tcp{};
    std::uint64_t m_id;
    ClosedFn m_on_closed;
    http_parser m_parser{};
    Phase m_phase = Phase::reading;
    bool m_in_pump = false;
    std::string m_inbuf;  // bytes read and not yet parsed (a request is being answered)
    // The request being parsed.
    HttpRequest m_req;
    std::string m_field;
    bool m_field_done = false;  // the last callback was a header value
    std::size_t m_header_bytes = 0;
    bool m_in_request = false;
    bool m_message_done = false;
    int m_refuse_status = 0;  // set by a parser callback that refused the request
    std::string m_refuse_code;
    std::string m_refuse_message;
    // The request being answered.
    Route m_route;
    bool m_keep_alive = true;
    json m_events = json::array();  // a logs command's backlog events
    std::uint64_t m_requests = 0;
    std::chrono::steady_clock::time_point m_request_t0{};  // when the request in hand was parsed
    std::uint64_t m_phase_since_ms = 0;  // accept, the last reply, or the first byte of a request
};

}  // namespace pm::http
