#include "cli/ecosystem_js.hpp"
namespace pm::cli {
Result<json> eval_js_ecosystem(const std::string& path) { return fail(ErrorCode::bad_args, path); }
}
