// ReadinessProbe: tells an Instance that its child is ready, s6-style (a
// line on a notification fd) or by a TCP port on 127.0.0.1 that accepts.
// Owns the pipe and the poll timer; knows nothing of states. Loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

#include "daemon/uv/handle.hpp"

namespace pm::sup {

class ReadinessProbe {
public:
    using ReadyFn = std::function<void()>;

    ReadinessProbe(uv_loop_t* loop, ReadyFn on_ready);
    ReadinessProbe(const ReadinessProbe&) = delete;
    ReadinessProbe& operator=(const ReadinessProbe&) = delete;

    // Before a spawn with a readiness fd: a fresh pipe whose write end the
    // child gets. Dropped again by stop() when the spawn fails.
    uv_stream_t* make_fd_pipe();
    // After a successful spawn: read the pipe (when one was made), and poll
    // 127.0.0.1:tcp_port every 100 ms when tcp_port > 0.
    void start(int tcp_port);
    // Exit, spawn failure or ready: no on_ready after this.
    void stop();

private:
    void fire();
    void poll_tcp();
    static void read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void alloc_cb(uv_handle_t* h, std::size_t, uv_buf_t* buf) noexcept;
    static void timer_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    ReadyFn m_on_ready;
    int m_tcp_port = 0;
    uv::Handle<uv_pipe_t> m_pipe;
    uv::Handle<uv_timer_t> m_timer;
};

}  // namespace pm::sup
