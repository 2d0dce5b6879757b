// Histogram: fixed log2 buckets of microseconds, for latency percentiles
// without keeping samples (constant memory whatever the request count). Pure.
#pragma once

#include <array>
#include <cstdint>

namespace pm {

class Histogram {
public:
    static constexpr int k_buckets = 40;  // bucket b holds values < 2^b us

    void record(std::uint64_t us);
    std::uint64_t count() const { return m_count; }
    std::uint64_t max() const { return m_max; }
    std::uint64_t sum() const { return m_sum; }  // of every value recorded, in us
    // Values recorded in bucket b (0 <= b < k_buckets): b == 0 holds 0,
    // b > 0 holds [2^(b-1), 2^b), the last bucket everything above too.
    std::uint64_t bucket(int b) const { return m_buckets[static_cast<std::size_t>(b)]; }
    double mean() const { return m_count == 0 ? 0.0 : static_cast<double>(m_sum) / static_cast<double>(m_count); }
    // Upper bound of the bucket holding the p-quantile (0 < p <= 1), capped at max().
    std::uint64_t percentile(double p) const;

private:
    std::array<std::uint64_t, k_buckets> m_buckets{};
    std::uint64_t m_count = 0;
    std::uint64_t m_sum = 0;
    std::uint64_t m_max = 0;
};

}  // namespace pm
