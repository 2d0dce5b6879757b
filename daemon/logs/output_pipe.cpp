// OutputPipe: uv_read_start with one loop-wide buffer.
#include "daemon/logs/output_pipe.hpp"

#include <fcntl.h>

namespace pm::logs {
namespace {

// Reads are synchronous on the one loop thread (alloc_cb is followed by its
// read_cb before any other read), so every pipe can share one large buffer.
constexpr std::size_t k_read_buffer = 256 * 1024;
constexpr int k_pipe_size = 1024 * 1024;
char g_read_buffer[k_read_buffer];

}  // namespace

OutputPipe::OutputPipe(uv_loop_t* loop, std::uint64_t instance_id, LogStream stream, DataFn on_data,
                       EofFn on_eof)
    : m_instance_id(instance_id), m_stream(stream), m_on_data(std::move(on_data)), m_on_eof(std::move(on_eof)) {
    uv_pipe_init(loop, m_pipe.get(), 0);
    m_pipe.initialised();
    m_pipe.get()->data = this;
}

void OutputPipe::start() {
    // A larger pipe lets a fast writer run ahead between our reads (fewer
    // wake-ups, fewer blocked writes); failure just keeps the default.
    uv_os_fd_t fd = -1;
    if (uv_fileno(m_pipe.handle(), &fd) == 0) {
        ::fcntl(fd, F_SETPIPE_SZ, k_pipe_size);
    }
    uv_read_start(reinterpret_cast<uv_stream_t*>(m_pipe.get()), alloc_cb, read_cb);
}

void OutputPipe::alloc_cb(uv_handle_t*, std::size_t, uv_buf_t* buf) noexcept {
    buf->base = g_read_buffer;
    buf->len = k_read_buffer;
}

void OutputPipe::read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* self = static_cast<OutputPipe*>(s->data);
    if (self == nullptr) {
        return;
    }
    if (nread > 0) {
        self->m_on_data(self->m_instance_id, self->m_stream,
                        std::string_view(buf->base, static_cast<std::size_t>(nread)));
    } else if (nread < 0) {
        uv_read_stop(s);
        self->m_on_eof(self->m_instance_id, self->m_stream, *self);
    }
}

}  // namespace pm::logs
