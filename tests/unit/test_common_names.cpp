// Unit tests for the process name rule and default names from argv[0].
#include "common/names.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_SUITE("common") {

TEST_CASE("valid process names are accepted") {
    const std::string good[] = {
        "web",
        "a",
        "A",
        "web-1",
        "api_v2",
        "my.app",
        "-",
        "_",
        "...",
        ".hidden",
        "1a",
        "a1",
        "ALL",
        "All",
        "0x10",
        std::string(64, 'x'),
    };
    for (const auto& name : good) {
        CAPTURE(name);
        CHECK(pm::validate_name(name).has_value());
    }
}

TEST_CASE("invalid process names are rejected as bad_args") {
    const std::string bad[] = {
        "",
        std::string(65, 'x'),
        ".",
        "..",
        "all",
        "0",
        "7",
        "123",
        "web app",
        "web:1",
        "web/1",
        "a*",
        "caf\xC3\xA9",
        std::string("nul\0byte", 8),
        "tab\t",
        "new\nline",
    };
    for (const auto& name : bad) {
        CAPTURE(name);
        auto r = pm::validate_name(name);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::bad_args);
    }
}

TEST_CASE("default name is the basename of argv0 with bad characters replaced") {
    struct Row {
        const char* argv0;
        const char* name;
    };
    const Row rows[] = {
        {"/usr/bin/python3", "python3"},
        {"python3", "python3"},
        {"./server.js", "server.js"},
        {"/opt/my app/run server", "run-server"},
        {"/bin/a+b", "a-b"},
        {"caf\xC3\xA9", "caf--"},
        {"/usr/bin/", "app"},   // empty basename
        {"", "app"},
        {"/bin/123", "app"},    // all digits would read as an id
        {"/x/all", "app"},      // reserved
        {"/x/..", "app"},       // reserved
        {"/x/.", "app"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.argv0);
        CHECK(pm::default_name_for(row.argv0) == row.name);
    }
}

TEST_CASE("default name is truncated to the maximum name length") {
    std::string long_base(100, 'q');
    std::string name = pm::default_name_for("/bin/" + long_base);
    CHECK(name == std::string(pm::k_max_name_length, 'q'));
    CHECK(pm::validate_name(name).has_value());
}

}  // TEST_SUITE("common")

TEST_SUITE("common") {

TEST_CASE("an invalid name's error ends with the rename to make") {
    struct Case {
        std::string name;
        std::string ends;
    };
    const Case cases[] = {
        {"my app", "it has a space (names take letters, digits, '.', '_' and '-'): use \"my-app\""},
        {"api/v2", "it has '/' (names take letters, digits, '.', '_' and '-'): use \"api-v2\""},
        {"web:blue", "use \"web-blue\""},
        {"  spaced  out ", "use \"spaced-out\""},
        {"all", "reserved: use \"app-all\""},
        {"123", "all digits would read as an id: use \"app-123\""},
        {"caf\xc3\xa9 bar", "it has a character other than ASCII (names take letters, digits, '.', '_' and '-'): use \"caf-bar\""},
        {std::string(70, 'x'), "must be 1 to 64 characters: use \"" + std::string(64, 'x') + "\""},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto r = pm::validate_name(c.name);
        REQUIRE_FALSE(r);
        const std::string& msg = r.error().message;
        CHECK_MESSAGE(msg.size() >= c.ends.size(), msg);
        CHECK_MESSAGE(msg.substr(msg.size() - std::min(msg.size(), c.ends.size())) == c.ends, msg);
        CHECK(pm::validate_name(pm::suggest_name(c.name)));
    }
}

TEST_CASE("a suggested name for a name with no usable character is app") {
    CHECK(pm::suggest_name("!!!") == "app");
    CHECK(pm::suggest_name("") == "app");
}

}  // TEST_SUITE
