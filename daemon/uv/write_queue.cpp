// WriteQueue: try_write first, then an owned uv_write.
#include "daemon/uv/write_queue.hpp"

namespace pm::uv {

bool WriteQueue::write(std::string_view bytes) {
    if (m_queued == 0) {
        // Fast path: nothing queued, so writing now keeps the order.
        uv_buf_t b = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
        int n = uv_try_write(m_stream, &b, 1);
        if (n == static_cast<int>(bytes.size())) {
            return true;
        }
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
        } else if (n != UV_EAGAIN) {
            return false;
        }
    }
    auto* r = new Req{};
    r->bytes.assign(bytes);
    r->queue = this;
    r->req.data = r;
    uv_buf_t b = uv_buf_init(r->bytes.data(), static_cast<unsigned>(r->bytes.size()));
    if (uv_write(&r->req, m_stream, &b, 1, write_cb) != 0) {
        delete r;
        return false;
    }
    m_queued += r->bytes.size();
    return true;
}

void WriteQueue::write_cb(uv_write_t* req, int status) noexcept {
    auto* r = static_cast<Req*>(req->data);
    WriteQueue* q = r->queue;
    q->m_queued -= r->bytes.size();
    delete r;
    if (q->m_done) {
        q->m_done(status);
    }
}

}  // namespace pm::uv
