#pragma once
#include <string>
#include "common/protocol.hpp"
#include "common/result.hpp"
namespace pm::cli {
Result<json> eval_js_ecosystem(const std::string& path);
}
