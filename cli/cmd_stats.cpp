// Self-observation commands: memoryStats, performanceStats, errors, and monit,
// a live view fed by the `monitor` stream (no polling of `list`) with the
// latest log lines of the selected process from a `logs` follow. monit quits
// on q or Ctrl-C; with --json, or off a terminal, it prints one frame a line.
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/command_table.hpp"
#include "cli/render/monit.hpp"

namespace pm::cli {
namespace {

volatile std::sig_atomic_t g_quit = 0;

void on_quit_signal(int) { g_quit = 1; }

int run_json(const GlobalOptions& g, Client& c, std::string_view wire) {
    auto id = c.send_request(wire, json::object());
    if (!id) {
        return print_error(g, id.error());
    }
    while (g_quit == 0) {
        auto msg = c.read_message(true);
        if (!msg) {
            return g_quit != 0 ? k_exit_ok : print_error(g, msg.error());
        }
        if (msg->contains("event")) {
            std::printf("%s", to_line((*msg)["data"]).c_str());
            std::fflush(stdout);
        } else if (!msg->value("ok", false)) {
            return print_error(g, reply_error(*msg));
        }
    }
    return k_exit_ok;
}

// Applies the keys typed since the last poll; true when the view changed.
bool read_keys(MonitView& view) {
    bool dirty = false;
    char keys[16];
    ssize_t n = read(0, keys, sizeof keys);
    for (ssize_t k = 0; k < n; ++k) {
        char c = keys[k];
        std::size_t count = view.frame.value("processes", json::array()).size();
        if (c == 'q' || c == 3) {
            g_quit = 1;
        } else if ((c == 'j' || c == 'B') && view.selected + 1 < count) {
            ++view.selected;
        } else if ((c == 'k' || c == 'A') && view.selected > 0) {
            --view.selected;
        }
        dirty = true;
    }
    return dirty;
}

// Reads what the `monitor` stream sent; true when a new frame arrived.
Result<bool> take_frames(Client& stats, MonitView& view) {
    if (auto ok = stats.fill(); !ok) {
        return ok.error();
    }
    bool dirty = false;
    while (auto m = stats.take_buffered()) {
        if (m->contains("event")) {
            view.frame = (*m)["data"];
            dirty = true;
        }
    }
    return dirty;
}

// Reads what the `logs` follow sent; keeps the last 200 lines of request `log_req`.
Result<bool> take_log_lines(Client& logs, MonitView& view, std::int64_t log_req) {
    if (auto ok = logs.fill(); !ok) {
        return ok.error();
    }
    bool dirty = false;
    while (auto m = logs.take_buffered()) {
        if (m->contains("event") && m->value("id", std::int64_t{-1}) == log_req) {
            const json& d = (*m)["data"];
            view.lines.push_back(d.value("line", ""));
            while (view.lines.size() > 200) {
                view.lines.pop_front();
            }
            dirty = true;
        }
    }
    return dirty;
}

// Follows the selected process's logs; switches when the selection moves.
void follow_selected(Client& logs, MonitView& view, std::int64_t& log_req) {
    const json& procs = view.frame.value("processes", json::array());
    if (view.selected >= procs.size()) {
        return;
    }
    auto id = procs[view.selected].value("id", std::uint64_t{0});
    if (id == view.selected_id) {
        return;
    }
    if (log_req != 0) {
        (void)logs.send_request("cancel", json{{"request", log_req}});
    }
    view.selected_id = id;
    view.lines.clear();
    auto req = logs.send_request("logs", json{{"selector", std::to_string(id)}, {"lines", 50}, {"follow", true}});
    log_req = req ? *req : 0;
}

// The terminal view's loop, until q, a signal or a lost connection (returned).
std::optional<Error> run_view(Client& stats, Client& logs) {
    MonitView view;
    TerminalGuard guard;
    std::int64_t log_req = 0;
    while (g_quit == 0) {
        pollfd fds[3] = {{0, POLLIN, 0}, {stats.fd(), POLLIN, 0}, {logs.fd(), POLLIN, 0}};
        if (poll(fds, 3, 1000) < 0) {
            continue;  // EINTR: g_quit is checked
        }
        bool dirty = (fds[0].revents & POLLIN) != 0 && read_keys(view);
        if (fds[1].revents & (POLLIN | POLLHUP)) {
            auto got = take_frames(stats, view);
            if (!got) {
                return got.error();
            }
            dirty = *got || dirty;
        }
        if (fds[2].revents & (POLLIN | POLLHUP)) {
            auto got = take_log_lines(logs, view, log_req);
            if (!got) {
                return got.error();
            }
            dirty = *got || dirty;
        }
        follow_selected(logs, view, log_req);
        if (dirty) {
            draw_monit(view);
        }
    }
    return std::nullopt;
}

int run_monit(const GlobalOptions& g, std::string_view wire) {
    std::signal(SIGINT, on_quit_signal);
    std::signal(SIGTERM, on_quit_signal);
    auto stats = open_client(g);
    if (!stats) {
        return print_error(g, stats.error());
    }
    if (g.json || isatty(1) == 0) {
        return run_json(g, *stats, wire);
    }
    auto logs = open_client(g);
    if (!logs) {
        return print_error(g, logs.error());
    }
    if (auto id = stats->send_request(wire, json::object()); !id) {
        return print_error(g, id.error());
    }
    // The terminal is restored (run_view's guard) before anything is printed.
    std::optional<Error> lost = run_view(*stats, *logs);
    return lost ? print_error(g, *lost) : k_exit_ok;
}

}  // namespace

Bound define_memory_stats(CLI::App& sub) {
    auto detail = std::make_shared<bool>(false);
    sub.add_flag("--detail", *detail, "also list each process's log ring");
    return Bound{[detail](const GlobalOptions&) -> Result<json> { return json{{"detail", *detail}}; }, {}};
}

Bound define_monit(CLI::App&) {
    return Bound{{}, [](const GlobalOptions& g, const CliCommand& row, const json&) { return run_monit(g, row.wire); }};
}

}  // namespace pm::cli
