// JavaScript ecosystem files (ecosystem.config.js / .cjs / .mjs), evaluated
// as PM2 does: the system `node` runs a small loader that requires (or
// imports) the file, calls an exported function, awaits a Promise and prints
// the result as JSON. Runs in the caller's cwd and environment.
#pragma once

#include <string>

#include "common/protocol.hpp"
#include "common/result.hpp"

namespace pm::cli {

// The file's export as JSON (functions inside it are dropped, as
// JSON.stringify does). Errors: node missing from PATH, a JS error
// ("PATH: SyntaxError: ..."), output that is not JSON or too large, or node
// still running after 10 s (killed).
Result<json> eval_js_ecosystem(const std::string& path);
// The same with another time limit, in milliseconds.
Result<json> eval_js_ecosystem(const std::string& path, int timeout_ms);

}  // namespace pm::cli
