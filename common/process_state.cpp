// ProcessState name table.
#include "common/process_state.hpp"

#include <array>
#include <utility>

namespace pm {
namespace {

constexpr std::array<std::pair<ProcessState, std::string_view>, 7> k_names{{
    {ProcessState::stopped, "stopped"},
    {ProcessState::starting, "starting"},
    {ProcessState::online, "online"},
    {ProcessState::stopping, "stopping"},
    {ProcessState::exited, "exited"},
    {ProcessState::backoff, "backoff"},
    {ProcessState::errored, "errored"},
}};

}  // namespace

std::string_view to_string(ProcessState s) {
    for (const auto& [state, name] : k_names) {
        if (state == s) {
            return name;
        }
    }
    return "unknown";
}

std::optional<ProcessState> process_state_from_string(std::string_view s) {
    for (const auto& [state, name] : k_names) {
        if (name == s) {
            return state;
        }
    }
    return std::nullopt;
}

bool is_running(ProcessState s) {
    return s == ProcessState::starting || s == ProcessState::online || s == ProcessState::stopping;
}

}  // namespace pm
