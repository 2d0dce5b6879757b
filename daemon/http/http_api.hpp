// The web view's routes: which request is which endpoint, the socket
// command an API request runs (the API is the socket protocol's own JSON:
// one encoder for both), the status of each protocol error, and the reshaping
// of a few results for HTTP (environment variables never leave pmd over HTTP).
#pragma once

#include <string>

#include "common/error.hpp"
#include "common/protocol.hpp"
#include "daemon/http/http_request.hpp"

namespace pm::http {

enum class RouteKind {
    page,        // GET /: the embedded page (no token needed; it holds no data)
    metrics,     // GET /metrics
    session,     // POST api/v1/session: sets the token cookie
    command,     // an API request run as a socket command
    events,      // GET api/v1/events (SSE)
    log_stream,  // GET api/v1/logs/SELECTOR/stream (SSE)
    not_found,
    method_not_allowed,
    bad_request,
};

// How a command's result becomes the HTTP body.
enum class ResultShape {
    plain,    // as it is
    process,  // show: without the spec's `env`
    history,  // show: each instance's id, name and history only
    logs,     // logs: the backlog events collected, with the reply's counts
};

struct Route {
    RouteKind kind = RouteKind::not_found;
    std::string handler = "other";  // label for counters: page, metrics, api, events, other
    std::string cmd;                // command: the socket command
    json args = json::object();     // command: its arguments
    ResultShape shape = ResultShape::plain;
    bool action = false;            // a POST that changes something (refused when read-only)
    std::string selector;           // log_stream: the SELECTOR of the path
    std::string allow;              // method_not_allowed: the Allow header's value
    std::string error;              // bad_request: what is wrong
};

// Pure. The route of a request whose target is parsed (segments, query).
Route route_request(const HttpRequest& req);
// Pure. The HTTP status of a protocol error code.
int status_for(ErrorCode code);
int status_for(std::string_view code_name);
// Pure. `{"error":{"code":CODE,"message":TEXT}}`.
std::string error_body(std::string_view code, std::string_view message);
// Pure. The body of a command's result in the route's shape; `events` holds
// the stream events a logs command sent before its reply.
json shape_result(ResultShape shape, json result, json events);

}  // namespace pm::http
