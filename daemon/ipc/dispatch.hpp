// Dispatcher: everything that is not specific to one command. Framing and
// JSON errors, unknown commands, argument keys, counters, and the one
// catch-all that keeps the daemon up whatever a handler throws.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/histogram.hpp"
#include "daemon/ipc/connection.hpp"
#include "daemon/ipc/context.hpp"

namespace pm::ipc {

struct DispatchStats {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t internal_errors = 0;
    std::vector<std::uint64_t> per_command;  // indexed like command_table()
    std::vector<Histogram> latency;          // handler time in us, same index
};

class Dispatcher {
public:
    explicit Dispatcher(Services& svc);
    // Called on the loop thread for each complete request line.
    void handle_line(Connection& conn, std::string_view line);
    const DispatchStats& stats() const { return m_stats; }

private:
    Services& m_svc;
    DispatchStats m_stats;
};

}  // namespace pm::ipc
