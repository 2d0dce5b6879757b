// Unit tests for base64 (RFC 4648, standard alphabet, padded): test vectors,
// round trips of every byte value, and rejection of malformed input. Pure.
#include "common/base64.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

using pm::base64_decode;
using pm::base64_encode;

struct Vector {
    std::string_view plain;
    std::string_view encoded;
};

// RFC 4648 section 10.
constexpr Vector k_rfc_vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

}  // namespace

TEST_SUITE("common") {

TEST_CASE("base64 encodes and decodes the RFC 4648 test vectors") {
    for (const auto& v : k_rfc_vectors) {
        CAPTURE(v.plain);
        CHECK(base64_encode(v.plain) == v.encoded);
        std::string out = "garbage";
        REQUIRE(base64_decode(v.encoded, out));
        CHECK(out == v.plain);
    }
}

TEST_CASE("base64 uses the standard alphabet including '+' and '/'") {
    CHECK(base64_encode(std::string("\xfb\xff\xbf", 3)) == "+/+/");
    std::string out;
    REQUIRE(base64_decode("+/+/", out));
    CHECK(out == std::string("\xfb\xff\xbf", 3));
}

TEST_CASE("base64 round-trips all 256 byte values") {
    SUBCASE("one string holding every byte") {
        std::string all;
        for (int b = 0; b < 256; ++b) {
            all.push_back(static_cast<char>(b));
        }
        std::string enc = base64_encode(all);
        CHECK(enc.size() == (all.size() + 2) / 3 * 4);
        std::string dec;
        REQUIRE(base64_decode(enc, dec));
        CHECK(dec == all);
    }
    SUBCASE("each byte alone and in every position of a triple") {
        for (int b = 0; b < 256; ++b) {
            CAPTURE(b);
            char c = static_cast<char>(b);
            for (const std::string& s : {std::string(1, c), std::string{'x', c}, std::string{c, 'y', '\0'},
                                         std::string{'\0', '\xff', c}}) {
                std::string dec;
                REQUIRE(base64_decode(base64_encode(s), dec));
                CHECK(dec == s);
            }
        }
    }
}

TEST_CASE("base64 decode rejects malformed input") {
    SUBCASE("length not a multiple of four") {
        for (std::string_view bad : {"Z", "Zg", "Zg=", "Zm9vY", "Zm9vYg=", "Zm9vYmFy="}) {
            CAPTURE(bad);
            std::string out;
            CHECK_FALSE(base64_decode(bad, out));
        }
    }
    SUBCASE("characters outside the alphabet") {
        for (std::string_view bad : {"Zm9*", "Zm9v!A==", "Zm 9", "Zm9\n", "Zm-_", "Zm9\xc3", "Zm9\x80"}) {
            CAPTURE(bad);
            std::string out;
            CHECK_FALSE(base64_decode(bad, out));
        }
        std::string out;
        CHECK_FALSE(base64_decode(std::string_view("Zm9\0", 4), out));
    }
    SUBCASE("padding in the wrong place") {
        for (std::string_view bad : {"====", "Z===", "=Zg=", "Zg=a", "Z=g=", "Zg==Zm9v", "Zm8=Zm8=", "Zm9v====",
                                     "Zg======"}) {
            CAPTURE(bad);
            std::string out;
            CHECK_FALSE(base64_decode(bad, out));
        }
    }
}

}  // TEST_SUITE("common")
