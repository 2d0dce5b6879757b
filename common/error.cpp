// The one ErrorCode table: wire names and CLI exit codes.
#include "common/error.hpp"

#include <array>

namespace pm {
namespace {

struct ErrorInfo {
    ErrorCode code;
    std::string_view name;
    int exit_code;
};

constexpr std::array k_errors{
    ErrorInfo{ErrorCode::ok, "ok", k_exit_ok},
    ErrorInfo{ErrorCode::not_found, "not_found", k_exit_not_found},
    ErrorInfo{ErrorCode::already_exists, "already_exists", k_exit_failure},
    ErrorInfo{ErrorCode::bad_args, "bad_args", k_exit_usage},
    ErrorInfo{ErrorCode::invalid_json, "invalid_json", k_exit_failure},
    ErrorInfo{ErrorCode::line_too_long, "line_too_long", k_exit_failure},
    ErrorInfo{ErrorCode::too_deep, "too_deep", k_exit_failure},
    ErrorInfo{ErrorCode::unknown_command, "unknown_command", k_exit_failure},
    ErrorInfo{ErrorCode::spawn_failed, "spawn_failed", k_exit_failure},
    ErrorInfo{ErrorCode::limit_reached, "limit_reached", k_exit_failure},
    ErrorInfo{ErrorCode::busy, "busy", k_exit_failure},
    ErrorInfo{ErrorCode::io_error, "io_error", k_exit_failure},
    ErrorInfo{ErrorCode::timeout, "timeout", k_exit_unreachable},
    ErrorInfo{ErrorCode::unreachable, "unreachable", k_exit_unreachable},
    ErrorInfo{ErrorCode::usage, "usage", k_exit_usage},
    ErrorInfo{ErrorCode::internal, "internal", k_exit_failure},
};

const ErrorInfo& info(ErrorCode code) {
    for (const auto& e : k_errors) {
        if (e.code == code) {
            return e;
        }
    }
    return k_errors.back();
}

}  // namespace

std::string_view to_string(ErrorCode code) { return info(code).name; }

std::optional<ErrorCode> error_code_from_string(std::string_view name) {
    for (const auto& e : k_errors) {
        if (e.name == name) {
            return e.code;
        }
    }
    return std::nullopt;
}

int exit_code_for(ErrorCode code) { return info(code).exit_code; }

}  // namespace pm
