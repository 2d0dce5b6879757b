// The raw socket client of the integration harness.
#include "harness_socket.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pm::test {

RawClient::RawClient(const std::string& sock_path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (sock_path.size() >= sizeof addr.sun_path) {
        ::close(fd);
        return;
    }
    std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    m_fd = fd;
}

RawClient::~RawClient() { close(); }

void RawClient::close() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

bool RawClient::send(std::string_view bytes, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
        if (m_fd < 0) {
            return false;
        }
        ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            pollfd p{m_fd, POLLOUT, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) == 0) {
                return false;
            }
            continue;
        }
        return false;  // EPIPE, ECONNRESET: the daemon closed us
    }
    return true;
}

RawClient::Read RawClient::read_line(std::string& line, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        auto nl = m_buf.find('\n', m_pos);
        if (nl != std::string::npos) {
            line.assign(m_buf, m_pos, nl - m_pos);
            m_pos = nl + 1;
            if (m_pos * 2 >= m_buf.size()) {  // drop consumed bytes now and then: linear overall
                m_buf.erase(0, m_pos);
                m_pos = 0;
            }
            return Read::line;
        }
        if (m_fd < 0) {
            return Read::eof;
        }
        pollfd p{m_fd, POLLIN, 0};
        int pr = ::poll(&p, 1, remaining_ms(deadline));
        if (pr < 0 && errno == EINTR) {
            continue;
        }
        if (pr == 0) {
            return Read::timeout;
        }
        char buf[65536];
        ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n > 0) {
            m_buf.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            return Read::eof;  // includes ECONNRESET: closed with our bytes unread
        }
    }
}

json RawClient::read_json(Ms timeout) {
    std::string line;
    if (read_line(line, timeout) != Read::line) {
        return nullptr;
    }
    json j = json::parse(line, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

json RawClient::request(std::string_view cmd, const json& args, int id) {
    json req{{"id", id}, {"cmd", cmd}, {"args", args}};
    if (!send(req.dump() + "\n")) {
        return nullptr;
    }
    return read_json();
}

int RawClient::unread_by_peer() const {
    int n = -1;
    if (m_fd >= 0 && ::ioctl(m_fd, SIOCOUTQ, &n) != 0) {
        return -1;
    }
    return n;
}

bool RawClient::wait_eof(Ms timeout) {
    auto deadline = Clock::now() + timeout;
    std::string line;
    for (;;) {
        auto r = read_line(line, Ms(remaining_ms(deadline)));
        if (r == Read::eof) {
            return true;
        }
        if (r == Read::timeout) {
            return false;
        }
    }
}

bool RawClient::close_and_wait(Ms timeout) {
    if (m_fd < 0) {
        return true;
    }
    ::shutdown(m_fd, SHUT_WR);
    bool ok = wait_eof(timeout);
    close();
    return ok;
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace pm::test
