// Instance readiness: online when the child writes a line to its
// notification fd (s6-style), or when 127.0.0.1:port accepts a connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "daemon/log.hpp"
#include "daemon/supervisor/instance.hpp"

namespace pm::sup {

void Instance::start_readiness() {
    if (m_spec->ready_fd > 0) {
        uv_read_start(reinterpret_cast<uv_stream_t*>(m_ready_pipe.get()), ready_alloc_cb, ready_read_cb);
    }
    if (m_spec->ready_tcp > 0) {
        uv_timer_start(m_ready_timer.get(), ready_timer_cb, 0, 100);
    }
}

void Instance::stop_readiness() {
    uv_timer_stop(m_ready_timer.get());
    m_ready_pipe.close();
}

void Instance::on_ready() {
    stop_readiness();
    PM_LOG(info, "{}: ready", display_name());
    handle(ProcEvent::ready);
}

void Instance::ready_alloc_cb(uv_handle_t*, std::size_t, uv_buf_t* buf) noexcept {
    static char scratch[256];  // the content of the readiness line does not matter
    buf->base = scratch;
    buf->len = sizeof scratch;
}

void Instance::ready_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* self = static_cast<Instance*>(s->data);
    if (self == nullptr) {
        return;
    }
    if (nread > 0 && std::memchr(buf->base, '\n', static_cast<std::size_t>(nread)) != nullptr) {
        self->on_ready();
    } else if (nread < 0) {
        self->m_ready_pipe.close();  // closed without a line: not ready (yet)
    }
}

void Instance::ready_timer_cb(uv_timer_t* t) noexcept {
    auto* self = static_cast<Instance*>(t->data);
    if (self == nullptr || !self->m_pid) {
        return;
    }
    // A loopback connect answers at once (accepted or refused), so it can run
    // on the loop thread without stalling it.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(self->m_spec->ready_tcp));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) {
        self->on_ready();
    }
}

}  // namespace pm::sup
