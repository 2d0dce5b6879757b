// A small HTTP/1.1 client for tests of the web view: plain sockets, no
// library, every read bounded by a deadline.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness_wait.hpp"

namespace pm::test {

struct HttpReply {
    int status = 0;                              // 0: no (complete) reply
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// One connection to 127.0.0.1:port.
class HttpConnection {
public:
    explicit HttpConnection(int port);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    bool connected() const { return m_fd >= 0; }
    // Sends bytes as they are (false when the peer is gone).
    bool send_raw(const std::string& bytes);
    // Reads one reply (Content-Length framed, or up to the close).
    HttpReply read_reply(Ms timeout = 5s);
    // Reads until `needle` has arrived (event streams); what arrived, all of it.
    std::string read_until(const std::string& needle, Ms timeout = 5s);
    // Waits up to `timeout` for more bytes; everything received so far.
    std::string read_more(Ms timeout);
    // True once the peer has closed (reads to EOF within `timeout`).
    bool closed_by_peer(Ms timeout = 5s);
    int fd() const { return m_fd; }

private:
    bool fill(Clock::time_point deadline);
    int m_fd = -1;
    std::string m_buf;
    bool m_eof = false;
};

// One request on a fresh connection: Host 127.0.0.1:PORT unless `headers`
// has a Host line, then `headers` ("Name: value"), Connection: close.
HttpReply http_request(int port, const std::string& method, const std::string& target,
                       const std::vector<std::string>& headers = {}, const std::string& body = {}, Ms timeout = 5s);
// The same with `Authorization: Bearer TOKEN`.
HttpReply http_authed(int port, const std::string& token, const std::string& method, const std::string& target,
                      const std::vector<std::string>& headers = {}, const std::string& body = {});

}  // namespace pm::test
