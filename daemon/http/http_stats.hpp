// Counters of the HTTP listener and its event streams, for performanceStats
// and /metrics. Owned by the composition root; the server and the SSE hub
// write them, the renderers read them. Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "common/histogram.hpp"

namespace pm::http {

struct HttpStats {
    // Connections.
    std::uint64_t connections_total = 0;    // accepted
    std::uint64_t connections_open = 0;     // now (gauge)
    std::uint64_t refused_connections = 0;  // 503: past the connection cap
    // Refusals, each a limit or a check of the server.
    std::uint64_t refused_header_size = 0;  // 431: headers past the cap
    std::uint64_t refused_body_size = 0;    // 413: body past the cap
    std::uint64_t refused_host = 0;         // 421: Host names nothing of ours
    std::uint64_t refused_origin = 0;       // 403: cross-origin request
    std::uint64_t refused_token = 0;        // 401: no or wrong token
    std::uint64_t bad_requests = 0;         // 400: unparsable HTTP
    std::uint64_t timeouts_header = 0;      // closed: headers too slow
    std::uint64_t timeouts_idle = 0;        // closed: keep-alive idle
    // Requests answered, by handler ("page", "metrics", "api", "events",
    // "other") and status code.
    std::map<std::pair<std::string, int>, std::uint64_t> requests;
    // Time from a request's last header byte to its reply queued, in us
    // (every request but event streams): /metrics' request latency histogram.
    Histogram request_latency;
    // Event streams (SSE).
    std::uint64_t sse_clients = 0;              // now (gauge)
    std::uint64_t sse_refused_limit = 0;        // 503: past the SSE client cap
    std::uint64_t sse_events_sent = 0;
    std::uint64_t sse_events_dropped = 0;       // not queued: the client's queue was full
    std::uint64_t sse_disconnects_closed = 0;   // the client left
    std::uint64_t sse_disconnects_slow = 0;     // closed by pmd: stalled past its bound
    std::uint64_t sse_log_lines_missed = 0;     // log lines clients never got (`gap` events)
};

}  // namespace pm::http
