// Unit tests for LineSplitter: child output bytes in, lines out, whatever the
// chunking; partial tails, flush, and cutting overlong lines on UTF-8
// boundaries. Pure.
#include "daemon/logs/line_splitter.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using pm::logs::LineSplitter;

struct Piece {
    std::string text;
    bool partial;
    bool operator==(const Piece&) const = default;
};

// Collects every emitted piece.
struct Sink {
    std::vector<Piece> pieces;
    LineSplitter::Emit emit() {
        return [this](std::string_view text, bool partial) { pieces.push_back({std::string(text), partial}); };
    }
    // The input the pieces stand for: a newline after every complete line.
    std::string joined() const {
        std::string out;
        for (const Piece& p : pieces) {
            out += p.text;
            if (!p.partial) {
                out += '\n';
            }
        }
        return out;
    }
};

doctest::String toString(const Piece& p) {
    return ("{\"" + p.text + "\", " + (p.partial ? "partial" : "line") + "}").c_str();
}

// Whether s is well-formed UTF-8 (no truncated or stray sequences).
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size()) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += len;
    }
    return true;
}

const std::string k_text =
    "first line\n"
    "\n"
    "second, after an empty one\n"
    "tabs\tand\r\ncarriage returns\n"
    "utf-8: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n"
    "a somewhat longer line that goes on for a while to cross chunk edges\n"
    "last\n";

}  // namespace

