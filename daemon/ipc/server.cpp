// Server: listen, accept, peer check, connection limit.
#include "daemon/ipc/server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "daemon/error_log.hpp"
#include "daemon/log.hpp"
#include "daemon/uv/error.hpp"

namespace pm::ipc {

Server::Server(uv_loop_t* loop, ServerLimits limits, LineFn on_line)
    : m_loop(loop), m_limits(limits), m_on_line(std::move(on_line)) {
    uv_check_init(m_loop, m_flush_check.get());
    m_flush_check.initialised();
    m_flush_check.get()->data = this;
    uv::init_timer(m_loop, m_idle_timer, this);
    if (m_limits.idle_timeout_ms > 0) {
        std::uint64_t every = std::clamp<std::uint64_t>(m_limits.idle_timeout_ms / 4, 10, 5000);
        uv_timer_start(m_idle_timer.get(), idle_cb, every, every);
        uv_unref(m_idle_timer.handle());
    }
}

void Server::idle_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<Server*>(t->data)) {
        self->close_idle();
    }
}

void Server::close_idle() {
    std::uint64_t now = uv_now(m_loop);
    for (auto& [id, c] : m_conns) {
        if (c->idle_expired(now, m_limits.idle_timeout_ms)) {
            ++m_stats.idle_closed;
            PM_LOG(info, "client {}: no complete request for {}ms, disconnecting", id, m_limits.idle_timeout_ms);
            c->send(make_error(nullptr, Error{ErrorCode::timeout,
                                              fmt::format("no complete request within {}ms", m_limits.idle_timeout_ms)}));
            c->close_after_flush();
        }
    }
}

void Server::flush_cb(uv_check_t* c) noexcept {
    if (auto* self = static_cast<Server*>(c->data)) {
        self->flush_dirty();
    }
}

void Server::flush_dirty() {
    uv_check_stop(m_flush_check.get());
    std::vector<std::uint64_t> dirty;
    dirty.swap(m_dirty);
    for (auto id : dirty) {
        if (Connection* c = find(id)) {
            c->flush_stream();
        }
    }
}

Server::~Server() {
    stop_listening();
    // Connections still open at destruction are closed; their memory is
    // released in close_cb, which needs this map: detach them first.
    // Connections still open are orphaned: each frees itself in its close_cb.
    for (auto& [id, c] : m_conns) {
        Connection* raw = c.release();
        raw->set_on_closed([](Connection& self) { delete &self; });
        raw->close();
    }
}

Result<void> Server::listen(const std::string& path) {
    uv_pipe_init(m_loop, m_listener.get(), 0);
    m_listener.initialised();
    m_listener.get()->data = this;
    ::unlink(path.c_str());  // stale socket of a dead daemon: we hold the lock
    mode_t old = ::umask(0177);
    int rc = uv_pipe_bind(m_listener.get(), path.c_str());
    ::umask(old);
    if (rc != 0) {
        return uv::uv_error(fmt::format("unable to bind {}", path), rc);
    }
    ::chmod(path.c_str(), 0600);
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(m_listener.get()), 128, connection_cb);
    if (rc != 0) {
        return uv::uv_error(fmt::format("unable to listen on {}", path), rc);
    }
    return {};
}

void Server::stop_listening() { m_listener.close(); }

void Server::close_all() {
    for (auto& [id, c] : m_conns) {
        c->close_after_flush();
    }
}

Connection* Server::find(std::uint64_t id) {
    auto it = m_conns.find(id);
    if (it == m_conns.end() || it->second == nullptr || it->second->closing()) {
        return nullptr;
    }
    return it->second.get();
}

std::size_t Server::queued_bytes() const {
    std::size_t n = 0;
    for (const auto& [id, c] : m_conns) {
        if (c) {
            n += c->queued_bytes();
        }
    }
    return n;
}

std::size_t Server::buffered_bytes() const {
    std::size_t n = 0;
    for (const auto& [id, c] : m_conns) {
        if (c) {
            n += c->buffered_bytes();
        }
    }
    return n;
}

void Server::connection_cb(uv_stream_t* s, int status) noexcept {
    if (auto* self = static_cast<Server*>(s->data)) {
        self->on_connection(status);
    }
}

bool Server::peer_allowed(Connection& c) {
    uv_os_fd_t fd = -1;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(c.pipe()), &fd) != 0) {
        return false;
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return false;
    }
    if (cred.uid == geteuid() || cred.uid == 0) {
        return true;
    }
    report_error(ErrorKind::client_rejected,
                 fmt::format("refused client pid {} uid {}: not our uid", cred.pid, cred.uid));
    return false;
}

void Server::on_connection(int status) {
    if (status != 0) {
        // libuv sheds load on EMFILE itself (its reserve-fd trick).
        PM_LOG(warn, "unable to accept a client: {}", uv_strerror(status));
        return;
    }
    std::uint64_t id = m_next_id++;
    auto conn = std::make_unique<Connection>(
        id, m_limits.connection, m_on_line, [this](Connection& c) {
            std::uint64_t cid = c.id();
            m_conns.erase(cid);
            if (m_on_closed) {
                m_on_closed(cid);
            }
        });
    uv_pipe_init(m_loop, conn->pipe(), 0);
    conn->set_on_dirty([this](Connection& c) {
        m_dirty.push_back(c.id());
        uv_check_start(m_flush_check.get(), flush_cb);
    });
    Connection* raw = conn.get();
    m_conns.emplace(id, std::move(conn));
    if (uv_accept(reinterpret_cast<uv_stream_t*>(m_listener.get()), raw->stream()) != 0) {
        raw->close();
        return;
    }
    if (!peer_allowed(*raw)) {
        ++m_stats.rejected_peer;
        raw->close();
        return;
    }
    if (m_conns.size() > m_limits.max_connections) {
        ++m_stats.rejected_limit;
        report_error(ErrorKind::client_rejected,
                     fmt::format("refused a client: {} connections is the limit", m_limits.max_connections));
        raw->send(make_error(nullptr, Error{ErrorCode::limit_reached,
                                            fmt::format("too many connections (limit {})",
                                                        m_limits.max_connections)}));
        raw->close_after_flush();
        return;
    }
    ++m_stats.accepted;
    m_stats.peak = std::max(m_stats.peak, m_conns.size());
    raw->start_reading();
}

}  // namespace pm::ipc
