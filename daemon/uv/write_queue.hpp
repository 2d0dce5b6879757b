// WriteQueue: a stream's outgoing bytes, never blocking. uv_try_write when
// nothing is queued; what it could not write (or everything, once bytes are
// queued, to keep order) goes to uv_write as an owned copy. Shared by the
// control socket's Connection and the web view's HttpConn.
// The owner frees it only in the stream's close callback: libuv has called
// every write callback by then.
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace pm::uv {

class WriteQueue {
public:
    // Called when a queued write completes (queued() already reduced); a
    // non-zero status means the peer is gone.
    using DoneFn = std::function<void(int status)>;

    WriteQueue(uv_stream_t* stream, DoneFn done) : m_stream(stream), m_done(std::move(done)) {}
    WriteQueue(const WriteQueue&) = delete;
    WriteQueue& operator=(const WriteQueue&) = delete;

    // Writes or queues `bytes`; false when the stream refused them (the
    // owner closes it).
    bool write(std::string_view bytes);
    // Bytes handed to libuv and not yet written.
    std::size_t queued() const { return m_queued; }

private:
    struct Req {
        uv_write_t req;
        std::string bytes;
        WriteQueue* queue;
    };
    static void write_cb(uv_write_t* req, int status) noexcept;

    uv_stream_t* m_stream;
    DoneFn m_done;
    std::size_t m_queued = 0;
};

}  // namespace pm::uv
