// Integration harness: a raw NDJSON client on pmd's socket, for tests that
// speak the protocol without pm.
#pragma once

#include <string>
#include <string_view>

#include "harness_wait.hpp"

namespace pm::test {

// A raw NDJSON client on <home>/pmd.sock.
class RawClient {
public:
    enum class Read { line, eof, timeout };

    explicit RawClient(const std::string& sock_path);
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return m_fd >= 0; }
    int fd() const { return m_fd; }
    // Sends every byte (false if the peer is gone or `timeout` passed).
    bool send(std::string_view bytes, Ms timeout = 5s);
    // Next line without its newline. ECONNRESET counts as eof.
    Read read_line(std::string& line, Ms timeout = 5s);
    // Next line parsed as JSON (null on eof, timeout or bad JSON).
    json read_json(Ms timeout = 5s);
    // Sends {"id":id,"cmd":cmd,"args":args} and reads one reply.
    json request(std::string_view cmd, const json& args = json::object(), int id = 1);
    // Bytes sent that the daemon has not read yet (SIOCOUTQ).
    int unread_by_peer() const;
    // Waits for the daemon to close its side.
    bool wait_eof(Ms timeout = 5s);
    // Half-closes, then waits until the daemon has closed its side too, so the
    // daemon no longer holds a descriptor for this client.
    bool close_and_wait(Ms timeout = 5s);
    void close();

private:
    int m_fd = -1;
    std::string m_buf;
    std::size_t m_pos = 0;  // start of the first unread line in m_buf
};

// A loopback TCP port nobody listens on right now (bound to 0, then released).
int free_port();

}  // namespace pm::test