TEST_SUITE("logs") {

TEST_CASE("splitter emits the same lines however the input is chunked") {
    std::vector<Piece> whole;
    {
        LineSplitter s;
        Sink sink;
        s.feed(k_text, sink.emit());
        CHECK_FALSE(s.flush(sink.emit()));
        CHECK(sink.joined() == k_text);
        CHECK(sink.pieces.size() == 8);
        CHECK(std::none_of(sink.pieces.begin(), sink.pieces.end(), [](const Piece& p) { return p.partial; }));
        CHECK(sink.pieces.at(1) == Piece{"", false});
        CHECK(sink.pieces.at(3) == Piece{"tabs\tand\r", false});
        whole = sink.pieces;
    }
    SUBCASE("byte by byte") {
        LineSplitter s;
        Sink sink;
        for (char c : k_text) {
            s.feed(std::string_view(&c, 1), sink.emit());
        }
        CHECK(sink.pieces == whole);
        CHECK(s.pending() == 0);
    }
    SUBCASE("random chunk sizes") {
        std::mt19937 rng(12345);
        for (int round = 0; round < 200; ++round) {
            CAPTURE(round);
            LineSplitter s;
            Sink sink;
            std::string_view rest = k_text;
            while (!rest.empty()) {
                std::size_t n = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
                n = std::min(n, rest.size());
                s.feed(rest.substr(0, n), sink.emit());
                rest.remove_prefix(n);
            }
            CHECK(sink.pieces == whole);
        }
    }
}

TEST_CASE("splitter chunked with a small limit still reproduces the input") {
    // Overlong lines with multibyte characters, fed in random chunks: the
    // pieces concatenate back to the input and are each valid UTF-8.
    const std::string text =
        "short\n"
        "0123456789abcdefghij\n"
        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"
        "ab\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xf0\x9f\x98\x80xyz\n"
        "12345678\n"
        "no newline at the end";
    std::mt19937 rng(777);
    for (int round = 0; round < 200; ++round) {
        CAPTURE(round);
        LineSplitter s(8);
        Sink sink;
        std::string_view rest = text;
        while (!rest.empty()) {
            std::size_t n = round == 0 ? rest.size() : std::uniform_int_distribution<std::size_t>(1, 12)(rng);
            n = std::min(n, rest.size());
            s.feed(rest.substr(0, n), sink.emit());
            rest.remove_prefix(n);
        }
        s.flush(sink.emit());
        std::string joined = sink.joined();
        CHECK(joined == text);
        for (const Piece& p : sink.pieces) {
            CAPTURE(p);
            CHECK(p.text.size() <= 8);
            CHECK(valid_utf8(p.text));
        }
    }
}

TEST_CASE("splitter holds a partial tail until its newline arrives") {
    LineSplitter s;
    Sink sink;
    s.feed("complete\npart", sink.emit());
    CHECK(sink.pieces == std::vector<Piece>{{"complete", false}});
    CHECK(s.pending() == 4);
    s.feed("ial", sink.emit());
    CHECK(sink.pieces.size() == 1);
    CHECK(s.pending() == 7);
    s.feed(" line\n", sink.emit());
    CHECK(sink.pieces == std::vector<Piece>{{"complete", false}, {"partial line", false}});
    CHECK(s.pending() == 0);
}

TEST_CASE("splitter flush emits a pending tail as partial") {
    LineSplitter s;
    Sink sink;
    SUBCASE("tail after complete lines") {
        s.feed("a\nb\ntail", sink.emit());
        CHECK(s.flush(sink.emit()));
        CHECK(sink.pieces == std::vector<Piece>{{"a", false}, {"b", false}, {"tail", true}});
        CHECK(s.pending() == 0);
        // Nothing left: a second flush does nothing.
        CHECK_FALSE(s.flush(sink.emit()));
        CHECK(sink.pieces.size() == 3);
    }
    SUBCASE("the rest of a flushed line starts a new line") {
        s.feed("hel", sink.emit());
        CHECK(s.flush(sink.emit()));
        s.feed("lo\n", sink.emit());
        CHECK(sink.pieces == std::vector<Piece>{{"hel", true}, {"lo", false}});
    }
    SUBCASE("nothing pending") {
        CHECK_FALSE(s.flush(sink.emit()));
        s.feed("x\n", sink.emit());
        CHECK_FALSE(s.flush(sink.emit()));
        CHECK(sink.pieces == std::vector<Piece>{{"x", false}});
    }
}

TEST_CASE("splitter cuts a line longer than the limit into partial pieces") {
    struct Row {
        const char* input;
        std::vector<Piece> expected;
        std::size_t pending;
    };
    const Row rows[] = {
        {"12345678\n", {{"12345678", false}}, 0},
        {"123456789\n", {{"12345678", true}, {"9", false}}, 0},
        {"1234567812345678\n", {{"12345678", true}, {"12345678", false}}, 0},
        {"12345678123456781\n", {{"12345678", true}, {"12345678", true}, {"1", false}}, 0},
        {"12345678", {}, 8},                   // at the limit: still waits
        {"123456789", {{"12345678", true}}, 1},  // over the limit: the head goes now
        {"abcdefghijklmnopqrstu", {{"abcdefgh", true}, {"ijklmnop", true}}, 5},
    };
    for (const Row& row : rows) {
        CAPTURE(row.input);
        LineSplitter s(8);
        Sink sink;
        s.feed(row.input, sink.emit());
        CHECK(sink.pieces == row.expected);
        CHECK(s.pending() == row.pending);
    }
}

TEST_CASE("splitter never cuts inside a UTF-8 sequence") {
    const std::string e2 = "\xc3\xa9";          // é, 2 bytes
    const std::string e3 = "\xe2\x82\xac";      // €, 3 bytes
    const std::string e4 = "\xf0\x9f\x98\x80";  // 😀, 4 bytes
    SUBCASE("table") {
        struct Row {
            std::string input;
            std::vector<Piece> expected;
        };
        const Row rows[] = {
            // A 2-byte character straddling the limit moves to the next piece.
            {"1234567" + e2 + "\n", {{"1234567", true}, {e2, false}}},
            {"123456" + e2 + "x\n", {{"123456" + e2, true}, {"x", false}}},
            // A 3-byte character at every offset around the limit.
            {"123456" + e3 + "\n", {{"123456", true}, {e3, false}}},
            {"1234567" + e3 + "\n", {{"1234567", true}, {e3, false}}},
            {"12345" + e3 + "x\n", {{"12345" + e3, true}, {"x", false}}},
            // A 4-byte character at every offset around the limit.
            {"12345" + e4 + "\n", {{"12345", true}, {e4, false}}},
            {"123456" + e4 + "\n", {{"123456", true}, {e4, false}}},
            {"1234567" + e4 + "\n", {{"1234567", true}, {e4, false}}},
            {"1234" + e4 + "x\n", {{"1234" + e4, true}, {"x", false}}},
            // Only multibyte characters.
            {e3 + e3 + e3 + "\n", {{e3 + e3, true}, {e3, false}}},
            {e4 + e4 + e4 + "\n", {{e4 + e4, true}, {e4, false}}},
            {e2 + e2 + e2 + e2 + e2 + "\n", {{e2 + e2 + e2 + e2, true}, {e2, false}}},
        };
        for (const Row& row : rows) {
            CAPTURE(row.input);
            LineSplitter s(8);
            Sink sink;
            s.feed(row.input, sink.emit());
            CHECK(sink.pieces == row.expected);
        }
    }
    SUBCASE("every prefix length before mixed characters") {
        for (std::size_t prefix = 0; prefix <= 12; ++prefix) {
            CAPTURE(prefix);
            std::string line = std::string(prefix, 'a') + e2 + e3 + e4 + e3 + e2 + "z" + e4;
            LineSplitter s(8);
            Sink sink;
            s.feed(line + "\n", sink.emit());
            REQUIRE_FALSE(sink.pieces.empty());
            CHECK(sink.joined() == line + "\n");
            for (std::size_t i = 0; i < sink.pieces.size(); ++i) {
                const Piece& p = sink.pieces[i];
                CAPTURE(i);
                CHECK(p.text.size() <= 8);
                CHECK_FALSE(p.text.empty());
                CHECK(valid_utf8(p.text));
                CHECK(p.partial == (i + 1 < sink.pieces.size()));
            }
        }
    }
}

TEST_CASE("splitter cuts a 10 MB line into 64 KiB pieces") {
    constexpr std::size_t k_len = 10'000'000;
    constexpr std::size_t k_pieces = (k_len + pm::logs::k_max_line - 1) / pm::logs::k_max_line;
    static_assert(k_pieces == 153);
    std::string line(k_len, 'x');
    for (std::size_t i = 0; i < k_len; i += 1000) {
        line[i] = static_cast<char>('a' + (i / 1000) % 26);  // detect reordering
    }

    auto check_pieces = [&](const Sink& sink) {
        REQUIRE(sink.pieces.size() == k_pieces);
        std::size_t offset = 0;
        for (std::size_t i = 0; i < sink.pieces.size(); ++i) {
            const Piece& p = sink.pieces[i];
            bool last = i + 1 == sink.pieces.size();
            if (p.partial == last || (!last && p.text.size() != pm::logs::k_max_line) ||
                std::string_view(line).substr(offset, p.text.size()) != p.text) {
                FAIL_CHECK("piece " << i << " wrong: size " << p.text.size() << " partial " << p.partial);
            }
            offset += p.text.size();
        }
        CHECK(offset == k_len);
        CHECK(sink.pieces.back().text.size() == k_len - (k_pieces - 1) * pm::logs::k_max_line);
    };

    SUBCASE("in one feed") {
        LineSplitter s;
        Sink sink;
        s.feed(line + "\n", sink.emit());
        check_pieces(sink);
        CHECK(s.pending() == 0);
    }
    SUBCASE("in 64 KiB pipe reads") {
        LineSplitter s;
        Sink sink;
        std::string input = line + "\n";
        std::string_view rest = input;
        while (!rest.empty()) {
            std::size_t n = std::min<std::size_t>(rest.size(), 65536);
            s.feed(rest.substr(0, n), sink.emit());
            rest.remove_prefix(n);
            CHECK(s.pending() <= pm::logs::k_max_line);
        }
        check_pieces(sink);
        CHECK(s.pending() == 0);
    }
}

}  // TEST_SUITE("logs")
