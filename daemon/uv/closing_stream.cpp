// ClosingStream: close now, or once the write queue is empty.
#include "daemon/uv/closing_stream.hpp"

namespace pm::uv {

ClosingStream::ClosingStream(uv_stream_t* stream, uv_close_cb close_cb)
    : m_writes(stream, [this](int status) { on_write_done(status); }), m_stream(stream), m_close_cb(close_cb) {}

bool ClosingStream::write_or_close(std::string_view bytes) {
    if (!m_writes.write(bytes)) {
        close();
        return false;
    }
    return true;
}

void ClosingStream::on_write_done(int status) {
    if (status != 0) {
        close();  // EPIPE and friends: the client vanished mid-reply
        return;
    }
    if (m_close_when_flushed && m_writes.queued() == 0) {
        close();
    }
}

void ClosingStream::close_after_flush() {
    if (m_closing) {
        return;
    }
    uv_read_stop(m_stream);
    m_close_when_flushed = true;
    if (m_writes.queued() == 0) {
        close();
    }
}

void ClosingStream::close() {
    if (m_closing) {
        return;
    }
    m_closing = true;
    uv_read_stop(m_stream);
    uv_close(reinterpret_cast<uv_handle_t*>(m_stream), m_close_cb);
}

}  // namespace pm::uv
