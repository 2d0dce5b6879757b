// Sampler: a timer that reads /proc once per tick for every live instance
// (summed over its process group), keeps a fixed-size history per instance,
// and asks for a restart when an instance stays over its memory limit.
// Lives on the loop thread; one /proc pass per tick whatever the count.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "common/circular_buffer.hpp"
#include "common/protocol.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::metrics {

struct Sample {
    std::int64_t ts_ms = 0;  // wall clock
    float cpu_pct = 0;       // of one core, over the last interval
    std::uint64_t rss_bytes = 0;
    std::uint32_t threads = 0;
    std::uint32_t fds = 0;
    std::uint32_t processes = 0;  // in the group
};

json to_json(const Sample& s);

// What the sampler needs to know about one live instance.
struct Target {
    std::uint64_t id = 0;
    int pid = 0;                   // group leader; pgid == pid (own session)
    std::uint64_t max_memory = 0;  // 0: no limit
};

struct SamplerOptions {
    std::int64_t interval_ms = 1000;
    std::size_t history = 60;  // samples kept per instance
    int memory_window = 3;     // consecutive samples over the limit
};

struct SamplerStats {
    std::uint64_t ticks = 0;
    std::int64_t last_tick_wall_us = 0;
    std::int64_t last_tick_cpu_us = 0;
    std::int64_t total_tick_cpu_us = 0;
    std::uint64_t processes_scanned = 0;  // in the last tick
};

class Sampler {
public:
    using TargetsFn = std::function<std::vector<Target>()>;
    using OverLimitFn = std::function<void(std::uint64_t id, std::uint64_t rss, std::uint64_t limit)>;
    using TickFn = std::function<void()>;

    Sampler(uv_loop_t* loop, SamplerOptions opts, TargetsFn targets, OverLimitFn over_limit);

    // Runs one sampling pass now (the timer calls it each interval).
    void tick();
    // Called after each tick (monitor streams).
    void on_tick(TickFn fn) { m_on_tick = std::move(fn); }

    const Sample* latest(std::uint64_t id) const;
    // CPU time (user + system) the instance's group used in its current run,
    // waited-for children included; never decreases within a run (a member
    // that exits unwaited takes its time away from the group sum, and the
    // count resumes from there). nullopt before the first sample of a run.
    std::optional<double> cpu_seconds_total(std::uint64_t id) const;
    // Whether the latest sample is of the run whose group leader is `pid`
    // (false right after a restart, until the next tick samples the new run).
    bool sampled(std::uint64_t id, int pid) const;
    json history_json(std::uint64_t id) const;
    const SamplerStats& stats() const { return m_stats; }
    const SamplerOptions& options() const { return m_opts; }
    std::size_t tracked() const { return m_state.size(); }
    std::size_t history_bytes() const;

private:
    struct PerInstance {
        int pid = 0;
        std::uint64_t leader_start = 0;  // identity of the leader (pid reuse)
        std::uint64_t last_ticks = 0;
        std::uint64_t last_all_ticks = 0;  // with waited-for children
        std::uint64_t cpu_ticks = 0;       // accumulated this run
        std::int64_t last_mono_us = 0;
        int over_limit = 0;
        CircularBuffer<Sample> history;
        explicit PerInstance(std::size_t n) : history(n) {}
    };

    struct GroupSum;  // one process group's totals in a /proc pass
    struct Now {
        std::int64_t mono_us = 0;
        std::int64_t wall_ms = 0;
    };

    static void timer_cb(uv_timer_t* t) noexcept;
    // Drops the history of instances no longer among the targets.
    void forget_gone(const std::vector<Target>& targets);
    // Reads /proc once, summing each target's process group into `sums`
    // (counting fds where the sum asks for it); returns how many processes
    // were read.
    std::uint64_t scan_proc(const std::vector<Target>& targets, std::vector<GroupSum>& sums);
    // Turns one group's sums into a sample in the instance's history.
    void record(const Target& t, const GroupSum& g, Now now);
    // Asks for a restart after memory_window consecutive samples over the limit.
    void check_limit(const Target& t, PerInstance& s, std::uint64_t rss);

    uv_loop_t* m_loop;
    SamplerOptions m_opts;
    TargetsFn m_targets;
    OverLimitFn m_over_limit;
    TickFn m_on_tick;
    std::map<std::uint64_t, PerInstance> m_state;
    uv::Handle<uv_timer_t> m_timer;
    SamplerStats m_stats;
    long m_clk_tck;
    long m_page_size;
};

}  // namespace pm::metrics
