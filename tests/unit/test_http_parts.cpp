// The web view's pure parts: URL decoding, the listen address, Host/Origin
// and token checks, routes, statuses, and what never leaves pmd over HTTP.
#include <doctest/doctest.h>

#include "daemon/http/http_api.hpp"
#include "daemon/http/http_request.hpp"
#include "daemon/http/http_security.hpp"

using namespace pm;
using namespace pm::http;

namespace {

HttpRequest request(std::string method, const std::string& target) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = target;
    REQUIRE(parse_target(target, r));
    return r;
}

}  // namespace

TEST_SUITE("http/parts") {

TEST_CASE("http: percent-decoding refuses bad escapes and NUL, and '+' is a space only in queries") {
    CHECK(percent_decode("a%20b", false) == "a b");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("a+b", true) == "a b");
    CHECK(percent_decode("%2F", false) == "/");
    CHECK_FALSE(percent_decode("%", false));
    CHECK_FALSE(percent_decode("%4", false));
    CHECK_FALSE(percent_decode("%zz", false));
    CHECK_FALSE(percent_decode("a%00b", false));
}

TEST_CASE("http: a target splits into decoded segments and query parameters, within bounds") {
    HttpRequest r = request("GET", "/api/v1/processes/my%2Fapp/logs?lines=5&stream=err&x=a+b");
    CHECK(r.segments == std::vector<std::string>{"api", "v1", "processes", "my/app", "logs"});
    CHECK(r.query.at("lines") == "5");
    CHECK(r.query.at("x") == "a b");
    HttpRequest root = request("GET", "/");
    CHECK(root.segments.empty());
    HttpRequest bad;
    CHECK_FALSE(parse_target("no-slash", bad));
    CHECK_FALSE(parse_target("/a%zz", bad));
    std::string many = "/";
    for (int i = 0; i < 70; ++i) {
        many += "s/";
    }
    CHECK_FALSE(parse_target(many, bad));
    std::string params = "/x?";
    for (int i = 0; i < 70; ++i) {
        params += "k" + std::to_string(i) + "=v&";
    }
    CHECK_FALSE(parse_target(params, bad));
}

TEST_CASE("http: cookies are found by exact name") {
    CHECK(cookie_value("a=1; pm_token=abc; b=2", "pm_token") == "abc");
    CHECK(cookie_value("xpm_token=abc", "pm_token") == std::nullopt);
    CHECK(cookie_value("", "pm_token") == std::nullopt);
}

TEST_CASE("http: listen addresses default to loopback, take IPv6 in brackets and refuse names") {
    auto a = parse_listen_address("9615");
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 9615);
    auto b = parse_listen_address("[::1]:0");
    REQUIRE(b);
    CHECK(b->host == "::1");
    CHECK(authority(*b) == "[::1]:0");
    CHECK(parse_listen_address("0.0.0.0:80"));
    CHECK_FALSE(parse_listen_address("localhost:80"));
    CHECK_FALSE(parse_listen_address("127.0.0.1:99999"));
    CHECK_FALSE(parse_listen_address("127.0.0.1:"));
    CHECK_FALSE(parse_listen_address("[::1"));
    CHECK(is_loopback("127.0.0.1"));
    CHECK(is_loopback("127.1.2.3"));
    CHECK(is_loopback("::1"));
    CHECK_FALSE(is_loopback("0.0.0.0"));
    CHECK_FALSE(is_loopback("192.168.1.2"));
    CHECK_FALSE(is_loopback("::"));
}

TEST_CASE("http: Host must name this server, Origin must be this origin") {
    auto allowed = allowed_hosts(ListenAddress{"127.0.0.1", 9615}, {"pm.example"});
    std::string ok1 = "127.0.0.1:9615", ok2 = "LOCALHOST:9615", ok3 = "pm.example", bad1 = "evil.example:9615",
                bad2 = "127.0.0.1:9616";
    CHECK(host_allowed(&ok1, allowed));
    CHECK(host_allowed(&ok2, allowed));
    CHECK(host_allowed(&ok3, allowed));
    CHECK_FALSE(host_allowed(&bad1, allowed));
    CHECK_FALSE(host_allowed(&bad2, allowed));
    CHECK_FALSE(host_allowed(nullptr, allowed));
    std::string same = "http://127.0.0.1:9615", other = "http://evil.example";
    CHECK(origin_allowed(nullptr, &ok1));
    CHECK(origin_allowed(&same, &ok1));
    CHECK_FALSE(origin_allowed(&other, &ok1));
    CHECK_FALSE(origin_allowed(&same, nullptr));
}

