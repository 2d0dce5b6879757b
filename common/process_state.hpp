// ProcessState: the supervisor's states, with one to/from string table.
// Shared by pmd (state machine) and pm (rendering, waits).
#pragma once

#include <optional>
#include <string_view>

namespace pm {

enum class ProcessState { stopped, starting, online, stopping, exited, backoff, errored };

inline constexpr ProcessState k_all_states[] = {
    ProcessState::stopped, ProcessState::starting, ProcessState::online, ProcessState::stopping,
    ProcessState::exited,  ProcessState::backoff,  ProcessState::errored,
};

std::string_view to_string(ProcessState s);
std::optional<ProcessState> process_state_from_string(std::string_view s);

// True while a process of ours may be running (a pid may exist).
bool is_running(ProcessState s);

}  // namespace pm
