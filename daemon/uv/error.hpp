// Converts a libuv return code into a pm::Error at the boundary.
#pragma once

#include <uv.h>

#include <fmt/format.h>

#include "common/error.hpp"

namespace pm::uv {

inline Error uv_error(std::string_view op, int rc, ErrorCode code = ErrorCode::io_error) {
    return Error{code, fmt::format("{}: {} ({})", op, uv_err_name(rc), uv_strerror(rc))};
}

}  // namespace pm::uv
