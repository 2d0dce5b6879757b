// Test HTTP client: connect, send, read one reply by Content-Length.
#include "harness_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace pm::test {

HttpConnection::HttpConnection(int port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (m_fd >= 0 && ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

HttpConnection::~HttpConnection() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

bool HttpConnection::send_raw(const std::string& bytes) {
    std::size_t off = 0;
    while (m_fd >= 0 && off < bytes.size()) {
        ssize_t n = ::send(m_fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    return m_fd >= 0;
}

bool HttpConnection::fill(Clock::time_point deadline) {
    if (m_fd < 0 || m_eof) {
        return false;
    }
    pollfd p{m_fd, POLLIN, 0};
    int ms = remaining_ms(deadline);
    if (ms <= 0 || ::poll(&p, 1, ms) <= 0) {
        return false;
    }
    char buf[16384];
    ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
    if (n <= 0) {
        m_eof = true;
        return false;
    }
    m_buf.append(buf, static_cast<std::size_t>(n));
    return true;
}

HttpReply HttpConnection::read_reply(Ms timeout) {
    auto deadline = Clock::now() + timeout;
    HttpReply r;
    std::size_t head_end = std::string::npos;
    while ((head_end = m_buf.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(deadline)) {
            return r;
        }
    }
    std::string head = m_buf.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12 || status_line.rfind("HTTP/1.", 0) != 0) {
        return r;
    }
    int status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        std::size_t end = head.find("\r\n", pos);
        if (end == std::string::npos) {
            end = head.size();
        }
        std::string line = head.substr(pos, end - pos);
        std::size_t colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            r.headers[name] = value;
        }
        pos = end + 2;
    }
    m_buf.erase(0, head_end + 4);
    if (r.headers.count("content-length") != 0) {
        std::size_t len = std::stoul(r.headers["content-length"]);
        while (m_buf.size() < len) {
            if (!fill(deadline)) {
                return r;
            }
        }
        r.body = m_buf.substr(0, len);
        m_buf.erase(0, len);
    } else {
        while (fill(deadline)) {
        }
        r.body = std::move(m_buf);
        m_buf.clear();
    }
    r.status = status;
    return r;
}

std::string HttpConnection::read_until(const std::string& needle, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    while (m_buf.find(needle) == std::string::npos && fill(deadline)) {
    }
    return m_buf;
}

std::string HttpConnection::read_more(Ms timeout) {
    fill(Clock::now() + timeout);
    return m_buf;
}

bool HttpConnection::closed_by_peer(Ms timeout) {
    auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return m_eof;
}

HttpReply http_request(int port, const std::string& method, const std::string& target,
                       const std::vector<std::string>& headers, const std::string& body, Ms timeout) {
    HttpConnection c(port);
    std::string req = method + " " + target + " HTTP/1.1\r\n";
    bool has_host = std::any_of(headers.begin(), headers.end(), [](const std::string& h) {
        return h.size() > 5 && (h.rfind("Host:", 0) == 0 || h.rfind("host:", 0) == 0);
    });
    if (!has_host) {
        req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    }
    for (const auto& h : headers) {
        req += h + "\r\n";
    }
    if (!body.empty() || method == "POST") {
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "Connection: close\r\n\r\n" + body;
    if (!c.send_raw(req)) {
        return {};
    }
    return c.read_reply(timeout);
}

HttpReply http_authed(int port, const std::string& token, const std::string& method, const std::string& target,
                      const std::vector<std::string>& headers, const std::string& body) {
    std::vector<std::string> h = headers;
    h.push_back("Authorization: Bearer " + token);
    return http_request(port, method, target, h, body);
}

}  // namespace pm::test
