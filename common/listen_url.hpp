// ListenUrl: a listening socket an app declares (`--listen`, ecosystem
// `listen`): tcp://HOST:PORT, tcp://[V6]:PORT or unix:/path. Parsing and the
// names given to the child (LISTEN_FDNAMES); no sockets here (pmd binds them,
// daemon/supervisor/listen_sockets).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pm {

inline constexpr std::size_t k_max_listen = 16;  // sockets per app; fds 3..18 in the child

struct ListenUrl {
    enum class Kind : std::uint8_t { tcp, unix_path };
    Kind kind = Kind::tcp;
    std::string host;  // tcp: an IPv4 or IPv6 address (no brackets), as written
    int port = 0;      // tcp: 0..65535 (0: the kernel picks one)
    std::string path;  // unix: the socket file

    // The URL in its one written form ("tcp://[::1]:3000"), for messages and
    // to tell whether two apps' specs name the same socket.
    std::string canonical() const;
    friend bool operator==(const ListenUrl&, const ListenUrl&) = default;
};

// Pure. Parses one URL; bad_args naming what is wrong and the accepted forms.
// Host names are refused (pmd binds before any resolver would run): an
// address is required, 0.0.0.0 or [::] for every interface.
Result<ListenUrl> parse_listen_url(std::string_view text);

// Pure. Every URL of a start's `listen` list, checked (no duplicates);
// `ready_fd` must not fall on the fds the sockets take (3..3+n-1).
Result<std::vector<ListenUrl>> parse_listen_urls(const std::vector<std::string>& urls, std::int64_t ready_fd);

// Pure. The LISTEN_FDNAMES entry of a bound socket: "tcp-PORT" (the port
// really bound) or "unix" (systemd names may not contain ':'). The node
// preload finds the socket for listen(PORT) by this name.
std::string listen_fd_name(const ListenUrl& url, int bound_port);

}  // namespace pm
