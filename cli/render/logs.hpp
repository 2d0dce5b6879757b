// Human and --json output of the log commands: the events of a `logs`
// stream, and the counts that flush, rotateLogs and reloadLogs answer.
#pragma once

#include "common/protocol.hpp"

namespace pm::cli {

// How `pm logs` prints the lines it receives.
struct LogPrintOptions {
    bool json = false;        // --json: one object per line
    bool raw = false;         // --raw: the lines' exact bytes, no prefix
    bool timestamps = false;  // --timestamps: each line's time first
    bool colour = false;      // stdout is a terminal and NO_COLOR is unset
};

// Prints one `log` or `gap` event; gaps go to stderr for a person.
void print_log_event(const json& event, const LogPrintOptions& o);

void render_flushed(const json& result);
void render_rotated(const json& result);
void render_reopened(const json& result);

}  // namespace pm::cli
