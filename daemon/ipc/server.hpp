// Server: the control socket. Binds $PM_HOME/pmd.sock (0600), accepts
// clients of our own uid only (SO_PEERCRED), enforces the connection limit,
// and owns every Connection until its close callback.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "daemon/ipc/connection.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::ipc {

struct ServerLimits {
    std::size_t max_connections = 256;
    // A client that has not completed a request (none yet, or a line left
    // unfinished) for this long is disconnected, so stuck clients cannot
    // hold every slot. Streaming clients are exempt. 0: never.
    std::uint64_t idle_timeout_ms = 60000;
    ConnectionLimits connection;
};

struct ServerStats {
    std::uint64_t accepted = 0;
    std::uint64_t rejected_limit = 0;
    std::uint64_t rejected_peer = 0;
    std::uint64_t idle_closed = 0;
    std::size_t peak = 0;
};

class Server final : public ClientDirectory {
public:
    using LineFn = Connection::LineFn;
    using ClosedFn = std::function<void(std::uint64_t conn_id)>;

    Server(uv_loop_t* loop, ServerLimits limits, LineFn on_line);
    // Called when a client's connection is gone (subscriptions end).
    void on_closed(ClosedFn fn) { m_on_closed = std::move(fn); }
    ~Server();

    // Binds and listens. The caller holds the daemon lock, so a leftover
    // socket file is stale and replaced.
    Result<void> listen(const std::string& path);
    // Stops accepting new clients (shutdown has begun).
    void stop_listening();
    // Flushes and closes every connection.
    void close_all();

    Connection* find(std::uint64_t id);
    Client* find_client(std::uint64_t id) override { return find(id); }
    std::size_t connection_count() const { return m_conns.size(); }
    std::size_t queued_bytes() const;
    std::size_t buffered_bytes() const;
    const ServerStats& stats() const { return m_stats; }

private:
    void on_connection(int status);
    bool peer_allowed(Connection& c);
    static void connection_cb(uv_stream_t* s, int status) noexcept;
    static void flush_cb(uv_check_t* c) noexcept;
    static void idle_cb(uv_timer_t* t) noexcept;
    void close_idle();
    void flush_dirty();

    uv_loop_t* m_loop;
    ServerLimits m_limits;
    LineFn m_on_line;
    ClosedFn m_on_closed;
    uv::Handle<uv_pipe_t> m_listener;
    std::map<std::uint64_t, std::unique_ptr<Connection>> m_conns;
    std::uint64_t m_next_id = 1;
    std::vector<std::uint64_t> m_dirty;   // connections with batched stream bytes
    uv::Handle<uv_check_t> m_flush_check;  // runs after this iteration's reads
    uv::Handle<uv_timer_t> m_idle_timer;   // sweeps for idle clients (unref'd)
    ServerStats m_stats;
};

}  // namespace pm::ipc
