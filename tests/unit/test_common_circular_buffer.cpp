// Unit tests for CircularBuffer: a fixed-capacity ring that overwrites its
// oldest item. Pure.
#include "common/circular_buffer.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace {

using pm::CircularBuffer;

template <typename T>
std::vector<T> contents(const CircularBuffer<T>& b) {
    std::vector<T> out;
    for (std::size_t i = 0; i < b.size(); ++i) {
        out.push_back(b.at(i));
    }
    return out;
}

}  // namespace

TEST_SUITE("common") {

TEST_CASE("circular buffer starts empty with its fixed capacity") {
    CircularBuffer<int> b(4);
    CHECK(b.empty());
    CHECK(b.size() == 0);
    CHECK(b.capacity() == 4);
    CHECK(b.bytes() >= 4 * sizeof(int));
}

TEST_CASE("circular buffer with capacity zero holds one item") {
    CircularBuffer<int> b(0);
    CHECK(b.capacity() == 1);
    b.push(7);
    b.push(8);
    CHECK(b.size() == 1);
    CHECK(b.at(0) == 8);
    CHECK(b.newest() == 8);
}

TEST_CASE("circular buffer keeps items oldest first until full") {
    CircularBuffer<int> b(4);
    b.push(1);
    CHECK(b.size() == 1);
    CHECK(b.at(0) == 1);
    CHECK(b.newest() == 1);
    b.push(2);
    b.push(3);
    CHECK(b.size() == 3);
    CHECK(contents(b) == std::vector<int>{1, 2, 3});
    CHECK(b.newest() == 3);
    b.push(4);
    CHECK(b.size() == 4);
    CHECK(b.capacity() == 4);
    CHECK(contents(b) == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("circular buffer overwrites the oldest item when pushed past capacity") {
    CircularBuffer<int> b(3);
    // After pushing 1..n the buffer holds the last min(n, 3) values.
    for (int n = 1; n <= 10; ++n) {
        CAPTURE(n);
        b.push(n);
        std::vector<int> expected;
        for (int v = n >= 3 ? n - 2 : 1; v <= n; ++v) {
            expected.push_back(v);
        }
        CHECK(contents(b) == expected);
        CHECK(b.at(0) == expected.front());
        CHECK(b.newest() == n);
        CHECK(b.size() == expected.size());
        CHECK(b.capacity() == 3);
    }
}

TEST_CASE("circular buffer holds non-trivial items") {
    CircularBuffer<std::string> b(2);
    b.push("a");
    b.push("b");
    b.push("c");
    CHECK(contents(b) == std::vector<std::string>{"b", "c"});
    CHECK(b.newest() == "c");
}

TEST_CASE("circular buffer clear empties it and keeps the capacity") {
    CircularBuffer<int> b(3);
    SUBCASE("clear when partly filled") {
        b.push(1);
        b.push(2);
    }
    SUBCASE("clear after wrapping") {
        for (int i = 0; i < 7; ++i) {
            b.push(i);
        }
    }
    b.clear();
    CHECK(b.empty());
    CHECK(b.size() == 0);
    CHECK(b.capacity() == 3);
    // Pushing after clear starts a fresh sequence.
    b.push(10);
    CHECK(contents(b) == std::vector<int>{10});
    b.push(11);
    b.push(12);
    b.push(13);
    CHECK(contents(b) == std::vector<int>{11, 12, 13});
    CHECK(b.newest() == 13);
}

}  // TEST_SUITE("common")
