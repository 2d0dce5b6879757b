// Ecosystem file text as PM2 reads it: JSON with comments and trailing
// commas, and YAML. Both give the same json document; errors carry the line
// and column. Pure.
#pragma once

#include <string>

#include "common/protocol.hpp"
#include "common/result.hpp"

namespace pm::cli {

// JSON, with // and /* */ comments and trailing commas accepted.
Result<json> parse_lenient_json(const std::string& text);
// YAML (yaml-cpp): plain scalars read as YAML 1.2's core schema (null,
// booleans, integers, floats), quoted scalars always as strings.
Result<json> parse_yaml(const std::string& text);

}  // namespace pm::cli
