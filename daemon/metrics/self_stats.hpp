// SelfStats: the daemon measuring itself: event-loop lag (a timer's lateness),
// an RSS trend, and per-second rates of log lines and bytes. Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

#include "common/circular_buffer.hpp"
#include "common/histogram.hpp"
#include "common/protocol.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::metrics {

struct ProcSelf {
    std::int64_t rss_kb = 0;
    std::int64_t peak_kb = 0;
    std::int64_t fds = 0;
};

// Reads /proc/self/status (VmRSS, VmHWM) and counts /proc/self/fd.
ProcSelf read_proc_self();
// The entries of /proc/self/fd (one directory read): the daemon's open fds.
std::int64_t count_self_fds();

class SelfStats {
public:
    // Totals of log lines and bytes so far (rates are computed from them).
    using TotalsFn = std::function<std::pair<std::uint64_t, std::uint64_t>()>;

    SelfStats(uv_loop_t* loop, TotalsFn log_totals);

    const Histogram& loop_lag() const { return m_lag; }
    double lines_per_sec() const { return m_lines_rate; }
    double bytes_per_sec() const { return m_bytes_rate; }
    json rss_trend() const;
    std::int64_t started_ms() const { return m_started_ms; }

private:
    void on_tick();
    static void timer_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    TotalsFn m_totals;
    uv::Handle<uv_timer_t> m_timer;
    std::uint64_t m_expected_ns = 0;
    Histogram m_lag;
    CircularBuffer<std::int64_t> m_rss{60};
    int m_ticks = 0;
    std::uint64_t m_last_lines = 0;
    std::uint64_t m_last_bytes = 0;
    std::uint64_t m_last_rate_ns = 0;
    double m_lines_rate = 0;
    double m_bytes_rate = 0;
    std::int64_t m_started_ms;
};

}  // namespace pm::metrics
