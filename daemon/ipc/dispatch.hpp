// Dispatcher: everything that is not specific to one command. Framing and
// JSON errors, unknown commands, argument keys, counters, and the one
// catch-all that keeps the daemon up whatever a handler throws.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "common/histogram.hpp"
#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/connection.hpp"
#include "daemon/ipc/context.hpp"

namespace pm::ipc {

// Request counters for performanceStats; owned by the composition root.
struct DispatchStats {
    // Sized for a command table (by default THE table).
    explicit DispatchStats(std::size_t commands = command_table().size())
        : per_command(commands, 0), latency(commands) {}

    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t internal_errors = 0;
    std::vector<std::uint64_t> per_command;  // indexed like command_table()
    std::vector<Histogram> latency;          // handler time in us, same index
};

class Dispatcher {
public:
    // `commands`: THE table, or a test's own (with stats sized for it).
    Dispatcher(Services& svc, DispatchStats& stats, std::span<const CommandSpec> commands = command_table());
    // Called on the loop thread for each complete request line.
    void handle_line(Connection& conn, std::string_view line);
    // One request from another transport (HTTP): the same lookup, checks,
    // counters and catch-all. The reply goes to `client`'s send(), now or
    // later through a Responder that finds it in `clients`. Such a client
    // has no stream sink: a request to stream (a follow, a monitor) is
    // refused by its handler; it streams by its own means (SSE).
    void handle_request(Client& client, ClientDirectory& clients, const json& id, const std::string& cmd,
                        const json& args);

private:
    // `socket`: the control-socket connection when the client is one.
    void dispatch(Client& client, ClientDirectory& clients, Connection* socket, const json& id,
                  const std::string& cmd, const json& args);
    void internal_error(Client& client, const json& id, const std::exception& e);

    Services& m_svc;
    DispatchStats& m_stats;
    std::span<const CommandSpec> m_commands;
};

}  // namespace pm::ipc
