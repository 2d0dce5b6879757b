// Unit tests for the wire protocol: request parsing, depth limits, reply
// shapes, UTF-8-safe serialisation and the typed argument helpers.
#include "common/protocol.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "../fuzz/mutate.hpp"

namespace {

using pm::ErrorCode;
using pm::json;

// `n` nested arrays: "[[...]]".
std::string nested_arrays(int n) { return std::string(n, '[') + std::string(n, ']'); }

// A request object whose total nesting depth is `depth` (>= 2): the request
// object, its args object, then depth - 2 arrays.
std::string request_with_depth(int depth) {
    return R"({"id":1,"cmd":"ping","args":{"deep":)" + nested_arrays(depth - 2) + "}}";
}

std::string code_of(const pm::Error& e) { return std::string(pm::to_string(e.code)); }

}  // namespace

TEST_SUITE("common") {

TEST_CASE("json_depth measures the deepest array or object nesting") {
    struct Row {
        const char* text;
        int depth;
    };
    const Row rows[] = {
        {"", 0},
        {"42", 0},
        {"\"text\"", 0},
        {"{}", 1},
        {"[]", 1},
        {"[1,[2],{\"a\":[3]}]", 3},
        {"{\"a\":{\"b\":{\"c\":{}}}}", 4},
        {"[[]][[[]]]", 3},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        CHECK(pm::json_depth(row.text, 100) == row.depth);
    }
}

TEST_CASE("json_depth ignores brackets inside strings and escaped quotes") {
    CHECK(pm::json_depth(R"(["[[[[{{{{"])", 100) == 1);
    CHECK(pm::json_depth(R"({"k[":"v{"})", 100) == 1);
    // The escaped quote does not end the string, so the brackets stay inside.
    CHECK(pm::json_depth(R"(["a\"[[[[", 1])", 100) == 1);
    // An escaped backslash does end before the quote, so this string closes
    // and the following brackets count.
    CHECK(pm::json_depth(R"(["a\\", [[1]]])", 100) == 3);
}

TEST_CASE("json_depth stops counting once past the limit") {
    std::string hostile = std::string(100000, '[');
    CHECK(pm::json_depth(hostile, 64) == 65);
    CHECK(pm::json_depth(nested_arrays(10), 3) == 4);
}

TEST_CASE("parse_request accepts a well formed request") {
    json id;
    SUBCASE("integer id and args") {
        auto r = pm::parse_request(R"({"id":7,"cmd":"stop","args":{"selector":"web"}})", id);
        REQUIRE(r.has_value());
        CHECK(r->id == json(7));
        CHECK(r->cmd == "stop");
        CHECK(r->args == json{{"selector", "web"}});
        CHECK(id == json(7));
    }
    SUBCASE("string id") {
        auto r = pm::parse_request(R"({"id":"abc","cmd":"ping"})", id);
        REQUIRE(r.has_value());
        CHECK(r->id == json("abc"));
        CHECK(id == json("abc"));
    }
    SUBCASE("no id and no args") {
        auto r = pm::parse_request(R"({"cmd":"list"})", id);
        REQUIRE(r.has_value());
        CHECK(r->id.is_null());
        CHECK(r->args == json::object());
        CHECK(id.is_null());
    }
    SUBCASE("null args is the same as no args") {
        auto r = pm::parse_request(R"({"id":1,"cmd":"list","args":null})", id);
        REQUIRE(r.has_value());
        CHECK(r->args == json::object());
    }
    SUBCASE("large unsigned id is echoed verbatim") {
        auto r = pm::parse_request(R"({"id":18446744073709551615,"cmd":"ping"})", id);
        REQUIRE(r.has_value());
        CHECK(r->id.get<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());
    }
}

TEST_CASE("parse_request rejects input that is not a JSON object") {
    struct Row {
        const char* line;
    };
    const Row rows[] = {
        {""},
        {"{"},
        {"not json"},
        {R"({"cmd":"ping",})"},
        {R"({"cmd":"ping"} trailing)"},
        {"[]"},
        {"[1,2]"},
        {"\"ping\""},
        {"42"},
        {"null"},
        {"true"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.line);
        json id = "stale";
        auto r = pm::parse_request(row.line, id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "invalid_json");
        CHECK(id.is_null());
    }
}

TEST_CASE("parse_request rejects a missing or mistyped cmd and keeps the id") {
    struct Row {
        const char* line;
    };
    const Row rows[] = {
        {R"({"id":5})"},
        {R"({"id":5,"cmd":null})"},
        {R"({"id":5,"cmd":3})"},
        {R"({"id":5,"cmd":["ping"]})"},
        {R"({"id":5,"cmd":{"name":"ping"}})"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.line);
        json id;
        auto r = pm::parse_request(row.line, id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
        CHECK(id == json(5));
    }
}

TEST_CASE("parse_request rejects ids that are neither integers nor strings") {
    struct Row {
        const char* line;
    };
    const Row rows[] = {
        {R"({"id":1.5,"cmd":"ping"})"},
        {R"({"id":true,"cmd":"ping"})"},
        {R"({"id":null,"cmd":"ping"})"},
        {R"({"id":[1],"cmd":"ping"})"},
        {R"({"id":{"n":1},"cmd":"ping"})"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.line);
        json id = "stale";
        auto r = pm::parse_request(row.line, id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
        CHECK(id.is_null());
    }
}

TEST_CASE("parse_request rejects args that are not an object") {
    for (const char* args : {"[]", "\"x\"", "1", "true", "[{\"a\":1}]"}) {
        CAPTURE(args);
        std::string line = std::string(R"({"id":9,"cmd":"ping","args":)") + args + "}";
        json id;
        auto r = pm::parse_request(line, id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
        CHECK(id == json(9));
    }
}

TEST_CASE("parse_request rejects nesting one level past the depth limit") {
    REQUIRE(pm::k_max_json_depth == 64);
    json id;
    SUBCASE("bare arrays one past the limit") {
        auto r = pm::parse_request(nested_arrays(pm::k_max_json_depth + 1), id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "too_deep");
    }
    SUBCASE("bare arrays exactly at the limit pass the depth check") {
        // Not an object, so it fails later and for a different reason.
        auto r = pm::parse_request(nested_arrays(pm::k_max_json_depth), id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "invalid_json");
    }
    SUBCASE("a request exactly at the limit is accepted") {
        auto r = pm::parse_request(request_with_depth(pm::k_max_json_depth), id);
        REQUIRE(r.has_value());
        CHECK(r->cmd == "ping");
        CHECK(r->args.contains("deep"));
    }
    SUBCASE("a request one past the limit is rejected") {
        auto r = pm::parse_request(request_with_depth(pm::k_max_json_depth + 1), id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "too_deep");
    }
    SUBCASE("a hostile megabyte of brackets is rejected without recursion") {
        auto r = pm::parse_request(std::string(1024 * 1024, '['), id);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "too_deep");
    }
    SUBCASE("brackets inside strings do not count toward the limit") {
        std::string line = R"({"id":1,"cmd":"ping","args":{"s":")" + std::string(200, '[') + R"("}})";
        auto r = pm::parse_request(line, id);
        REQUIRE(r.has_value());
        CHECK(r->args["s"].get<std::string>().size() == 200);
    }
}

TEST_CASE("make_ok and make_error produce the documented reply shapes") {
    json ok = pm::make_ok(7, json{{"pong", true}});
    CHECK(ok == json{{"id", 7}, {"ok", true}, {"result", {{"pong", true}}}});

    json err = pm::make_error("req-1", pm::Error{ErrorCode::not_found, "no process named 'web'"});
    CHECK(err == json{{"id", "req-1"},
                      {"ok", false},
                      {"error", {{"code", "not_found"}, {"message", "no process named 'web'"}}}});

    json anon = pm::make_error(nullptr, pm::Error{ErrorCode::line_too_long, "too long"});
    CHECK(anon["id"].is_null());
    CHECK(anon["error"]["code"] == "line_too_long");

    json ev = pm::make_event(3, "log", json{{"line", "hi"}});
    CHECK(ev == json{{"id", 3}, {"event", "log"}, {"data", {{"line", "hi"}}}});
}

TEST_CASE("make_request builds a request that parse_request reads back unchanged") {
    json req = pm::make_request(4, "stop", json{{"selector", "web"}});
    CHECK(req == json{{"id", 4}, {"cmd", "stop"}, {"args", {{"selector", "web"}}}});
    json id;
    auto parsed = pm::parse_request(pm::to_line(req), id);
    REQUIRE(parsed);
    CHECK(parsed->id == 4);
    CHECK(parsed->cmd == "stop");
    CHECK(parsed->args == json{{"selector", "web"}});
}

TEST_CASE("to_line writes one compact line terminated by a newline") {
    std::string line = pm::to_line(pm::make_ok(1, json{{"a", "b c"}}));
    REQUIRE_FALSE(line.empty());
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(json::parse(line) == json{{"id", 1}, {"ok", true}, {"result", {{"a", "b c"}}}});
    // A newline inside a value is escaped, never a line break.
    std::string multi = pm::to_line(json{{"s", "one\ntwo"}});
    CHECK(multi.find('\n') == multi.size() - 1);
}

TEST_CASE("to_line replaces invalid UTF-8 with U+FFFD instead of throwing") {
    json msg = pm::make_event(1, "log", json{{"line", std::string("ok \xff\xfe end \xc3")}});
    std::string line;
    CHECK_NOTHROW(line = pm::to_line(msg));
    json back;
    CHECK_NOTHROW(back = json::parse(line));
    CHECK(back["data"]["line"] == "ok \xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD");
    // Valid multibyte text is untouched.
    json good = json{{"s", "h\xC3\xA9llo \xF0\x9F\x98\x80"}};
    CHECK(json::parse(pm::to_line(good)) == good);
}

TEST_CASE("arg helpers return the fallback when a key is missing or null") {
    json args = {{"present", "x"}, {"nothing", nullptr}};
    for (const char* key : {"absent", "nothing"}) {
        CAPTURE(key);
        auto s = pm::arg_string(args, key, "fb");
        REQUIRE(s.has_value());
        CHECK(*s == "fb");
        auto i = pm::arg_int(args, key, 42, 0, 10);  // the fallback is not range-checked
        REQUIRE(i.has_value());
        CHECK(*i == 42);
        auto b = pm::arg_bool(args, key, true);
        REQUIRE(b.has_value());
        CHECK(*b == true);
        auto l = pm::arg_string_list(args, key, 4);
        REQUIRE(l.has_value());
        CHECK(l->empty());
        auto m = pm::arg_string_map(args, key, 4);
        REQUIRE(m.has_value());
        CHECK(m->empty());
    }
    SUBCASE("args that are not an object behave as empty") {
        auto s = pm::arg_string(json::array({1, 2}), "k", "fb");
        REQUIRE(s.has_value());
        CHECK(*s == "fb");
    }
}

TEST_CASE("arg helpers reject a present key of the wrong type as bad_args") {
    json args = {{"s", 1}, {"i", "1"}, {"f", 1.5}, {"b", 0}, {"l", "a"}, {"m", json::array()}};
    auto s = pm::arg_string(args, "s");
    REQUIRE_FALSE(s.has_value());
    CHECK(code_of(s.error()) == "bad_args");
    CHECK(s.error().message.find("'s'") != std::string::npos);

    for (const char* key : {"i", "f", "l", "m"}) {
        CAPTURE(key);
        auto i = pm::arg_int(args, key, 0, -100, 100);
        REQUIRE_FALSE(i.has_value());
        CHECK(code_of(i.error()) == "bad_args");
    }
    auto b = pm::arg_bool(args, "b", false);
    REQUIRE_FALSE(b.has_value());
    CHECK(code_of(b.error()) == "bad_args");

    auto l = pm::arg_string_list(args, "l", 10);
    REQUIRE_FALSE(l.has_value());
    CHECK(code_of(l.error()) == "bad_args");

    auto m = pm::arg_string_map(args, "m", 10);
    REQUIRE_FALSE(m.has_value());
    CHECK(code_of(m.error()) == "bad_args");
}

TEST_CASE("arg_required_string fails when the key is missing") {
    json args = {{"name", "web"}, {"nil", nullptr}, {"num", 3}};
    auto ok = pm::arg_required_string(args, "name");
    REQUIRE(ok.has_value());
    CHECK(*ok == "web");
    for (const char* key : {"absent", "nil", "num"}) {
        CAPTURE(key);
        auto r = pm::arg_required_string(args, key);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
    auto missing = pm::arg_required_string(args, "absent");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message == "missing argument 'absent'");
}

TEST_CASE("arg_int enforces an inclusive range") {
    struct Row {
        json value;
        bool ok;
        std::int64_t expected;
    };
    const Row rows[] = {
        {1, true, 1},
        {10, true, 10},
        {5, true, 5},
        {0, false, 0},
        {11, false, 0},
        {-1, false, 0},
        {json(std::numeric_limits<std::int64_t>::min()), false, 0},
        {json(std::numeric_limits<std::uint64_t>::max()), false, 0},
    };
    for (const auto& row : rows) {
        CAPTURE(row.value.dump());
        auto r = pm::arg_int(json{{"n", row.value}}, "n", 3, 1, 10);
        REQUIRE(r.has_value() == row.ok);
        if (row.ok) {
            CHECK(*r == row.expected);
        } else {
            CHECK(code_of(r.error()) == "bad_args");
        }
    }
    SUBCASE("unsigned values above INT64_MAX clamp to INT64_MAX") {
        auto r = pm::arg_int(json{{"n", std::numeric_limits<std::uint64_t>::max()}}, "n", 0, 0,
                             std::numeric_limits<std::int64_t>::max());
        REQUIRE(r.has_value());
        CHECK(*r == std::numeric_limits<std::int64_t>::max());
    }
}

TEST_CASE("arg_bool reads true and false") {
    auto t = pm::arg_bool(json{{"b", true}}, "b", false);
    REQUIRE(t.has_value());
    CHECK(*t == true);
    auto f = pm::arg_bool(json{{"b", false}}, "b", true);
    REQUIRE(f.has_value());
    CHECK(*f == false);
}

TEST_CASE("arg_string_list enforces item type and the item limit") {
    SUBCASE("exactly at the limit") {
        auto r = pm::arg_string_list(json{{"l", {"a", "b", "c"}}}, "l", 3);
        REQUIRE(r.has_value());
        CHECK(*r == std::vector<std::string>{"a", "b", "c"});
    }
    SUBCASE("one over the limit") {
        auto r = pm::arg_string_list(json{{"l", {"a", "b", "c", "d"}}}, "l", 3);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
        CHECK(r.error().message.find("more than 3") != std::string::npos);
    }
    SUBCASE("a non-string item") {
        auto r = pm::arg_string_list(json{{"l", json::array({"a", 2})}}, "l", 3);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
    SUBCASE("empty array") {
        auto r = pm::arg_string_list(json{{"l", json::array()}}, "l", 3);
        REQUIRE(r.has_value());
        CHECK(r->empty());
    }
}

TEST_CASE("arg_string_map enforces value type and the entry limit") {
    SUBCASE("exactly at the limit") {
        auto r = pm::arg_string_map(json{{"m", {{"A", "1"}, {"B", "2"}}}}, "m", 2);
        REQUIRE(r.has_value());
        CHECK(*r == std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}});
    }
    SUBCASE("one over the limit") {
        auto r = pm::arg_string_map(json{{"m", {{"A", "1"}, {"B", "2"}, {"C", "3"}}}}, "m", 2);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
    SUBCASE("a non-string value") {
        auto r = pm::arg_string_map(json{{"m", {{"A", 1}}}}, "m", 2);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
    SUBCASE("an array is not a map") {
        auto r = pm::arg_string_map(json{{"m", json::array({"A", "1"})}}, "m", 2);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
}

}  // TEST_SUITE("common")


TEST_CASE("fuzz: 20,000 mutated requests never throw, and every reply is one valid JSON line") {
    std::mt19937 rng(20261122);
    auto corpus = pm::fuzz::seed_corpus("/bin/true");
    int parsed = 0, rejected = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string line = pm::fuzz::mutate(corpus[i % corpus.size()], rng, corpus);
        CAPTURE(line);
        json id;
        auto req = pm::parse_request(line, id);  // an exception fails the test case
        json reply = req ? pm::make_ok(id, req->args) : pm::make_error(id, req.error());
        std::string out = pm::to_line(reply);
        REQUIRE(!out.empty());
        CHECK(out.back() == '\n');
        CHECK(out.find('\n') == out.size() - 1);
        json back = json::parse(out, nullptr, false);
        REQUIRE_FALSE(back.is_discarded());
        CHECK(back["ok"].is_boolean());
        (req ? parsed : rejected) += 1;
    }
    // The mutations reach both sides of the parser.
    CHECK(parsed > 1000);
    CHECK(rejected > 1000);
}
