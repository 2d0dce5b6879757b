// Monitors: clients subscribed to the stats stream (`monitor`). After each
// sampler tick every subscriber gets one frame; with no subscriber a tick
// costs nothing here. Bounded like followers; slow readers miss frames.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/protocol.hpp"
#include "common/result.hpp"

namespace pm::ipc {

class Monitors {
public:
    using FrameFn = std::function<json()>;
    // Sends one line to a connection: false when it is gone.
    using SendFn = std::function<bool(std::uint64_t conn, std::string_view line)>;

    Monitors(std::size_t max_subscribers, FrameFn frame, SendFn send)
        : m_max(max_subscribers), m_frame(std::move(frame)), m_send(std::move(send)) {}

    Result<void> subscribe(std::uint64_t conn, json request_id);
    bool unsubscribe(std::uint64_t conn, const json& request_id);
    void drop_connection(std::uint64_t conn);
    // Called after each sampler tick.
    void publish();
    std::size_t count() const { return m_subs.size(); }
    std::uint64_t frames_sent() const { return m_frames; }

private:
    struct Sub {
        std::uint64_t conn;
        json request_id;
    };
    std::size_t m_max;
    FrameFn m_frame;
    SendFn m_send;
    std::vector<Sub> m_subs;
    std::uint64_t m_frames = 0;
};

}  // namespace pm::ipc
