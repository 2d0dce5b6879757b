// HttpRequest: one request as the server's routes see it, assembled from the
// parser's callbacks; and the pure helpers that read its URL.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace pm::http {

struct HttpRequest {
    std::string method;                     // "GET", "POST", ...
    std::string target;                     // the request-target as sent
    std::vector<std::string> segments;      // the path's segments, each percent-decoded
    std::map<std::string, std::string> query;  // decoded query parameters (last one wins)
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    bool keep_alive = true;

    // The first header of that (lower-case) name, or nullptr.
    const std::string* header(std::string_view name) const;
};

// Pure. %XX decoding (and '+' as space in a query); nullopt on a malformed
// escape or a decoded NUL. http_parser splits URLs but does not decode them.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

// Pure. Splits and decodes the target's path and query into `req`. Errors
// (bad_args) for a malformed target, bad escapes, or more than 64 segments or
// 64 parameters.
Result<void> parse_target(std::string_view target, HttpRequest& req);

// Pure. The value of cookie `name` in a Cookie header, or nullopt.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace pm::http
