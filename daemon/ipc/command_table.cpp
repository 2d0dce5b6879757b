// THE command table, sorted by name. docs/protocol.md documents each entry;
// a unit test keeps the two in step. start's keys come from the start-option
// table (common/start_options.hpp).
#include "daemon/ipc/command_table.hpp"

#include <array>

#include "common/start_options.hpp"

namespace pm::ipc {
namespace {

constexpr std::string_view k_no_args[] = {""};
constexpr std::string_view k_hello_args[] = {"protocol", "client"};
constexpr std::string_view k_selector_args[] = {"selector"};
constexpr std::string_view k_logs_args[] = {"selector", "lines", "follow", "stream", "b64"};
constexpr std::string_view k_cancel_args[] = {"request"};
constexpr std::string_view k_optional_selector_args[] = {"selector"};
constexpr std::string_view k_memory_args[] = {"detail"};
constexpr std::string_view k_save_args[] = {"force"};
constexpr std::string_view k_scale_args[] = {"name", "instances"};
constexpr std::string_view k_signal_args[] = {"signal", "selector"};
constexpr std::string_view k_wait_args[] = {"selector", "state", "timeout"};
constexpr std::string_view k_reload_args[] = {"selector", "timeout", "env_base", "env"};
constexpr std::string_view k_restart_args[] = {"selector", "env_base", "env"};
constexpr std::string_view k_web_args[] = {"listen"};

constexpr std::span<const std::string_view> none() { return {k_no_args, 0}; }

constexpr std::array k_commands{
    CommandSpec{"cancel", handle_cancel, flag_none, k_cancel_args,
                "end a stream (a logs follow) started by this client"},
    CommandSpec{"delete", handle_delete, flag_mutating, k_selector_args,
                "stop and forget processes"},
    CommandSpec{"env", handle_env, flag_none, k_selector_args,
                "the environment each selected instance is spawned with"},
    CommandSpec{"errors", handle_errors, flag_none, none(),
                "recent daemon-level errors, counted by kind"},
    CommandSpec{"flush", handle_flush, flag_mutating, k_optional_selector_args,
                "empty log rings and files"},
    CommandSpec{"hello", handle_hello, flag_none, k_hello_args,
                "protocol and daemon version"},
    CommandSpec{"kill", handle_kill, flag_mutating | flag_during_shutdown, none(),
                "stop every process and exit the daemon"},
    CommandSpec{"list", handle_list, flag_none, none(), "every instance with its state"},
    CommandSpec{"logs", handle_logs, flag_streaming, k_logs_args,
                "recent log lines, then new ones with follow"},
    CommandSpec{"memoryStats", handle_memory_stats, flag_none, k_memory_args,
                "daemon memory, accounted per subsystem"},
    CommandSpec{"monitor", handle_monitor, flag_streaming, none(),
                "a stats frame for every process after each sampler tick"},
    CommandSpec{"performanceStats", handle_performance_stats, flag_none, none(),
                "requests, latency, loop lag, log rates, sampler cost"},
    CommandSpec{"ping", handle_ping, flag_none, none(), "liveness check"},
    CommandSpec{"reload", handle_reload, flag_mutating, k_reload_args,
                "rolling restart: one instance at a time, each back online before the next"},
    CommandSpec{"reloadLogs", handle_reload_logs, flag_mutating, none(),
                "reopen every log file (external rotation)"},
    CommandSpec{"reset", handle_reset, flag_mutating, k_selector_args,
                "restart counters back to zero"},
    CommandSpec{"restart", handle_restart, flag_mutating, k_restart_args,
                "stop then start processes"},
    CommandSpec{"resurrect", handle_resurrect, flag_mutating, none(),
                "start the processes of the saved list"},
    CommandSpec{"rotateLogs", handle_rotate_logs, flag_mutating, k_optional_selector_args,
                "rotate log files now, as a size rotation would"},
    CommandSpec{"save", handle_save, flag_mutating, k_save_args,
                "write the process list to dump.json (atomically, previous kept as .bak)"},
    CommandSpec{"scale", handle_scale, flag_mutating, k_scale_args,
                "change the number of instances of a process"},
    CommandSpec{"show", handle_show, flag_none, k_selector_args,
                "every field of one process"},
    CommandSpec{"signal", handle_signal, flag_mutating, k_signal_args,
                "send a signal to processes' groups"},
    CommandSpec{"start", handle_start, flag_mutating, k_start_keys,
                "start a new process or a stopped one"},
    CommandSpec{"stop", handle_stop, flag_mutating, k_selector_args,
                "stop processes (stop signal, then SIGKILL)"},
    CommandSpec{"wait", handle_wait, flag_none, k_wait_args,
                "reply once processes reach a state (default online), fail or time out"},
    CommandSpec{"web", handle_web, flag_mutating, k_web_args,
                "turn the web view (HTTP) on if it is off; its URL and token"},
};

}  // namespace

std::span<const CommandSpec> command_table() { return k_commands; }

const CommandSpec* find_command(std::string_view name, std::span<const CommandSpec> table) {
    for (const auto& c : table) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

std::size_t command_index(const CommandSpec& spec, std::span<const CommandSpec> table) {
    return static_cast<std::size_t>(&spec - table.data());
}

}  // namespace pm::ipc
