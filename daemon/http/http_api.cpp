// Routes of the web view and the mapping of API requests onto commands.
#include "daemon/http/http_api.hpp"

#include <fmt/format.h>

namespace pm::http {
namespace {

Route make_command(std::string cmd, json args, ResultShape shape = ResultShape::plain) {
    Route r;
    r.kind = RouteKind::command;
    r.handler = "api";
    r.cmd = std::move(cmd);
    r.args = std::move(args);
    r.shape = shape;
    return r;
}

Route wrong_method(std::string allow, std::string handler) {
    Route r;
    r.kind = RouteKind::method_not_allowed;
    r.allow = std::move(allow);
    r.handler = std::move(handler);
    return r;
}

Route bad(std::string what) {
    Route r;
    r.kind = RouteKind::bad_request;
    r.handler = "api";
    r.error = std::move(what);
    return r;
}

// GET api/v1/processes/SELECTOR/logs?lines=N&stream=out|err|both
Route logs_route(const HttpRequest& req, const std::string& selector) {
    json args{{"selector", selector}};
    if (auto it = req.query.find("lines"); it != req.query.end()) {
        const std::string& v = it->second;
        if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
            return bad("'lines' must be a number of lines");
        }
        args["lines"] = std::stoll(v);
    }
    if (auto it = req.query.find("stream"); it != req.query.end()) {
        args["stream"] = it->second;
    }
    for (const auto& [key, value] : req.query) {
        if (key != "lines" && key != "stream") {
            return bad(fmt::format("unknown query parameter '{}'", key.substr(0, 64)));
        }
    }
    return make_command("logs", std::move(args), ResultShape::logs);
}

Route processes_route(const HttpRequest& req, const std::vector<std::string>& s) {
    const bool get = req.method == "GET";
    const bool post = req.method == "POST";
    if (s.size() == 3) {  // api/v1/processes
        return get ? make_command("list", json::object()) : wrong_method("GET", "api");
    }
    const std::string& sel = s[3];
    if (s.size() == 4) {
        return get ? make_command("show", json{{"selector", sel}}, ResultShape::process) : wrong_method("GET", "api");
    }
    if (s.size() == 5) {
        const std::string& what = s[4];
        if (what == "logs") {
            return get ? logs_route(req, sel) : wrong_method("GET", "api");
        }
        if (what == "history") {
            return get ? make_command("show", json{{"selector", sel}}, ResultShape::history)
                       : wrong_method("GET", "api");
        }
        if (what == "start" || what == "stop" || what == "restart" || what == "reload") {
            if (!post) {
                return wrong_method("POST", "api");
            }
            // start takes the name of a stopped process; the others a selector.
            Route r = make_command(what, what == "start" ? json{{"name", sel}} : json{{"selector", sel}});
            r.action = true;
            return r;
        }
    }
    Route r;
    r.handler = "api";
    return r;
}

}  // namespace

Route route_request(const HttpRequest& req) {
    const auto& s = req.segments;
    const bool get = req.method == "GET";
    if (s.empty() || (s.size() == 1 && s[0] == "index.html")) {
        Route r;
        r.handler = "page";
        r.kind = RouteKind::page;
        return get ? r : wrong_method("GET", "page");
    }
    if (s.size() == 1 && s[0] == "metrics") {
        Route r;
        r.handler = "metrics";
        r.kind = RouteKind::metrics;
        return get ? r : wrong_method("GET", "metrics");
    }
    if (s.size() < 3 || s[0] != "api" || s[1] != "v1") {
        return Route{};
    }
    const std::string& top = s[2];
    if (top == "processes") {
        return processes_route(req, s);
    }
    if (s.size() == 3 && (top == "memoryStats" || top == "performanceStats")) {
        return get ? make_command(top, json::object()) : wrong_method("GET", "api");
    }
    if (s.size() == 3 && top == "session") {
        Route r;
        r.handler = "api";
        r.kind = RouteKind::session;
        return req.method == "POST" ? r : wrong_method("POST", "api");
    }
    if (s.size() == 3 && top == "events") {
        Route r;
        r.handler = "events";
        r.kind = RouteKind::events;
        return get ? r : wrong_method("GET", "events");
    }
    if (s.size() == 5 && top == "logs" && s[4] == "stream") {
        Route r;
        r.handler = "events";
        r.kind = RouteKind::log_stream;
        r.selector = s[3];
        return get ? r : wrong_method("GET", "events");
    }
    Route r;
    r.handler = "api";
    return r;
}

int status_for(ErrorCode code) { return status_for(to_string(code)); }

int status_for(std::string_view code) {
    if (code == "not_found") {
        return 404;
    }
    if (code == "bad_args" || code == "invalid_json" || code == "too_deep" || code == "line_too_long" ||
        code == "unknown_command" || code == "usage") {
        return 400;
    }
    if (code == "already_exists" || code == "busy") {
        return 409;
    }
    if (code == "limit_reached" || code == "unreachable") {
        return 503;
    }
    if (code == "timeout") {
        return 504;
    }
    if (code == "spawn_failed") {
        return 400;  // the program would not start: its message says why
    }
    return 500;
}

std::string error_body(std::string_view code, std::string_view message) {
    return json{{"error", {{"code", code}, {"message", message}}}}.dump(-1, ' ', false,
                                                                         json::error_handler_t::replace);
}

json shape_result(ResultShape shape, json result, json events) {
    switch (shape) {
        case ResultShape::plain:
            return result;
        case ResultShape::process:
            // `pm show --json` less the environment, which holds secrets.
            if (auto it = result.find("spec"); it != result.end() && it->is_object()) {
                it->erase("env");
            }
            return result;
        case ResultShape::history: {
            json out = json::array();
            if (auto it = result.find("instances"); it != result.end() && it->is_array()) {
                for (auto& inst : *it) {
                    out.push_back(json{{"id", inst.value("id", json())},
                                       {"name", inst.value("name", json())},
                                       {"history", inst.value("history", json::array())}});
                }
            }
            return json{{"instances", std::move(out)}};
        }
        case ResultShape::logs:
            result["events"] = std::move(events);
            return result;
    }
    return result;
}

}  // namespace pm::http
