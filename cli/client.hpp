// Client: a blocking connection to pmd for the CLI. Starts the daemon when the
// socket does not answer (unless told not to), and bounds every wait with the
// --timeout deadline so a hung daemon never hangs a script.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/fd.hpp"
#include "common/line_framer.hpp"
#include "common/paths.hpp"
#include "common/protocol.hpp"

namespace pm::cli {

struct ClientOptions {
    Paths paths;
    std::chrono::milliseconds timeout{10000};
    bool autostart = true;
};

class Client {
public:
    explicit Client(ClientOptions opts);

    // Connects, starting pmd first if needed.
    Result<void> connect();
    // One request, one reply: the reply's result, or its error.
    Result<json> call(std::string_view cmd, const json& args = json::object());
    // Sends raw bytes (tests and tools); reads one reply line.
    Result<json> call_raw(std::string_view line);
    // Streams: sends a request and returns its id; read_message() then
    // returns each following line (events and the reply). `forever` lifts
    // the deadline (pm logs -f).
    Result<std::int64_t> send_request(std::string_view cmd, const json& args);
    Result<json> read_message(bool forever);
    // For event loops over several sources (monit): the socket, one read of
    // whatever is available, and the complete messages buffered so far.
    int fd() const { return m_fd.get(); }
    Result<void> fill();
    std::optional<json> take_buffered();

private:
    Result<void> try_connect();
    Result<void> start_daemon();
    Result<void> send_all(std::string_view bytes);
    Result<std::string> read_line(bool forever = false);
    std::chrono::steady_clock::time_point deadline() const { return m_deadline; }

    ClientOptions m_opts;
    UniqueFd m_fd;
    LineFramer m_framer{k_max_line_bytes * 64};
    std::chrono::steady_clock::time_point m_deadline;
    std::int64_t m_next_id = 1;
};

// The Error carried by an error reply.
Error reply_error(const json& reply);

// Path of the pmd binary: next to this pm, else "pmd" from PATH.
std::string find_pmd();

}  // namespace pm::cli
