// Unit tests for UTF-8 helpers: safe cut points and sanitising.
#include "common/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

const std::string k_fffd = "\xEF\xBF\xBD";

// Test strings are assembled from pieces so a hex escape never swallows a
// following letter.
const std::string k_e_acute = "\xC3\xA9";          // U+00E9, 2 bytes
const std::string k_euro = "\xE2\x82\xAC";         // U+20AC, 3 bytes
const std::string k_grin = "\xF0\x9F\x98\x80";     // U+1F600, 4 bytes

}  // namespace

TEST_SUITE("common") {

TEST_CASE("utf8_safe_cut never splits a multibyte sequence") {
    struct Row {
        std::string text;
        std::size_t max;
        std::size_t cut;
    };
    const std::string two = "a" + k_e_acute + "b";    // a C3 A9 b
    const std::string three = "a" + k_euro + "b";     // a E2 82 AC b
    const std::string four = "a" + k_grin + "b";      // a F0 9F 98 80 b
    const Row rows[] = {
        // 2-byte sequence at [1, 3)
        {two, 0, 0},
        {two, 1, 1},
        {two, 2, 1},
        {two, 3, 3},
        {two, 4, 4},
        // 3-byte sequence at [1, 4)
        {three, 1, 1},
        {three, 2, 1},
        {three, 3, 1},
        {three, 4, 4},
        // 4-byte sequence at [1, 5)
        {four, 1, 1},
        {four, 2, 1},
        {four, 3, 1},
        {four, 4, 1},
        {four, 5, 5},
        {four, 6, 6},
        // back-to-back sequences
        {k_euro + k_euro, 4, 3},
        {k_euro + k_euro, 6, 6},
        {k_grin + k_grin, 7, 4},
        // max beyond the text returns the whole text
        {two, 100, 4},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text.size());
        CAPTURE(row.max);
        CHECK(pm::utf8_safe_cut(row.text, row.max) == row.cut);
    }
}

TEST_CASE("utf8_safe_cut backs off to zero when the text starts with a split sequence") {
    // The contract: the largest cut <= max that does not end inside a
    // sequence. For a sequence starting at byte 0 that is 0.
    CHECK(pm::utf8_safe_cut(k_e_acute + "b", 1) == 0);
    CHECK(pm::utf8_safe_cut(k_euro + "b", 2) == 0);
    CHECK(pm::utf8_safe_cut(k_grin + "b", 3) == 0);
}

TEST_CASE("utf8_safe_cut leaves ascii and invalid bytes at max") {
    std::string ascii = "hello world";
    for (std::size_t max = 0; max <= ascii.size(); ++max) {
        CAPTURE(max);
        CHECK(pm::utf8_safe_cut(ascii, max) == max);
    }
    // Stray continuation bytes with no lead: not UTF-8, cut where asked.
    std::string stray = "abc\x80\x80\x80\x80" "d";
    CHECK(pm::utf8_safe_cut(stray, 6) == 6);
    // A continuation byte after ASCII is not part of a sequence.
    std::string after_ascii = "a\x80" "b";
    CHECK(pm::utf8_safe_cut(after_ascii, 1) == 1);
}

TEST_CASE("utf8_sanitize keeps valid text unchanged") {
    const std::string valid[] = {
        "",
        "plain ascii",
        std::string("nul\0inside", 10),
        "caf" + k_e_acute,
        k_euro + " 5",
        k_grin + k_grin,
        "\x7F",
        "\xC2\x80",            // U+0080, smallest 2-byte
        "\xDF\xBF",            // U+07FF
        "\xE0\xA0\x80",        // U+0800, smallest 3-byte
        "\xED\x9F\xBF",        // U+D7FF, just below the surrogates
        "\xEE\x80\x80",        // U+E000, just above the surrogates
        "\xEF\xBF\xBF",        // U+FFFF
        "\xF0\x90\x80\x80",    // U+10000, smallest 4-byte
        "\xF4\x8F\xBF\xBF",    // U+10FFFF, largest code point
    };
    for (const auto& s : valid) {
        CAPTURE(s);
        CHECK(pm::utf8_sanitize(s) == s);
    }
}

TEST_CASE("utf8_sanitize replaces invalid bytes overlongs and surrogates") {
    struct Row {
        const char* what;
        std::string in;
        std::string out;
    };
    const std::string r = k_fffd;
    const Row rows[] = {
        {"lone 0xFF", "a\xFF" "b", "a" + r + "b"},
        {"lone 0xFE", "\xFE", r},
        {"stray continuation", "\x80", r},
        {"lead without continuation", "\xC3(", r + "("},
        {"overlong 2-byte C0", "\xC0\xAF", r + r},
        {"overlong 2-byte C1", "\xC1\xBF", r + r},
        {"overlong 3-byte", "\xE0\x80\xAF", r + r + r},
        {"overlong 4-byte", "\xF0\x8F\xBF\xBF", r + r + r + r},
        {"surrogate D800", "\xED\xA0\x80", r + r + r},
        {"surrogate DFFF", "\xED\xBF\xBF", r + r + r},
        {"above U+10FFFF", "\xF4\x90\x80\x80", r + r + r + r},
        {"F5 lead", "\xF5\x80\x80\x80", r + r + r + r},
        {"truncated at end", "ok\xE2\x82", "ok" + r + r},
        {"valid around invalid", k_e_acute + "\xFF" + k_euro, k_e_acute + r + k_euro},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        std::string out = pm::utf8_sanitize(row.in);
        CHECK(out == row.out);
        // The result is itself valid: sanitising again changes nothing.
        CHECK(pm::utf8_sanitize(out) == out);
    }
}

}  // TEST_SUITE("common")
