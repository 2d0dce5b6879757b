// Security checks and reply framing of the web view.
#include "daemon/http/http_security.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "common/fd.hpp"

namespace pm::http {
namespace {

constexpr std::size_t k_token_bytes = 32;

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool valid_token(std::string_view t) {
    return t.size() == 2 * k_token_bytes &&
           std::all_of(t.begin(), t.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

Result<int> parse_port(std::string_view s) {
    if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(ErrorCode::usage, fmt::format("'{}' is not a port number", s));
    }
    int port = std::stoi(std::string(s));
    if (port > 65535) {
        return fail(ErrorCode::usage, fmt::format("port {} is out of range (0-65535)", port));
    }
    return port;
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
    ListenAddress a;
    std::string_view port = text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return fail(ErrorCode::usage, fmt::format("'{}': an IPv6 address is written [ADDR]:PORT", text));
        }
        a.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
        if (colon > 0) {
            a.host = std::string(text.substr(0, colon));
        }
        port = text.substr(colon + 1);
    }
    PM_TRY_ASSIGN(a.port, parse_port(port));
    unsigned char buf[sizeof(in6_addr)];
    bool v6 = a.host.find(':') != std::string::npos;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, a.host.c_str(), buf) != 1) {
        return fail(ErrorCode::usage,
                    fmt::format("'{}' is not an IP address (give 127.0.0.1, [::1] or an address of this machine)",
                                a.host));
    }
    return a;
}

bool is_loopback(const std::string& host) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&v6);
    }
    in_addr v4{};
    return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

std::string authority(const ListenAddress& a) {
    return a.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", a.host, a.port)
                                                 : fmt::format("{}:{}", a.host, a.port);
}

std::vector<std::string> allowed_hosts(const ListenAddress& bound, const std::vector<std::string>& extra) {
    std::vector<std::string> out{authority(bound), fmt::format("localhost:{}", bound.port),
                                 fmt::format("127.0.0.1:{}", bound.port), fmt::format("[::1]:{}", bound.port)};
    for (const auto& name : extra) {
        out.push_back(name);
        out.push_back(fmt::format("{}:{}", name, bound.port));
    }
    return out;
}

bool host_allowed(const std::string* host, const std::vector<std::string>& allowed) {
    return host != nullptr &&
           std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) { return iequal(*host, a); });
}

bool origin_allowed(const std::string* origin, const std::string* host) {
    if (origin == nullptr) {
        return true;  // not a cross-origin browser request
    }
    return host != nullptr && iequal(*origin, "http://" + *host);
}

std::string request_token(const HttpRequest& req) {
    if (const std::string* auth = req.header("authorization")) {
        std::string_view v = *auth;
        if (v.size() > 7 && iequal(v.substr(0, 7), "Bearer ")) {
            return std::string(v.substr(7));
        }
    }
    if (const std::string* cookie = req.header("cookie")) {
        if (auto t = cookie_value(*cookie, "pm_token")) {
            return *t;
        }
    }
    return {};
}

bool token_matches(std::string_view given, std::string_view expected) {
    if (given.size() != expected.size() || expected.empty()) {
        return false;
    }
    unsigned char diff = 0;
    for (std::size_t i = 0; i < given.size(); ++i) {
        diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
    }
    return diff == 0;
}

Result<std::string> load_or_create_token(const std::string& path) {
    {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        struct stat st {};
        if (fd.valid() && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) {
            char buf[2 * k_token_bytes + 2];
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            std::string_view t(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
            while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) {
                t.remove_suffix(1);
            }
            if (valid_token(t)) {
                if ((st.st_mode & 077) != 0) {
                    ::fchmod(fd.get(), 0600);
                }
                return std::string(t);
            }
        }
    }
    unsigned char raw[k_token_bytes];
    if (int rc = uv_random(nullptr, nullptr, raw, sizeof raw, 0, nullptr); rc != 0) {
        return fail(ErrorCode::io_error, fmt::format("unable to make a token: {}", uv_strerror(rc)));
    }
    std::string token;
    for (unsigned char b : raw) {
        token += fmt::format("{:02x}", b);
    }
    std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    std::string text = token + "\n";
    if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return fail(ErrorCode::io_error, fmt::format("unable to write {}: {}", path, std::strerror(err)));
    }
    return token;
}

std::string_view security_headers() {
    return "X-Content-Type-Options: nosniff\r\n"
           "Cache-Control: no-store\r\n"
           "Referrer-Policy: no-referrer\r\n"
           "X-Frame-Options: DENY\r\n"
           "Content-Security-Policy: default-src 'none'; script-src 'self' 'unsafe-inline'; "
           "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'\r\n";
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 421: return "Misdirected Request";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Unknown";
    }
}

std::string http_response(int status, std::string_view content_type, std::string_view body, bool keep_alive,
                          std::string_view extra) {
    std::string out = fmt::format("HTTP/1.1 {} {}\r\n", status, reason_phrase(status));
    out += security_headers();
    if (!content_type.empty()) {
        out += fmt::format("Content-Type: {}\r\n", content_type);
    }
    out += fmt::format("Content-Length: {}\r\nConnection: {}\r\n", body.size(), keep_alive ? "keep-alive" : "close");
    out += extra;
    out += "\r\n";
    out += body;
    return out;
}

}  // namespace pm::http
