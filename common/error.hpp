// ErrorCode: every failure pm reports, with one table giving its wire name
// and the CLI exit code. Nothing compares error strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pm {

enum class ErrorCode {
    ok,
    not_found,
    already_exists,
    bad_args,
    invalid_json,
    line_too_long,
    too_deep,
    unknown_command,
    spawn_failed,
    limit_reached,
    busy,
    io_error,
    timeout,
    unreachable,
    usage,
    internal,
};

// Exit codes documented in docs/cli.md.
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failure = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_not_found = 3;
inline constexpr int k_exit_unreachable = 4;

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;
};

std::string_view to_string(ErrorCode code);
std::optional<ErrorCode> error_code_from_string(std::string_view name);
int exit_code_for(ErrorCode code);

}  // namespace pm
