// Unit tests for JS ecosystem files evaluated by the system node.
#include "cli/ecosystem_js.hpp"

#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

using pm::json;
using pm::cli::eval_js_ecosystem;
using pm::test::TempDir;

namespace {

bool have_node() {
    const char* env = std::getenv("PATH");
    std::string paths = env != nullptr ? env : "";
    std::size_t pos = 0;
    while (pos <= paths.size()) {
        auto colon = paths.find(':', pos);
        std::string dir = paths.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/node";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return true;
        }
        if (colon == std::string::npos) {
            break;
        }
        pos = colon + 1;
    }
    return false;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    REQUIRE(f.good());
    f << text;
}

// The error's message, or "" (doctest may print a message on success too).
std::string error_of(const pm::Result<json>& r) {
    return r.has_value() ? std::string() : r.error().message;
}

#define SKIP_WITHOUT_NODE()                              \
    do {                                                 \
        if (!have_node()) {                              \
            MESSAGE("node is not on PATH: test skipped"); \
            return;                                      \
        }                                                \
    } while (false)

}  // namespace

TEST_CASE("ecosystem js: module.exports with a sibling require and process.env") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    ::setenv("PM_ECO_JS_TEST_VAR", "from-env", 1);
    write_file(dir / "other.js", "module.exports = { port: 8080 };\n");
    write_file(dir / "ecosystem.config.js",
               "const other = require('./other.js');\n"
               "module.exports = {\n"
               "  apps: [{\n"
               "    name: 'web',\n"
               "    script: 'server.js',\n"
               "    env: { PORT: other.port, MODE: process.env.PM_ECO_JS_TEST_VAR },\n"
               "    filter: function () { return 1; },\n"
               "  }],\n"
               "};\n");
    auto r = eval_js_ecosystem(dir / "ecosystem.config.js");
    ::unsetenv("PM_ECO_JS_TEST_VAR");
    REQUIRE_MESSAGE(r.has_value(), error_of(r));
    json expected = json::parse(R"({"apps":[{"name":"web","script":"server.js",
        "env":{"PORT":8080,"MODE":"from-env"}}]})");
    CHECK(*r == expected);
}

TEST_CASE("ecosystem js: a .cjs file") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    write_file(dir / "ecosystem.config.cjs", "module.exports = { apps: [{ name: 'a', script: 'a.js', instances: 2 }] };\n");
    auto r = eval_js_ecosystem(dir / "ecosystem.config.cjs");
    REQUIRE_MESSAGE(r.has_value(), error_of(r));
    CHECK(*r == json::parse(R"({"apps":[{"name":"a","script":"a.js","instances":2}]})"));
}

TEST_CASE("ecosystem js: an .mjs file with export default") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    write_file(dir / "ecosystem.config.mjs", "const name = 'm';\nexport default { apps: [{ name, script: 'm.js' }] };\n");
    auto r = eval_js_ecosystem(dir / "ecosystem.config.mjs");
    REQUIRE_MESSAGE(r.has_value(), error_of(r));
    CHECK(*r == json::parse(R"({"apps":[{"name":"m","script":"m.js"}]})"));
}

TEST_CASE("ecosystem js: an exported function is called, its Promise awaited") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    write_file(dir / "fn.config.js", "module.exports = () => ({ apps: [{ name: 'f', script: 'f.js' }] });\n");
    auto r = eval_js_ecosystem(dir / "fn.config.js");
    REQUIRE_MESSAGE(r.has_value(), error_of(r));
    CHECK(*r == json::parse(R"({"apps":[{"name":"f","script":"f.js"}]})"));

    write_file(dir / "async.config.js",
               "module.exports = async () => ({ apps: [{ name: 'p', script: 'p.js' }] });\n");
    auto p = eval_js_ecosystem(dir / "async.config.js");
    REQUIRE_MESSAGE(p.has_value(), error_of(p));
    CHECK(*p == json::parse(R"({"apps":[{"name":"p","script":"p.js"}]})"));
}

TEST_CASE("ecosystem js: a syntax error names the file and SyntaxError") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    std::string file = dir / "broken.config.js";
    write_file(file, "module.exports = { apps: [ { name: 'x', } ;\n");
    auto r = eval_js_ecosystem(file);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("broken.config.js") != std::string::npos);
    CHECK(r.error().message.find("SyntaxError") != std::string::npos);
    CHECK(r.error().message.size() < 2200 + file.size());
}

TEST_CASE("ecosystem js: a thrown error's message is reported") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    std::string file = dir / "throws.config.js";
    write_file(file, "throw new Error('boom');\n");
    auto r = eval_js_ecosystem(file);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("boom") != std::string::npos);
    CHECK(r.error().message.rfind(file, 0) == 0);
}

TEST_CASE("ecosystem js: a file that never finishes is stopped at the time limit") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    std::string file = dir / "loop.config.js";
    write_file(file, "while (true) {}\n");
    auto start = std::chrono::steady_clock::now();
    auto r = eval_js_ecosystem(file, 1000);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == pm::ErrorCode::timeout);
    CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("ecosystem js: node missing from PATH is a clear error") {
    TempDir dir("pm-eco-js");
    const char* old = std::getenv("PATH");
    std::string saved = old != nullptr ? old : "";
    ::setenv("PATH", dir.path.c_str(), 1);
    auto r = eval_js_ecosystem("eco.config.js");
    ::setenv("PATH", saved.c_str(), 1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("node is needed to read eco.config.js") != std::string::npos);
    CHECK(r.error().message.find("apt-get install nodejs") != std::string::npos);
}

TEST_CASE("ecosystem js: an ES module .js (package type module) falls back to import") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    write_file(dir / "package.json", "{\"type\": \"module\"}\n");
    write_file(dir / "ecosystem.config.js", "export default { apps: [{ name: 'esm', script: 'e.js' }] };\n");
    auto r = eval_js_ecosystem(dir / "ecosystem.config.js");
    REQUIRE_MESSAGE(r.has_value(), error_of(r));
    CHECK(*r == json::parse(R"({"apps":[{"name":"esm","script":"e.js"}]})"));
}

TEST_CASE("ecosystem js: an export JSON cannot hold is an error") {
    SKIP_WITHOUT_NODE();
    TempDir dir("pm-eco-js");
    write_file(dir / "empty.config.js", "module.exports = undefined;\n");
    auto r = eval_js_ecosystem(dir / "empty.config.js");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("empty.config.js") != std::string::npos);
}
