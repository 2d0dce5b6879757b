// ReadinessProbe: the readiness pipe's reads and the TCP connect poll.
#include "daemon/supervisor/readiness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace pm::sup {

ReadinessProbe::ReadinessProbe(uv_loop_t* loop, ReadyFn on_ready)
    : m_loop(loop), m_on_ready(std::move(on_ready)) {
    uv::init_timer(m_loop, m_timer, this);
}

uv_stream_t* ReadinessProbe::make_fd_pipe() {
    m_pipe.close(true);
    uv_pipe_init(m_loop, m_pipe.get(), 0);
    m_pipe.initialised();
    m_pipe.get()->data = this;
    return reinterpret_cast<uv_stream_t*>(m_pipe.get());
}

void ReadinessProbe::start(int tcp_port) {
    if (m_pipe.is_initialised()) {
        uv_read_start(reinterpret_cast<uv_stream_t*>(m_pipe.get()), alloc_cb, read_cb);
    }
    m_tcp_port = tcp_port;
    if (tcp_port > 0) {
        uv_timer_start(m_timer.get(), timer_cb, 0, 100);
    }
}

void ReadinessProbe::stop() {
    uv_timer_stop(m_timer.get());
    m_pipe.close();
}

void ReadinessProbe::fire() {
    stop();
    if (m_on_ready) {
        m_on_ready();
    }
}

void ReadinessProbe::alloc_cb(uv_handle_t*, std::size_t, uv_buf_t* buf) noexcept {
    static char scratch[256];  // the content of the readiness line does not matter
    buf->base = scratch;
    buf->len = sizeof scratch;
}

void ReadinessProbe::read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* self = static_cast<ReadinessProbe*>(s->data);
    if (self == nullptr) {
        return;
    }
    if (nread > 0 && std::memchr(buf->base, '\n', static_cast<std::size_t>(nread)) != nullptr) {
        self->fire();
    } else if (nread < 0) {
        self->m_pipe.close();  // closed without a line: not ready (yet)
    }
}

void ReadinessProbe::timer_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<ReadinessProbe*>(t->data)) {
        self->poll_tcp();
    }
}

void ReadinessProbe::poll_tcp() {
    // A loopback connect answers at once (accepted or refused), so it can run
    // on the loop thread without stalling it.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(m_tcp_port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) {
        fire();
    }
}

}  // namespace pm::sup
