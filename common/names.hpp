// Process name rule: letters, digits, '.', '_', '-'; 1..64 chars; not "." or
// "..", not "all", not all digits (those are selectors). Pure.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pm {

inline constexpr std::size_t k_max_name_length = 64;

// The error of an invalid name ends with the rename to make: use "my-app".
Result<void> validate_name(std::string_view name);
// A valid name close to `name` (PM2 accepts "my app"; pm suggests "my-app"):
// each run of other characters becomes one '-', all digits get "app-".
std::string suggest_name(std::string_view name);

// Derives a valid default name from a command's argv[0] (basename, invalid
// characters replaced by '-'), as PM2 names apps after their script.
std::string default_name_for(std::string_view argv0);

}  // namespace pm
