// Unit tests for selectors: parsing all, numeric id, name, name:index, and
// which instances each one matches.
#include "common/selector.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace {

using Kind = pm::Selector::Kind;

}  // namespace

TEST_SUITE("common") {

TEST_CASE("selector parses all, ids, names and instances") {
    struct Row {
        const char* text;
        Kind kind;
        const char* name;
        std::uint32_t index;
        std::uint64_t id;
    };
    const Row rows[] = {
        {"all", Kind::all, "", 0, 0},
        {"7", Kind::id, "", 0, 7},
        {"0", Kind::id, "", 0, 0},
        {"007", Kind::id, "", 0, 7},
        {"123456789012345678", Kind::id, "", 0, 123456789012345678ULL},
        {"web", Kind::name, "web", 0, 0},
        {"web-1.api_v2", Kind::name, "web-1.api_v2", 0, 0},
        {"ALL", Kind::name, "ALL", 0, 0},
        {"web2", Kind::name, "web2", 0, 0},
        {"web:2", Kind::instance, "web", 2, 0},
        {"web:0", Kind::instance, "web", 0, 0},
        {"web:007", Kind::instance, "web", 7, 0},
        {"web:4294967295", Kind::instance, "web", 4294967295U, 0},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto r = pm::parse_selector(row.text);
        REQUIRE(r.has_value());
        CHECK(r->kind == row.kind);
        CHECK(r->name == row.name);
        CHECK(r->index == row.index);
        CHECK(r->id == row.id);
    }
}

TEST_CASE("selector rejects malformed input as bad_args") {
    const char* bad[] = {
        "",             // empty
        "web:",         // no index
        "web:x",        // non-numeric index
        "web:-1",       // negative index
        "web:+1",       // signed index
        "web:1x",       // trailing junk in index
        "web:4294967296",  // index overflows 32 bits
        ":1",           // no name
        "bad name!",    // invalid characters
        "a:b:c",        // last part is not an index
        "a:b:1",        // name part "a:b" is not a valid name
        "all:1",        // "all" is reserved, not a name
        ".:1",          // reserved name
        "..",           // reserved name
        "12:3",         // an all-digit name would read as an id
        "1234567890123456789",  // too long for an id, and all digits as a name
        " 7",           // whitespace is not trimmed
        "web ",
    };
    for (const char* text : bad) {
        CAPTURE(text);
        auto r = pm::parse_selector(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::bad_args);
        CHECK_FALSE(r.error().message.empty());
    }
}

TEST_CASE("selector validates names with the same rule as start") {
    auto ok = pm::parse_selector(std::string(64, 'n'));
    REQUIRE(ok.has_value());
    CHECK(ok->kind == Kind::name);
    auto too_long = pm::parse_selector(std::string(65, 'n'));
    CHECK_FALSE(too_long.has_value());
    auto inst_too_long = pm::parse_selector(std::string(65, 'n') + ":1");
    CHECK_FALSE(inst_too_long.has_value());
}

TEST_CASE("a selector matches the instances it names and no other") {
    struct Row {
        const char* text;
        const char* name;
        std::uint32_t index;
        std::uint64_t id;
        bool match;
    };
    const Row rows[] = {
        {"all", "web", 0, 0, true},     {"all", "api", 3, 9, true},
        {"web", "web", 0, 4, true},     {"web", "web", 2, 6, true},   {"web", "webx", 0, 4, false},
        {"web:2", "web", 2, 6, true},   {"web:2", "web", 1, 5, false}, {"web:2", "api", 2, 6, false},
        {"7", "web", 0, 7, true},       {"7", "web", 7, 1, false},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        CAPTURE(row.name);
        auto sel = pm::parse_selector(row.text);
        REQUIRE(sel.has_value());
        CHECK(sel->matches(row.name, row.index, row.id) == row.match);
    }
}

}  // TEST_SUITE("common")
