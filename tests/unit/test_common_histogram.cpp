// Unit tests for Histogram: log2 buckets of microseconds giving count, max,
// mean and bucket-bounded percentiles. Pure.
#include "common/histogram.hpp"

#include <doctest/doctest.h>

#include <cstdint>

namespace {

using pm::Histogram;

}  // namespace

TEST_SUITE("common") {

TEST_CASE("empty histogram reports zero for everything") {
    Histogram h;
    CHECK(h.count() == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0.0);
    CHECK(h.percentile(0.5) == 0);
    CHECK(h.percentile(0.99) == 0);
    CHECK(h.percentile(1.0) == 0);
}

TEST_CASE("histogram counts samples and tracks their max and mean") {
    Histogram h;
    h.record(10);
    h.record(20);
    h.record(60);
    CHECK(h.count() == 3);
    CHECK(h.max() == 60);
    CHECK(h.mean() == doctest::Approx(30.0));
    h.record(5);
    CHECK(h.count() == 4);
    CHECK(h.max() == 60);  // a smaller sample does not lower the max
    CHECK(h.mean() == doctest::Approx(23.75));
}

TEST_CASE("histogram percentiles of 1..1000 us lie in their power-of-two bucket") {
    Histogram h;
    for (std::uint64_t us = 1; us <= 1000; ++us) {
        h.record(us);
    }
    CHECK(h.count() == 1000);
    CHECK(h.max() == 1000);
    CHECK(h.mean() == doctest::Approx(500.5));

    // The 500th value (500 us) sits in [256, 512); the answer is that
    // bucket's upper bound.
    std::uint64_t p50 = h.percentile(0.5);
    CHECK(p50 >= 256);
    CHECK(p50 <= 511);
    CHECK(p50 >= 500);  // never below the true quantile
    CHECK(p50 <= h.max());

    // p90 and p99 (900 and 990 us) sit in [512, 1024), capped at max.
    CHECK(h.percentile(0.9) == 1000);
    CHECK(h.percentile(0.99) == 1000);
    CHECK(h.percentile(1.0) == 1000);

    // Small quantiles: p0.1 is the first value, 1 us, in bucket [1, 2).
    CHECK(h.percentile(0.001) == 1);

    SUBCASE("percentiles never decrease with p") {
        std::uint64_t prev = 0;
        for (double p : {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0}) {
            CAPTURE(p);
            std::uint64_t v = h.percentile(p);
            CHECK(v >= prev);
            CHECK(v <= h.max());
            prev = v;
        }
    }
}

TEST_CASE("histogram percentile is capped at the largest sample") {
    Histogram h;
    h.record(300);  // bucket [256, 512)
    CHECK(h.percentile(0.5) == 300);
    CHECK(h.percentile(1.0) == 300);
}

TEST_CASE("histogram records zero-microsecond samples") {
    Histogram h;
    h.record(0);
    h.record(0);
    h.record(0);
    CHECK(h.count() == 3);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0.0);
    CHECK(h.percentile(0.5) == 0);
    CHECK(h.percentile(1.0) == 0);

    SUBCASE("zeros below a larger sample") {
        h.record(100);
        CHECK(h.count() == 4);
        CHECK(h.max() == 100);
        CHECK(h.mean() == doctest::Approx(25.0));
        CHECK(h.percentile(0.5) == 0);    // 2nd of 4 is a zero
        CHECK(h.percentile(0.75) == 0);   // 3rd of 4 is a zero
        CHECK(h.percentile(1.0) == 100);  // bucket [64, 128) capped at max
    }
}

}  // TEST_SUITE("common")
