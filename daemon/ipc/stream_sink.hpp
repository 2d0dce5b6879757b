// StreamSink: how one kind of client receives stream events (the control
// socket's NDJSON lines today, HTTP/SSE clients next). The subscription
// registry decides what each subscriber gets; the sink encodes and queues.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/protocol.hpp"

namespace pm::ipc {

// The one send result of every stream: queued, not queued because the
// client's bounded queue is full (the subscriber misses it), or the client is
// gone (its subscriptions end).
enum class StreamSend { sent, full, gone };

class StreamSink {
public:
    // One event in this kind of client's wire form. Called once per distinct
    // request id for a fanned-out line, on the loop thread.
    virtual std::string encode(const json& request_id, std::string_view event, json data) const = 0;
    // Queues encoded bytes for one client of this kind; never blocks.
    virtual StreamSend send(std::uint64_t client, std::string_view bytes) = 0;

protected:
    ~StreamSink() = default;
};

}  // namespace pm::ipc
