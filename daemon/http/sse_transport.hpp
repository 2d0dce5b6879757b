// SseTransport: one HTTP connection turned into an event stream, as the SSE
// hub sees it. The HTTP server implements it; the hub (sse_hub) writes events
// through it. SseRequest: what the server parsed out of the request for it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "daemon/ipc/stream_sink.hpp"

namespace pm::http {

class SseTransport {
public:
    // Unique among the server's connections for the daemon's life.
    virtual std::uint64_t id() const = 0;
    // Sends the 200 head (text/event-stream, no-store, X-Accel-Buffering: no,
    // the security headers); the hub calls it once, before any event.
    virtual void start() = 0;
    // Queues bytes on the socket, never blocking: full when the connection's
    // queue is past its stream bound (nothing queued), gone once closed.
    virtual ipc::StreamSend write(std::string_view bytes) = 0;
    // Bytes queued on the socket and not yet written.
    virtual std::size_t queued_bytes() const = 0;
    // Ends the stream and closes the connection (a stalled client).
    virtual void close() = 0;

protected:
    ~SseTransport() = default;
};

struct SseRequest {
    enum class Kind { events, logs };  // /api/v1/events, /api/v1/logs/SELECTOR/stream
    Kind kind = Kind::events;
    std::string selector;                      // logs: the SELECTOR of the path, decoded
    std::map<std::string, std::string> query;  // decoded query parameters
    std::string last_event_id;                 // the Last-Event-ID header, or ?last_event_id=
};

}  // namespace pm::http
