// OutputPipe: the read end of one child stream (stdout or stderr). Reads in
// large chunks into a shared buffer and feeds the instance's channel, looked
// up by id on every read because the pipe may outlive the instance (a
// grandchild can hold it open). Owned by the LogHub.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

#include "common/ring_buffer.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::logs {

class OutputPipe {
public:
    // on_data(instance id, stream, bytes); on_eof(instance id, stream, pipe).
    using DataFn = std::function<void(std::uint64_t, LogStream, std::string_view)>;
    using EofFn = std::function<void(std::uint64_t, LogStream, OutputPipe&)>;

    OutputPipe(uv_loop_t* loop, std::uint64_t instance_id, LogStream stream, DataFn on_data, EofFn on_eof);

    uv_pipe_t* pipe() { return m_pipe.get(); }
    // Called after a successful spawn.
    void start();
    void close() { m_pipe.close(); }
    bool open() const { return m_pipe.is_initialised(); }

private:
    static void alloc_cb(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf) noexcept;
    static void read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;

    uv::Handle<uv_pipe_t> m_pipe;
    std::uint64_t m_instance_id;
    LogStream m_stream;
    DataFn m_on_data;
    EofFn m_on_eof;
};

}  // namespace pm::logs
