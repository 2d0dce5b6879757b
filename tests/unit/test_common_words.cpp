// Unit tests for shell-like word splitting and quoting (no expansion).
#include "common/words.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using Words = std::vector<std::string>;

}  // namespace

TEST_SUITE("common") {

TEST_CASE("split_words splits a command like a shell without expansion") {
    struct Row {
        const char* what;
        std::string text;
        Words words;
    };
    const Row rows[] = {
        {"empty", "", {}},
        {"only blanks", " \t\n ", {}},
        {"plain words", "python3 -m http.server 8000", {"python3", "-m", "http.server", "8000"}},
        {"repeated blanks", "  a   b  ", {"a", "b"}},
        {"tabs and newlines separate", "a\tb\nc", {"a", "b", "c"}},
        {"single quotes are literal", R"('a b' '$HOME' 'x\y' '"')", {"a b", "$HOME", R"(x\y)", "\""}},
        {"double quotes keep blanks", R"("a  b" "it's")", {"a  b", "it's"}},
        {"double quote escapes", R"("q\"q" "b\\s" "d\$" "t\`")", {"q\"q", R"(b\s)", "d$", "t`"}},
        {"other backslashes in double quotes stay", R"("a\nb" "c\'d")", {R"(a\nb)", R"(c\'d)"}},
        {"backslash escapes outside quotes", R"(a\ b c\"d \\ \')", {"a b", "c\"d", "\\", "'"}},
        {"adjacent quoted parts join", "a'b c'd", {"ab cd"}},
        {"adjacent mixed quoting joins", R"(x"y z"'w'\ v)", {"xy zw v"}},
        {"empty single quotes are a word", "''", {""}},
        {"empty double quotes are a word", "\"\"", {""}},
        {"empty word between others", "a '' b", {"a", "", "b"}},
        {"quotes keep tabs and newlines", "'a\tb\nc'", {"a\tb\nc"}},
        {"no globbing or variables", "* $HOME ~ ;", {"*", "$HOME", "~", ";"}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        auto r = pm::split_words(row.text);
        REQUIRE(r.has_value());
        CHECK(*r == row.words);
    }
}

TEST_CASE("split_words rejects unterminated quotes and a trailing backslash") {
    struct Row {
        const char* text;
        const char* message_part;
    };
    const Row rows[] = {
        {"'abc", "unterminated"},
        {"\"abc", "unterminated"},
        {"a 'b c", "unterminated"},
        {R"("a\")", "unterminated"},
        {"abc\\", "backslash"},
        {"a b \\", "backslash"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto r = pm::split_words(row.text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::bad_args);
        CHECK(r.error().message.find(row.message_part) != std::string::npos);
    }
}

TEST_CASE("quote_word leaves plain words alone and quotes the rest") {
    CHECK(pm::quote_word("python3") == "python3");
    CHECK(pm::quote_word("/usr/bin/env") == "/usr/bin/env");
    CHECK(pm::quote_word("--port=8000") == "--port=8000");
    CHECK(pm::quote_word("a,b+c@d%e:f") == "a,b+c@d%e:f");
    CHECK(pm::quote_word("") == "''");
    CHECK(pm::quote_word("a b") == "'a b'");
    CHECK(pm::quote_word("it's") == R"('it'\''s')");
}

TEST_CASE("quote_word output splits back to the same single word") {
    const std::string awkward[] = {
        "",
        " ",
        "a b",
        "it's",
        "'",
        "''",
        "\"",
        "\\",
        "\\\\",
        "trailing\\",
        "$HOME",
        "`cmd`",
        "$(cmd)",
        "a\tb",
        "line\nbreak",
        "*?[]",
        "~user",
        "#comment",
        "semi;colon",
        "a|b&c<d>e",
        "x'y\"z\\w",
        "caf\xC3\xA9",
        "plain",
    };
    for (const auto& word : awkward) {
        CAPTURE(word);
        std::string quoted = pm::quote_word(word);
        auto r = pm::split_words(quoted);
        REQUIRE(r.has_value());
        CHECK(*r == Words{word});
        // Several quoted words joined by spaces split back word for word.
        auto pair = pm::split_words(quoted + " " + pm::quote_word(word));
        REQUIRE(pair.has_value());
        CHECK(*pair == Words{word, word});
    }
}

}  // TEST_SUITE("common")
