// Signal names: "SIGTERM", "TERM" or "15" to a number, and back. Pure.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pm {

Result<int> parse_signal(std::string_view text);
std::string signal_name(int sig);

}  // namespace pm
