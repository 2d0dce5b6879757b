// SelfStats: a 250 ms timer; lateness beyond its schedule is loop lag.
#include "daemon/metrics/self_stats.hpp"

#include <dirent.h>

#include <chrono>
#include <fstream>
#include <string>

namespace pm::metrics {
namespace {

constexpr std::uint64_t k_tick_ms = 250;
constexpr int k_rss_every = 4;  // one RSS sample per second

}  // namespace

ProcSelf read_proc_self() {
    ProcSelf p;
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            in >> p.rss_kb;
        } else if (key == "VmHWM:") {
            in >> p.peak_kb;
        }
        in.ignore(4096, '\n');
    }
    p.fds = count_self_fds();
    return p;
}

std::int64_t count_self_fds() {
    std::int64_t n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] != '.') {
                ++n;
            }
        }
        closedir(d);
        --n;  // the directory stream itself
    }
    return n;
}

SelfStats::SelfStats(uv_loop_t* loop, TotalsFn log_totals) : m_loop(loop), m_totals(std::move(log_totals)) {
    using namespace std::chrono;
    m_started_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    uv::init_timer(m_loop, m_timer, this);
    m_expected_ns = uv_hrtime() + k_tick_ms * 1000000;
    m_last_rate_ns = uv_hrtime();
    uv_timer_start(m_timer.get(), timer_cb, k_tick_ms, k_tick_ms);
    uv_unref(m_timer.handle());
}

void SelfStats::timer_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<SelfStats*>(t->data)) {
        self->on_tick();
    }
}

void SelfStats::on_tick() {
    std::uint64_t now = uv_hrtime();
    m_lag.record(now > m_expected_ns ? (now - m_expected_ns) / 1000 : 0);
    m_expected_ns = now + k_tick_ms * 1000000;
    if (++m_ticks % k_rss_every == 0) {
        m_rss.push(read_proc_self().rss_kb);
        auto [lines, bytes] = m_totals();
        double secs = static_cast<double>(now - m_last_rate_ns) / 1e9;
        if (secs > 0) {
            m_lines_rate = static_cast<double>(lines - m_last_lines) / secs;
            m_bytes_rate = static_cast<double>(bytes - m_last_bytes) / secs;
        }
        m_last_lines = lines;
        m_last_bytes = bytes;
        m_last_rate_ns = now;
    }
}

json SelfStats::rss_trend() const {
    json arr = json::array();
    for (std::size_t i = 0; i < m_rss.size(); ++i) {
        arr.push_back(m_rss.at(i));
    }
    return arr;
}

}  // namespace pm::metrics
