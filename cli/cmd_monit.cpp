// pm monit: a live terminal view fed by the `monitor` stream (no polling of
// `list`), with the latest log lines of the selected process from a `logs`
// follow. Quits on q or Ctrl-C and restores the terminal. With --json, or
// when stdout is not a terminal, prints one JSON frame per interval.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/render/table.hpp"
#include "common/units.hpp"

namespace pm::cli {
namespace {

volatile std::sig_atomic_t g_quit = 0;

void on_quit_signal(int) { g_quit = 1; }

// Puts the terminal in raw-ish mode and the alternate screen; restores both.
class TerminalGuard {
public:
    TerminalGuard() {
        if (tcgetattr(0, &m_saved) == 0) {
            termios raw = m_saved;
            raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            m_ok = tcsetattr(0, TCSANOW, &raw) == 0;
        }
        std::fputs("\033[?1049h\033[?25l", stdout);
        std::fflush(stdout);
    }
    ~TerminalGuard() {
        std::fputs("\033[?25h\033[?1049l", stdout);
        std::fflush(stdout);
        if (m_ok) {
            tcsetattr(0, TCSANOW, &m_saved);
        }
    }
    TerminalGuard(const TerminalGuard&) = delete;
    TerminalGuard& operator=(const TerminalGuard&) = delete;

private:
    termios m_saved{};
    bool m_ok = false;
};

struct View {
    json frame = json::object();
    std::size_t selected = 0;
    std::uint64_t selected_id = UINT64_MAX;
    std::deque<std::string> lines;
};

void render(const View& v) {
    winsize ws{};
    ioctl(1, TIOCGWINSZ, &ws);
    int rows = ws.ws_row > 0 ? ws.ws_row : 24;
    std::string out = "\033[H\033[2J";
    out += "pm monit   (up/down or j/k select, q quit)\n\n";
    const json& procs = v.frame.value("processes", json::array());
    Table t({"", "id", "name", "inst", "state", "cpu", "memory", "restarts", "uptime"});
    for (std::size_t i = 0; i < procs.size(); ++i) {
        const json& p = procs[i];
        std::string state = p.value("state", "");
        t.add_row({i == v.selected ? ">" : " ", p["id"].dump(), p.value("name", ""), p["index"].dump(), state,
                   p["cpu"].is_number() ? fmt::format("{:.1f}%", p["cpu"].get<double>()) : "-",
                   p["memory"].is_number() ? format_size(p["memory"].get<std::int64_t>()) : "-",
                   p["restarts"].dump(),
                   p["pid"].is_number() ? format_duration_ms(p.value("uptime_ms", 0)) : "-"},
                  {"", "", "", "", state_colour(state)});
    }
    std::fputs(out.c_str(), stdout);
    t.print(stdout, use_colour(stdout));
    const json& d = v.frame.value("daemon", json::object());
    std::printf("\npmd rss %s, %s connections\n", format_size(d.value("rss_bytes", std::int64_t{0})).c_str(),
                d["connections"].dump().c_str());
    int room = rows - static_cast<int>(procs.size()) - 8;
    std::printf("\033[1mlogs\033[0m\n");
    int start = std::max(0, static_cast<int>(v.lines.size()) - std::max(room, 0));
    for (std::size_t i = static_cast<std::size_t>(start); i < v.lines.size(); ++i) {
        std::printf("%s\n", v.lines[i].substr(0, ws.ws_col > 0 ? ws.ws_col : 200).c_str());
    }
    std::fflush(stdout);
}

int run_json(const GlobalOptions& g, Client& c) {
    auto id = c.send_request("monitor", json::object());
    if (!id) {
        return report_error(g, id.error());
    }
    while (g_quit == 0) {
        auto msg = c.read_message(true);
        if (!msg) {
            return g_quit != 0 ? k_exit_ok : report_error(g, msg.error());
        }
        if (msg->contains("event")) {
            std::printf("%s", to_line((*msg)["data"]).c_str());
            std::fflush(stdout);
        } else if (!msg->value("ok", false)) {
            return report_error(g, reply_error(*msg));
        }
    }
    return k_exit_ok;
}

}  // namespace

int run_monit(const GlobalOptions& g) {
    std::signal(SIGINT, on_quit_signal);
    std::signal(SIGTERM, on_quit_signal);
    auto stats = open_client(g);
    if (!stats) {
        return report_error(g, stats.error());
    }
    if (g.json || isatty(1) == 0) {
        return run_json(g, *stats);
    }
    auto logs = open_client(g);
    if (!logs) {
        return report_error(g, logs.error());
    }
    if (auto id = stats->send_request("monitor", json::object()); !id) {
        return report_error(g, id.error());
    }
    std::optional<Error> lost;
    View view;
    auto guard = std::make_unique<TerminalGuard>();
    std::int64_t log_req = 0;
    while (g_quit == 0) {
        pollfd fds[3] = {{0, POLLIN, 0}, {stats->fd(), POLLIN, 0}, {logs->fd(), POLLIN, 0}};
        if (poll(fds, 3, 1000) < 0) {
            continue;  // EINTR: g_quit is checked
        }
        bool dirty = false;
        if (fds[0].revents & POLLIN) {
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
        }
        if (fds[1].revents & (POLLIN | POLLHUP)) {
            if (auto ok = stats->fill(); !ok) {
                lost = ok.error();
                break;
            }
            while (auto m = stats->take_buffered()) {
                if (m->contains("event")) {
                    view.frame = (*m)["data"];
                    dirty = true;
                }
            }
        }
        if (fds[2].revents & (POLLIN | POLLHUP)) {
            if (auto ok = logs->fill(); !ok) {
                lost = ok.error();
                break;
            }
            while (auto m = logs->take_buffered()) {
                if (m->contains("event") && m->value("id", std::int64_t{-1}) == log_req) {
                    const json& d = (*m)["data"];
                    view.lines.push_back(d.value("line", ""));
                    while (view.lines.size() > 200) {
                        view.lines.pop_front();
                    }
                    dirty = true;
                }
            }
        }
        // Follow the selected process's logs; switch when the selection moves.
        const json& procs = view.frame.value("processes", json::array());
        if (view.selected < procs.size()) {
            auto id = procs[view.selected].value("id", std::uint64_t{0});
            if (id != view.selected_id) {
                if (log_req != 0) {
                    (void)logs->send_request("cancel", json{{"request", log_req}});
                }
                view.selected_id = id;
                view.lines.clear();
                auto req = logs->send_request(
                    "logs", json{{"selector", std::to_string(id)}, {"lines", 50}, {"follow", true}});
                log_req = req ? *req : 0;
            }
        }
        if (dirty) {
            render(view);
        }
    }
    guard.reset();  // restore the terminal before printing anything
    return lost ? report_error(g, *lost) : k_exit_ok;
}

void add_monit_command(CLI::App& app, CommandEnv env) {
    auto* monit = app.add_subcommand("monit", "live view of every process (q to quit)");
    monit->callback([env] { env.action = [g = &env.global] { return run_monit(*g); }; });
}

}  // namespace pm::cli
