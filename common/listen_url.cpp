// ListenUrl parsing: the three written forms, addresses checked with
// inet_pton (the same parser the kernel's callers use).
#include "common/listen_url.hpp"

#include <arpa/inet.h>
#include <sys/un.h>

#include <charconv>
#include <fmt/format.h>

namespace pm {
namespace {

constexpr std::string_view k_forms = "tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:/PATH";

Error bad(std::string_view text, std::string_view why) {
    return Error{ErrorCode::bad_args,
                 fmt::format("listen '{}': {} (expected {})", text, why, k_forms)};
}

Result<int> parse_port(std::string_view text, std::string_view digits) {
    int port = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 0 || port > 65535) {
        return bad(text, "the port must be a number from 0 to 65535");
    }
    return port;
}

Result<ListenUrl> parse_tcp(std::string_view text, std::string_view rest) {
    ListenUrl url;
    std::string_view port;
    if (rest.starts_with('[')) {
        auto close = rest.find(']');
        if (close == std::string_view::npos || rest.substr(close + 1, 1) != ":") {
            return bad(text, "an IPv6 address in brackets must be followed by :PORT");
        }
        url.host = std::string(rest.substr(1, close - 1));
        port = rest.substr(close + 2);
        in6_addr a6{};
        if (inet_pton(AF_INET6, url.host.c_str(), &a6) != 1) {
            return bad(text, fmt::format("'{}' is not an IPv6 address", url.host));
        }
    } else {
        auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) {
            return bad(text, "the port is missing");
        }
        url.host = std::string(rest.substr(0, colon));
        port = rest.substr(colon + 1);
        in_addr a4{};
        if (url.host.find(':') != std::string::npos) {
            return bad(text, "an IPv6 address goes in brackets");
        }
        if (inet_pton(AF_INET, url.host.c_str(), &a4) != 1) {
            return bad(text, fmt::format("'{}' is not an IPv4 address, such as 0.0.0.0 (every interface) or "
                                         "127.0.0.1 (this machine only)",
                                         url.host));
        }
    }
    PM_TRY_ASSIGN(url.port, parse_port(text, port));
    return url;
}

}  // namespace

std::string ListenUrl::canonical() const {
    if (kind == Kind::unix_path) {
        return "unix:" + path;
    }
    if (host.find(':') != std::string::npos) {
        return fmt::format("tcp://[{}]:{}", host, port);
    }
    return fmt::format("tcp://{}:{}", host, port);
}

Result<ListenUrl> parse_listen_url(std::string_view text) {
    if (text.starts_with("tcp://")) {
        return parse_tcp(text, text.substr(6));
    }
    if (text.starts_with("unix:")) {
        std::string_view path = text.substr(5);
        if (path.starts_with("//")) {
            path.remove_prefix(2);  // unix:///run/x.sock, the URL spelling
        }
        if (!path.starts_with('/')) {
            return bad(text, "the socket path must be absolute");
        }
        if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
            return bad(text, fmt::format("the socket path is longer than {} bytes", sizeof(sockaddr_un{}.sun_path) - 1));
        }
        if (path.find('\0') != std::string_view::npos) {
            return bad(text, "the socket path contains a NUL byte");
        }
        ListenUrl url;
        url.kind = ListenUrl::Kind::unix_path;
        url.path = std::string(path);
        return url;
    }
    return bad(text, "unknown scheme");
}

Result<std::vector<ListenUrl>> parse_listen_urls(const std::vector<std::string>& urls, std::int64_t ready_fd) {
    std::vector<ListenUrl> out;
    for (const auto& text : urls) {
        PM_TRY_ASSIGN(ListenUrl url, parse_listen_url(text));
        for (const auto& seen : out) {
            if (seen == url && !(url.kind == ListenUrl::Kind::tcp && url.port == 0)) {
                return bad(text, "given twice");
            }
        }
        out.push_back(std::move(url));
    }
    auto n = static_cast<std::int64_t>(out.size());
    if (ready_fd > 0 && ready_fd < 3 + n) {
        return fail(ErrorCode::bad_args,
                    fmt::format("'ready_fd' {} is taken by a listening socket (fds 3 to {}): use {} or more", ready_fd,
                                2 + n, 3 + n));
    }
    return out;
}

std::string listen_fd_name(const ListenUrl& url, int bound_port) {
    if (url.kind == ListenUrl::Kind::unix_path) {
        return "unix";
    }
    return fmt::format("tcp-{}", bound_port);
}

}  // namespace pm
