// Connection: one client on the control socket. Frames request lines, hands
// them to the dispatcher, and writes replies through a byte-bounded queue.
// The object is freed only in the pipe's close callback (after libuv has
// returned every pending write), never from inside its own read callback;
// uv::ClosingStream holds the write queue and the close.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/line_framer.hpp"
#include "common/protocol.hpp"
#include "daemon/ipc/client.hpp"
#include "daemon/ipc/stream_sink.hpp"
#include "daemon/uv/closing_stream.hpp"

namespace pm::ipc {

struct ConnectionLimits {
    std::size_t max_line = k_max_line_bytes;
    std::size_t max_queued = 1024 * 1024;         // request/reply clients
    std::size_t max_stream_queued = 4 * 1024 * 1024;  // followers and monitors
};

class Connection final : public Client, public uv::ClosingStream {
public:
    using LineFn = std::function<void(Connection&, std::string_view)>;
    using ClosedFn = std::function<void(Connection&)>;
    using DirtyFn = std::function<void(Connection&)>;

    Connection(std::uint64_t id, ConnectionLimits limits, LineFn on_line, ClosedFn on_closed);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Called by the server right after accept; starts reading.
    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&m_pipe); }
    uv_pipe_t* pipe() { return &m_pipe; }
    void start_reading();

    // Queues one message. Over the queue limit the client is disconnected
    // (it is not reading; the daemon must not grow for it).
    void send(const json& msg) override;
    void send_line(std::string line) override;
    // For stream events (through SocketSink): over the stream queue limit the
    // line is not queued and `full` is returned; the registry counts what was missed.
    // Stream lines are batched and written by flush_stream() (the server
    // runs it once per loop iteration), one write for many lines.
    StreamSend send_stream(std::string_view line);
    void flush_stream();
    // close() and close_after_flush() (once queued replies are written) come
    // from uv::ClosingStream, with closing().
    void set_on_closed(ClosedFn fn) { m_on_closed = std::move(fn); }
    // Called when stream bytes are waiting for flush_stream().
    void set_on_dirty(DirtyFn fn) { m_on_dirty = std::move(fn); }

    std::uint64_t id() const override { return m_id; }
    // Called by dispatch before a streaming command's handler runs.
    void set_streaming() { m_streaming = true; }
    // No complete request (none yet, or a line left unfinished) for
    // `timeout_ms` and not streaming: a stuck or half-open client.
    bool idle_expired(std::uint64_t now_ms, std::uint64_t timeout_ms) const {
        return !m_streaming && !m_closing && (m_requests == 0 || m_framer.buffered() > 0) &&
               now_ms - m_last_read_ms >= timeout_ms;
    }
    std::size_t queued_bytes() const { return m_writes.queued() + m_stream_batch.size(); }
    std::size_t buffered_bytes() const { return m_framer.buffered(); }

private:
    void on_read(ssize_t nread, const uv_buf_t* buf);

    static void alloc_cb(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf) noexcept;
    static void read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void close_cb(uv_handle_t* h) noexcept;

    uv_pipe_t m_pipe{};
    std::uint64_t m_id;
    ConnectionLimits m_limits;
    LineFn m_on_line;
    ClosedFn m_on_closed;
    LineFramer m_framer;
    bool m_streaming = false;  // issued a streaming command: the stream queue limit applies
    std::uint64_t m_requests = 0;      // complete request lines received
    std::uint64_t m_last_read_ms = 0;  // loop time of the last bytes received
    std::string m_stream_batch;  // stream lines not yet handed to libuv
    DirtyFn m_on_dirty;
};

}  // namespace pm::ipc
