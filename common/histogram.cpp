// Histogram implementation.
#include "common/histogram.hpp"

#include <algorithm>
#include <bit>

namespace pm {

void Histogram::record(std::uint64_t us) {
    int b = us == 0 ? 0 : std::bit_width(us);
    b = std::min(b, k_buckets - 1);
    ++m_buckets[static_cast<std::size_t>(b)];
    ++m_count;
    m_sum += us;
    m_max = std::max(m_max, us);
}

std::uint64_t Histogram::percentile(double p) const {
    if (m_count == 0) {
        return 0;
    }
    auto rank = static_cast<std::uint64_t>(p * static_cast<double>(m_count));
    rank = std::clamp<std::uint64_t>(rank, 1, m_count);
    std::uint64_t seen = 0;
    for (int b = 0; b < k_buckets; ++b) {
        seen += m_buckets[static_cast<std::size_t>(b)];
        if (seen >= rank) {
            std::uint64_t upper = b == 0 ? 0 : (std::uint64_t{1} << b) - 1;
            return std::min(upper, m_max);
        }
    }
    return m_max;
}

}  // namespace pm
