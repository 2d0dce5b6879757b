// Drawing of pm monit's terminal view.
#include "cli/render/monit.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "cli/render/table.hpp"
#include "common/units.hpp"

namespace pm::cli {

TerminalGuard::TerminalGuard() {
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

TerminalGuard::~TerminalGuard() {
    std::fputs("\033[?25h\033[?1049l", stdout);
    std::fflush(stdout);
    if (m_ok) {
        tcsetattr(0, TCSANOW, &m_saved);
    }
}

void draw_monit(const MonitView& v) {
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
                   p["memory"].is_number() ? format_size(p["memory"].get<std::int64_t>()) : "-", p["restarts"].dump(),
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

}  // namespace pm::cli
