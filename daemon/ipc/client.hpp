// Client: what a command handler may do with whoever sent the request,
// whatever its transport (a control-socket Connection, an HTTP exchange).
// ClientDirectory: finds a client again by id, for replies that complete
// later (a Responder holds ids, never pointers).
#pragma once

#include <cstdint>
#include <string>

#include "common/protocol.hpp"

namespace pm::ipc {

class Client {
public:
    // Unique within its directory for the daemon's life.
    virtual std::uint64_t id() const = 0;
    // One protocol message: a reply envelope (make_ok/make_error) or, for
    // streaming clients, a stream event.
    virtual void send(const json& msg) = 0;
    // One message already encoded as an NDJSON line (a log backlog).
    virtual void send_line(std::string line) = 0;

protected:
    ~Client() = default;
};

class ClientDirectory {
public:
    // The client with that id, or nullptr once it is gone.
    virtual Client* find_client(std::uint64_t id) = 0;

protected:
    ~ClientDirectory() = default;
};

}  // namespace pm::ipc
