// pm monit's terminal view: the raw-mode/alternate-screen guard, the state
// the view shows, and drawing it. Only used on a terminal without --json.
#pragma once

#include <termios.h>

#include <cstdint>
#include <deque>
#include <string>

#include "common/protocol.hpp"

namespace pm::cli {

// Puts the terminal in raw-ish mode and the alternate screen; restores both.
class TerminalGuard {
public:
    TerminalGuard();
    ~TerminalGuard();
    TerminalGuard(const TerminalGuard&) = delete;
    TerminalGuard& operator=(const TerminalGuard&) = delete;

private:
    termios m_saved{};
    bool m_ok = false;
};

struct MonitView {
    json frame = json::object();             // the latest `monitor` frame
    std::size_t selected = 0;                // row under the cursor
    std::uint64_t selected_id = UINT64_MAX;  // its instance id, whose logs are followed
    std::deque<std::string> lines;           // that instance's latest log lines
};

// Redraws the whole screen from `v`.
void draw_monit(const MonitView& v);

}  // namespace pm::cli
