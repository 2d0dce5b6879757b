// ClosingStream: the outgoing bytes and the close of one client stream,
// shared by the control socket's Connection and the web view's HttpConn (a
// base class of both). close() stops reading and closes the handle;
// close_after_flush() stops reading and closes once every queued byte is
// written; a refused or failed write closes. The owner's close callback,
// given here, runs once libuv is done with the handle (it has called every
// write callback by then) and frees the owner.
#pragma once

#include <uv.h>

#include <string_view>

#include "daemon/uv/write_queue.hpp"

namespace pm::uv {

class ClosingStream {
public:
    ClosingStream(const ClosingStream&) = delete;
    ClosingStream& operator=(const ClosingStream&) = delete;

    void close();
    void close_after_flush();
    bool closing() const { return m_closing; }

protected:
    // `stream` is the owner's handle (not yet initialised: only its address
    // is kept); `close_cb` is called with it once closed.
    ClosingStream(uv_stream_t* stream, uv_close_cb close_cb);
    ~ClosingStream() = default;

    // Writes or queues `bytes`; false when the stream refused them and is
    // now closing.
    bool write_or_close(std::string_view bytes);

    WriteQueue m_writes;
    bool m_closing = false;
    bool m_close_when_flushed = false;

private:
    void on_write_done(int status);

    uv_stream_t* m_stream;
    uv_close_cb m_close_cb;
};

}  // namespace pm::uv
