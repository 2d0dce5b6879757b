// Human output of the process and operator commands (start ... show, scale,
// signal, reset): one renderer per result shape, called only without --json.
#pragma once

#include "common/protocol.hpp"

namespace pm::cli {

// {"instances": [...]} as the process table (start, restart, reload, scale).
void render_instances(const json& result);
// {"processes": [...]} as the process table (list).
void render_list(const json& result);
// PM2's jlist and prettylist: the result as `pm list --json` prints it, on
// one line or indented.
void render_json_line(const json& result);
void render_json_pretty(const json& result);
// One line per stopped instance with its last exit.
void render_stopped(const json& result);
void render_deleted(const json& result);
// KEY=VALUE lines, under a "# name:index" header when several instances.
void render_env(const json& result);
// Every spec field, the instances, then each one's errors, logs and history.
void render_show(const json& result);
void render_signalled(const json& result);
void render_reset(const json& result);

}  // namespace pm::cli
