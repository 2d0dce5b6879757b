// The web view's security checks and reply framing, as pure functions: the
// listen address, Host and Origin checks, the token, the headers every reply
// carries. The server applies them in order (docs/http.md, "Security").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "daemon/http/http_request.hpp"

namespace pm::http {

struct ListenAddress {
    std::string host = "127.0.0.1";  // an IP literal, IPv6 without brackets
    int port = 9615;                 // 0: any free port
};

// Pure. "[ADDR:]PORT", "[::1]:PORT" or ":PORT"; the host defaults to 127.0.0.1.
// Names are refused: the listener binds an address, never a resolved name.
Result<ListenAddress> parse_listen_address(std::string_view text);
// Pure. 127.0.0.0/8 or ::1.
bool is_loopback(const std::string& host);
// Pure. "127.0.0.1:9615" or "[::1]:9615": the authority a URL names.
std::string authority(const ListenAddress& a);

// Pure. The Host values a request may carry for a listener on `bound`:
// the bound authority, localhost, 127.0.0.1 and [::1] with the port, and
// each extra name with or without the port.
std::vector<std::string> allowed_hosts(const ListenAddress& bound, const std::vector<std::string>& extra_names);
// Pure. Whether a Host header (compared without case) is one of `allowed`.
bool host_allowed(const std::string* host, const std::vector<std::string>& allowed);
// Pure. No Origin, or an Origin equal to http://HOST of this request.
bool origin_allowed(const std::string* origin, const std::string* host);
// Pure. The token a request carries: `Authorization: Bearer T`, else the
// `pm_token` cookie; empty when neither.
std::string request_token(const HttpRequest& req);
// Pure. Compares in time independent of where the strings differ.
bool token_matches(std::string_view given, std::string_view expected);
// Reads $PM_HOME/http.token, or creates it (0600, 32 random bytes as hex).
// A file that is not a regular file of ours, or holds no valid token, is
// replaced.
Result<std::string> load_or_create_token(const std::string& path);

// The headers of every reply (each line ends in CRLF).
std::string_view security_headers();
// Pure. A whole reply: status line, security headers, Content-Type,
// Content-Length, Connection, `extra` header lines (CRLF-terminated), body.
std::string http_response(int status, std::string_view content_type, std::string_view body, bool keep_alive,
                          std::string_view extra = {});
std::string_view reason_phrase(int status);

}  // namespace pm::http