TEST_CASE("http: the token comes from Bearer or the cookie and compares whole") {
    HttpRequest r;
    r.headers = {{"authorization", "Bearer abc"}};
    CHECK(request_token(r) == "abc");
    r.headers = {{"cookie", "pm_token=def"}};
    CHECK(request_token(r) == "def");
    r.headers = {{"authorization", "Basic abc"}};
    CHECK(request_token(r).empty());
    CHECK(token_matches("abc", "abc"));
    CHECK_FALSE(token_matches("abd", "abc"));
    CHECK_FALSE(token_matches("ab", "abc"));
    CHECK_FALSE(token_matches("", ""));
}

TEST_CASE("http: routes map onto socket commands, wrong methods are 405") {
    Route list = route_request(request("GET", "/api/v1/processes"));
    CHECK(list.kind == RouteKind::command);
    CHECK(list.cmd == "list");
    Route stop = route_request(request("POST", "/api/v1/processes/web/stop"));
    CHECK(stop.cmd == "stop");
    CHECK(stop.args == json{{"selector", "web"}});
    CHECK(stop.action);
    CHECK(route_request(request("POST", "/api/v1/processes/web/start")).args == json{{"name", "web"}});
    Route get_stop = route_request(request("GET", "/api/v1/processes/web/stop"));
    CHECK(get_stop.kind == RouteKind::method_not_allowed);
    CHECK(get_stop.allow == "POST");
    CHECK(route_request(request("DELETE", "/")).kind == RouteKind::method_not_allowed);
    Route logs = route_request(request("GET", "/api/v1/processes/web/logs?lines=3&stream=err"));
    CHECK(logs.args == json{{"selector", "web"}, {"lines", 3}, {"stream", "err"}});
    CHECK(logs.args.count("follow") == 0);  // never a follow: HTTP streams through SSE
    CHECK(route_request(request("GET", "/api/v1/processes/web/logs?follow=1")).kind == RouteKind::bad_request);
    CHECK(route_request(request("GET", "/api/v1/processes/web/logs?lines=-1")).kind == RouteKind::bad_request);
    CHECK(route_request(request("GET", "/api/v1/events")).kind == RouteKind::events);
    Route stream = route_request(request("GET", "/api/v1/logs/a%20b/stream"));
    CHECK(stream.kind == RouteKind::log_stream);
    CHECK(stream.selector == "a b");
    CHECK(route_request(request("GET", "/metrics")).kind == RouteKind::metrics);
    CHECK(route_request(request("GET", "/")).kind == RouteKind::page);
    CHECK(route_request(request("GET", "/api/v2/processes")).kind == RouteKind::not_found);
    CHECK(route_request(request("GET", "/api/v1/kill")).kind == RouteKind::not_found);
}

TEST_CASE("http: protocol errors get their status, and show loses the environment") {
    CHECK(status_for(ErrorCode::not_found) == 404);
    CHECK(status_for(ErrorCode::bad_args) == 400);
    CHECK(status_for(ErrorCode::busy) == 409);
    CHECK(status_for(ErrorCode::limit_reached) == 503);
    CHECK(status_for(ErrorCode::internal) == 500);
    json show{{"spec", {{"name", "x"}, {"env", {{"SECRET", "1"}}}}}, {"instances", json::array({{{"id", 0}}})}};
    json shaped = shape_result(ResultShape::process, show, json::array());
    CHECK_FALSE(shaped["spec"].contains("env"));
    CHECK(shaped["spec"]["name"] == "x");
    json hist = shape_result(ResultShape::history,
                             json{{"spec", show["spec"]},
                                  {"instances", json::array({{{"id", 0}, {"name", "x"}, {"history", json::array()}}})}},
                             json::array());
    CHECK(hist.dump() == R"({"instances":[{"history":[],"id":0,"name":"x"}]})");
    CHECK(json::parse(error_body("not_found", "no")) == json{{"error", {{"code", "not_found"}, {"message", "no"}}}});
}

TEST_CASE("http: every reply carries the security headers and its length") {
    std::string r = http_response(404, "application/json", "{}", false);
    CHECK(r.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
    CHECK(r.find("X-Content-Type-Options: nosniff\r\n") != std::string::npos);
    CHECK(r.find("Cache-Control: no-store\r\n") != std::string::npos);
    CHECK(r.find("Content-Security-Policy: default-src 'none'") != std::string::npos);
    CHECK(r.find("Content-Length: 2\r\n") != std::string::npos);
    CHECK(r.find("Connection: close\r\n") != std::string::npos);
    CHECK(r.find("Access-Control-Allow") == std::string::npos);
}

}  // TEST_SUITE("http/parts")
