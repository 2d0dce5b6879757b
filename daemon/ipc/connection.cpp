// Connection: framing in, bounded queue out, deferred free.
#include "daemon/ipc/connection.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "daemon/log.hpp"

namespace pm::ipc {

Connection::Connection(std::uint64_t id, ConnectionLimits limits, LineFn on_line, ClosedFn on_closed)
    : ClosingStream(reinterpret_cast<uv_stream_t*>(&m_pipe), close_cb),
      m_id(id),
      m_limits(limits),
      m_on_line(std::move(on_line)),
      m_on_closed(std::move(on_closed)),
      m_framer(limits.max_line) {
    m_pipe.data = this;
}

void Connection::start_reading() {
    m_last_read_ms = uv_now(m_pipe.loop);
    uv_read_start(stream(), alloc_cb, read_cb);
}

namespace {

// Reads complete synchronously on the loop thread, so all connections share
// one buffer; a connection costs no read buffer while idle.
char g_read_buf[64 * 1024];

}  // namespace

void Connection::alloc_cb(uv_handle_t*, std::size_t, uv_buf_t* buf) noexcept {
    buf->base = g_read_buf;
    buf->len = sizeof g_read_buf;
}

void Connection::read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
    if (auto* self = static_cast<Connection*>(s->data)) {
        self->on_read(nread, buf);
    }
}

void Connection::on_read(ssize_t nread, const uv_buf_t* buf) {
    if (nread < 0) {
        close();  // EOF or error: the client is gone
        return;
    }
    if (m_closing) {
        return;
    }
    m_last_read_ms = uv_now(m_pipe.loop);
    m_framer.feed(std::string_view(buf->base, static_cast<std::size_t>(nread)));
    std::string line;
    for (;;) {
        auto st = m_framer.next(line);
        if (st == LineFramer::Status::need_more) {
            break;
        }
        if (st == LineFramer::Status::overflow) {
            send(make_error(nullptr, Error{ErrorCode::line_too_long,
                                           fmt::format("request line exceeds {} bytes",
                                                       m_limits.max_line)}));
            close_after_flush();
            break;
        }
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty()) {
            continue;
        }
        ++m_requests;
        m_on_line(*this, line);
        if (m_closing) {
            break;
        }
    }
}

void Connection::send(const json& msg) { send_line(to_line(msg)); }

void Connection::send_line(std::string line) {
    if (m_closing) {
        return;
    }
    // Streaming clients get the larger stream limit for replies too.
    std::size_t limit = std::max(m_limits.max_queued, m_streaming ? m_limits.max_stream_queued : 0);
    if (m_writes.queued() + m_stream_batch.size() + line.size() > limit) {
        PM_LOG(warn, "client {}: not reading its replies ({} bytes queued), disconnecting", m_id,
               m_writes.queued());
        close();
        return;
    }
    flush_stream();  // keep order with stream lines sent earlier
    write_or_close(line);
}

StreamSend Connection::send_stream(std::string_view line) {
    if (m_closing) {
        return StreamSend::gone;
    }
    if (m_writes.queued() + m_stream_batch.size() + line.size() > m_limits.max_stream_queued) {
        return StreamSend::full;
    }
    bool was_empty = m_stream_batch.empty();
    m_stream_batch.append(line);
    if (was_empty && m_on_dirty) {
        m_on_dirty(*this);
    }
    return StreamSend::sent;
}

void Connection::flush_stream() {
    if (m_stream_batch.empty() || m_closing) {
        m_stream_batch.clear();
        return;
    }
    std::string batch = std::move(m_stream_batch);
    m_stream_batch.clear();
    write_or_close(batch);
}

void Connection::close_cb(uv_handle_t* h) noexcept {
    auto* self = static_cast<Connection*>(h->data);
    // Frees the connection: libuv has called every write callback by now.
    // The callback is moved out first because it destroys this object.
    ClosedFn fn = std::move(self->m_on_closed);
    fn(*self);
}

}  // namespace pm::ipc
