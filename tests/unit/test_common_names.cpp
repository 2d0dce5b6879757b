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
