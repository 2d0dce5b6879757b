// The command table: every protocol command, its handler, flags and the
// argument keys it accepts. Dispatch checks all of it centrally.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/protocol.hpp"
#include "daemon/ipc/context.hpp"

namespace pm::ipc {

enum CommandFlag : std::uint32_t {
    flag_none = 0,
    flag_mutating = 1u << 0,   // changes processes or the daemon (audit-logged)
    flag_streaming = 1u << 1,  // sends stream events: dispatch puts the connection in streaming mode
    flag_during_shutdown = 1u << 2,  // mutating, yet still accepted once shutdown has begun
};

using Handler = Result<json> (*)(CommandContext&, const json& args);

struct CommandSpec {
    std::string_view name;
    Handler handler;
    std::uint32_t flags;
    std::span<const std::string_view> args;  // accepted keys; others are errors
    std::string_view summary;
};

std::span<const CommandSpec> command_table();
// The entry named `name` in `table` (the real table unless a test gives its own).
const CommandSpec* find_command(std::string_view name, std::span<const CommandSpec> table = command_table());
// Index of a spec in its table (for per-command counters).
std::size_t command_index(const CommandSpec& spec, std::span<const CommandSpec> table = command_table());

// Handlers, grouped by domain in cmd_*.cpp.
Result<json> handle_hello(CommandContext&, const json&);
Result<json> handle_ping(CommandContext&, const json&);
Result<json> handle_kill(CommandContext&, const json&);
Result<json> handle_start(CommandContext&, const json&);
Result<json> handle_stop(CommandContext&, const json&);
Result<json> handle_restart(CommandContext&, const json&);
Result<json> handle_reload(CommandContext&, const json&);
Result<json> handle_delete(CommandContext&, const json&);
Result<json> handle_list(CommandContext&, const json&);
Result<json> handle_show(CommandContext&, const json&);
Result<json> handle_env(CommandContext&, const json&);
Result<json> handle_rotate_logs(CommandContext&, const json&);
Result<json> handle_logs(CommandContext&, const json&);
Result<json> handle_flush(CommandContext&, const json&);
Result<json> handle_reload_logs(CommandContext&, const json&);
Result<json> handle_cancel(CommandContext&, const json&);
Result<json> handle_memory_stats(CommandContext&, const json&);
Result<json> handle_performance_stats(CommandContext&, const json&);
Result<json> handle_errors(CommandContext&, const json&);
Result<json> handle_monitor(CommandContext&, const json&);
Result<json> handle_save(CommandContext&, const json&);
Result<json> handle_resurrect(CommandContext&, const json&);
Result<json> handle_scale(CommandContext&, const json&);
Result<json> handle_web(CommandContext&, const json&);
Result<json> handle_signal(CommandContext&, const json&);
Result<json> handle_reset(CommandContext&, const json&);
Result<json> handle_wait(CommandContext&, const json&);

}  // namespace pm::ipc
