// Unit tests for the ErrorCode table: wire names and CLI exit codes.
#include "common/error.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace {

using pm::ErrorCode;

// Every ErrorCode, with the wire name and exit code documented in docs/cli.md.
struct Expected {
    ErrorCode code;
    const char* name;
    int exit_code;
};

constexpr Expected k_expected[] = {
    {ErrorCode::ok, "ok", 0},
    {ErrorCode::not_found, "not_found", 3},
    {ErrorCode::already_exists, "already_exists", 1},
    {ErrorCode::bad_args, "bad_args", 2},
    {ErrorCode::invalid_json, "invalid_json", 1},
    {ErrorCode::line_too_long, "line_too_long", 1},
    {ErrorCode::too_deep, "too_deep", 1},
    {ErrorCode::unknown_command, "unknown_command", 1},
    {ErrorCode::spawn_failed, "spawn_failed", 1},
    {ErrorCode::limit_reached, "limit_reached", 1},
    {ErrorCode::busy, "busy", 1},
    {ErrorCode::io_error, "io_error", 1},
    {ErrorCode::timeout, "timeout", 4},
    {ErrorCode::unreachable, "unreachable", 4},
    {ErrorCode::usage, "usage", 2},
    {ErrorCode::internal, "internal", 1},
};

}  // namespace

TEST_SUITE("common") {

TEST_CASE("every error code round-trips through its wire name") {
    std::set<std::string> seen;
    for (const auto& e : k_expected) {
        CAPTURE(e.name);
        CHECK(pm::to_string(e.code) == e.name);
        auto back = pm::error_code_from_string(e.name);
        REQUIRE(back.has_value());
        CHECK(*back == e.code);
        CHECK(seen.insert(std::string(pm::to_string(e.code))).second);
    }
    // The table above covers the enum from its first to its last value.
    CHECK(static_cast<int>(ErrorCode::internal) + 1 == static_cast<int>(std::size(k_expected)));
}

TEST_CASE("unknown error names are not mapped to a code") {
    for (const char* name : {"", "NOT_FOUND", "not-found", "notfound", " ok", "ok ", "error"}) {
        CAPTURE(name);
        CHECK_FALSE(pm::error_code_from_string(name).has_value());
    }
}

TEST_CASE("error codes map to the documented CLI exit codes") {
    for (const auto& e : k_expected) {
        CAPTURE(e.name);
        CHECK(pm::exit_code_for(e.code) == e.exit_code);
    }
    CHECK(pm::exit_code_for(ErrorCode::ok) == pm::k_exit_ok);
    CHECK(pm::exit_code_for(ErrorCode::not_found) == pm::k_exit_not_found);
    CHECK(pm::exit_code_for(ErrorCode::unreachable) == pm::k_exit_unreachable);
    CHECK(pm::exit_code_for(ErrorCode::timeout) == pm::k_exit_unreachable);
    CHECK(pm::exit_code_for(ErrorCode::bad_args) == pm::k_exit_usage);
    CHECK(pm::exit_code_for(ErrorCode::usage) == pm::k_exit_usage);
    CHECK(pm::exit_code_for(ErrorCode::internal) == pm::k_exit_failure);
}

}  // TEST_SUITE("common")
