// Unit tests for ListenUrl: the three written forms, their canonical
// spellings, the errors a user sees, and the fd names the child gets.
#include "common/listen_url.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_SUITE("common") {

TEST_CASE("listen URLs parse to their kind, address and port, and print back the same") {
    struct Row {
        const char* text;
        pm::ListenUrl::Kind kind;
        const char* host;
        int port;
        const char* path;
        const char* canonical;
    };
    using K = pm::ListenUrl::Kind;
    const Row rows[] = {
        {"tcp://127.0.0.1:3000", K::tcp, "127.0.0.1", 3000, "", "tcp://127.0.0.1:3000"},
        {"tcp://0.0.0.0:0", K::tcp, "0.0.0.0", 0, "", "tcp://0.0.0.0:0"},
        {"tcp://[::1]:8080", K::tcp, "::1", 8080, "", "tcp://[::1]:8080"},
        {"tcp://[::]:65535", K::tcp, "::", 65535, "", "tcp://[::]:65535"},
        {"unix:/run/app.sock", K::unix_path, "", 0, "/run/app.sock", "unix:/run/app.sock"},
        {"unix:///run/app.sock", K::unix_path, "", 0, "/run/app.sock", "unix:/run/app.sock"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto url = pm::parse_listen_url(row.text);
        REQUIRE(url.has_value());
        CHECK(url->kind == row.kind);
        CHECK(url->host == row.host);
        CHECK(url->port == row.port);
        CHECK(url->path == row.path);
        CHECK(url->canonical() == row.canonical);
    }
}

TEST_CASE("a bad listen URL is bad_args saying what is wrong and the accepted forms") {
    struct Row {
        const char* text;
        const char* why;
    };
    const Row rows[] = {
        {"http://0.0.0.0:80", "unknown scheme"},
        {"3000", "unknown scheme"},
        {"tcp://127.0.0.1", "the port is missing"},
        {"tcp://127.0.0.1:", "the port must be a number from 0 to 65535"},
        {"tcp://127.0.0.1:65536", "the port must be a number from 0 to 65535"},
        {"tcp://127.0.0.1:-1", "the port must be a number from 0 to 65535"},
        {"tcp://127.0.0.1:80x", "the port must be a number from 0 to 65535"},
        {"tcp://localhost:80", "'localhost' is not an IPv4 address, such as 0.0.0.0 (every interface) or 127.0.0.1 (this machine only)"},
        {"tcp://:80", "'' is not an IPv4 address, such as 0.0.0.0 (every interface) or 127.0.0.1 (this machine only)"},
        {"tcp://::1:80", "an IPv6 address goes in brackets"},
        {"tcp://[::1]80", "an IPv6 address in brackets must be followed by :PORT"},
        {"tcp://[nope]:80", "'nope' is not an IPv6 address"},
        {"unix:run/app.sock", "the socket path must be absolute"},
        {"unix:", "the socket path must be absolute"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto url = pm::parse_listen_url(row.text);
        REQUIRE_FALSE(url.has_value());
        CHECK(url.error().code == pm::ErrorCode::bad_args);
        CHECK(url.error().message == std::string("listen '") + row.text + "': " + row.why +
                                         " (expected tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:/PATH)");
    }
    auto long_path = pm::parse_listen_url("unix:/" + std::string(200, 'a'));
    REQUIRE_FALSE(long_path.has_value());
    CHECK(long_path.error().message.find("the socket path is longer than 107 bytes") != std::string::npos);
}

TEST_CASE("a listen list refuses a URL given twice and a ready_fd on a socket's fd") {
    auto twice = pm::parse_listen_urls({"tcp://127.0.0.1:80", "tcp://127.0.0.1:80"}, 0);
    REQUIRE_FALSE(twice.has_value());
    CHECK(twice.error().message.find("given twice") != std::string::npos);
    CHECK(pm::parse_listen_urls({"tcp://127.0.0.1:0", "tcp://127.0.0.1:0"}, 0).has_value());  // two ports

    auto clash = pm::parse_listen_urls({"tcp://127.0.0.1:80", "unix:/x.sock"}, 4);
    REQUIRE_FALSE(clash.has_value());
    CHECK(clash.error().message == "'ready_fd' 4 is taken by a listening socket (fds 3 to 4): use 5 or more");
    auto ok = pm::parse_listen_urls({"tcp://127.0.0.1:80", "unix:/x.sock"}, 5);
    REQUIRE(ok.has_value());
    CHECK(ok->size() == 2);
}

TEST_CASE("a socket's fd name is tcp-PORT with the bound port, or unix") {
    CHECK(pm::listen_fd_name(*pm::parse_listen_url("tcp://[::]:0"), 41000) == "tcp-41000");
    CHECK(pm::listen_fd_name(*pm::parse_listen_url("unix:/a:b.sock"), 0) == "unix");
}

}  // TEST_SUITE
