// Sampler: scan /proc/[pid]/stat once, group by pgrp, match instance groups.
// Races with exiting processes (ENOENT, short reads) are normal, not errors.
#include "daemon/metrics/sampler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "daemon/log.hpp"
#include "daemon/metrics/proc_parse.hpp"

namespace pm::metrics {
namespace {

std::int64_t mono_us(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::uint32_t count_fds(int pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR* d = opendir(path);
    if (d == nullptr) {
        return 0;
    }
    std::uint32_t n = 0;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] != '.') {
            ++n;
        }
    }
    closedir(d);
    return n;
}

constexpr std::uint64_t k_fd_every = 5;

}  // namespace

struct Sampler::GroupSum {
    std::uint64_t ticks = 0;
    std::uint64_t all_ticks = 0;  // ticks + waited-for children's (cumulative CPU)
    std::uint64_t rss_pages = 0;
    std::uint32_t threads = 0;
    std::uint32_t fds = 0;
    bool fds_counted = false;  // this pass counted them (else the last count stands)
    std::uint32_t processes = 0;
    std::uint64_t leader_start = 0;
    bool leader_seen = false;
};

json to_json(const Sample& s) {
    return json{{"ts", s.ts_ms},         {"cpu", std::round(s.cpu_pct * 10) / 10.0},
                {"memory", s.rss_bytes}, {"threads", s.threads},
                {"fds", s.fds},          {"processes", s.processes}};
}

Sampler::Sampler(uv_loop_t* loop, SamplerOptions opts, TargetsFn targets, OverLimitFn over_limit)
    : m_loop(loop),
      m_opts(opts),
      m_targets(std::move(targets)),
      m_over_limit(std::move(over_limit)),
      m_clk_tck(sysconf(_SC_CLK_TCK)),
      m_page_size(sysconf(_SC_PAGESIZE)) {
    uv::init_timer(m_loop, m_timer, this);
    auto every = static_cast<std::uint64_t>(m_opts.interval_ms);
    uv_timer_start(m_timer.get(), timer_cb, every, every);
    uv_unref(m_timer.handle());
}

void Sampler::timer_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<Sampler*>(t->data)) {
        try {
            self->tick();
        } catch (const std::exception& e) {
            PM_LOG(error, "sampler: {}", e.what());
        }
    }
}

void Sampler::tick() {
    std::int64_t wall0 = mono_us(CLOCK_MONOTONIC);
    std::int64_t cpu0 = mono_us(CLOCK_THREAD_CPUTIME_ID);
    std::vector<Target> targets = m_targets();
    forget_gone(targets);
    // Counting fds means a directory read per process: every 5th tick only,
    // the samples in between repeat the last count. A run not sampled yet
    // is counted at once, so its first samples do not say 0.
    bool every = m_stats.ticks % k_fd_every == 0;
    std::vector<GroupSum> sums(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
        auto known = m_state.find(targets[i].id);
        sums[i].fds_counted = every || known == m_state.end() || known->second.pid != targets[i].pid;
    }
    std::uint64_t scanned = targets.empty() ? 0 : scan_proc(targets, sums);
    Now now{mono_us(CLOCK_MONOTONIC),
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count()};
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (sums[i].leader_seen) {  // else the leader exited between the table and /proc
            record(targets[i], sums[i], now);
        }
    }
    ++m_stats.ticks;
    m_stats.processes_scanned = scanned;
    m_stats.last_tick_wall_us = mono_us(CLOCK_MONOTONIC) - wall0;
    m_stats.last_tick_cpu_us = mono_us(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    m_stats.total_tick_cpu_us += m_stats.last_tick_cpu_us;
    if (m_on_tick) {
        m_on_tick();
    }
}

void Sampler::forget_gone(const std::vector<Target>& targets) {
    for (auto it = m_state.begin(); it != m_state.end();) {
        bool live = false;
        for (const auto& t : targets) {
            live = live || t.id == it->first;
        }
        it = live ? std::next(it) : m_state.erase(it);
    }
}

std::uint64_t Sampler::scan_proc(const std::vector<Target>& targets, std::vector<GroupSum>& sums) {
    std::unordered_map<int, std::size_t> by_pgid;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        by_pgid.emplace(targets[i].pid, i);
    }
    std::uint64_t scanned = 0;
    DIR* d = opendir("/proc");
    while (d != nullptr) {
        dirent* e = readdir(d);
        if (e == nullptr) {
            break;
        }
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        auto st = read_proc_stat(std::atoi(e->d_name));
        if (!st) {
            continue;  // exited meanwhile
        }
        ++scanned;
        auto hit = by_pgid.find(st->pgrp);
        if (hit == by_pgid.end()) {
            continue;
        }
        GroupSum& g = sums[hit->second];
        g.ticks += st->utime + st->stime;
        g.all_ticks += st->utime + st->stime + st->cutime + st->cstime;
        g.rss_pages += static_cast<std::uint64_t>(std::max<std::int64_t>(st->rss_pages, 0));
        g.threads += static_cast<std::uint32_t>(st->threads);
        if (g.fds_counted) {
            g.fds += count_fds(st->pid);
        }
        ++g.processes;
        if (st->pid == st->pgrp) {
            g.leader_seen = true;
            g.leader_start = st->starttime;
        }
    }
    if (d != nullptr) {
        closedir(d);
    }
    return scanned;
}

void Sampler::record(const Target& t, const GroupSum& g, Now now) {
    auto [it, inserted] = m_state.try_emplace(t.id, m_opts.history);
    PerInstance& s = it->second;
    if (!inserted && (s.pid != t.pid || s.leader_start != g.leader_start)) {
        s = PerInstance(m_opts.history);  // a new run (or a recycled pid): start over
        inserted = true;
    }
    Sample smp;
    smp.ts_ms = now.wall_ms;
    if (!inserted && now.mono_us > s.last_mono_us && g.ticks >= s.last_ticks) {
        double secs = static_cast<double>(now.mono_us - s.last_mono_us) / 1e6;
        smp.cpu_pct = static_cast<float>(static_cast<double>(g.ticks - s.last_ticks) / static_cast<double>(m_clk_tck) /
                                         secs * 100.0);
    }
    smp.rss_bytes = g.rss_pages * static_cast<std::uint64_t>(m_page_size);
    smp.threads = g.threads;
    smp.fds = g.fds_counted || s.history.empty() ? g.fds : s.history.newest().fds;
    smp.processes = g.processes;
    // The first sample of a run counts everything the group used so far.
    std::uint64_t before = inserted ? 0 : s.last_all_ticks;
    s.cpu_ticks += g.all_ticks > before ? g.all_ticks - before : 0;
    s.last_all_ticks = g.all_ticks;
    s.pid = t.pid;
    s.leader_start = g.leader_start;
    s.last_ticks = g.ticks;
    s.last_mono_us = now.mono_us;
    s.history.push(smp);
    check_limit(t, s, smp.rss_bytes);
}

void Sampler::check_limit(const Target& t, PerInstance& s, std::uint64_t rss) {
    if (t.max_memory > 0 && rss > t.max_memory) {
        if (++s.over_limit >= m_opts.memory_window) {
            s.over_limit = 0;
            m_over_limit(t.id, rss, t.max_memory);
        }
    } else {
        s.over_limit = 0;
    }
}

const Sample* Sampler::latest(std::uint64_t id) const {
    auto it = m_state.find(id);
    if (it == m_state.end() || it->second.history.empty()) {
        return nullptr;
    }
    return &it->second.history.newest();
}

std::optional<double> Sampler::cpu_seconds_total(std::uint64_t id) const {
    auto it = m_state.find(id);
    if (it == m_state.end() || it->second.history.empty()) {
        return std::nullopt;
    }
    return static_cast<double>(it->second.cpu_ticks) / static_cast<double>(m_clk_tck);
}

bool Sampler::sampled(std::uint64_t id, int pid) const {
    auto it = m_state.find(id);
    return it != m_state.end() && !it->second.history.empty() && it->second.pid == pid;
}

json Sampler::history_json(std::uint64_t id) const {
    json arr = json::array();
    auto it = m_state.find(id);
    if (it != m_state.end()) {
        for (std::size_t i = 0; i < it->second.history.size(); ++i) {
            arr.push_back(to_json(it->second.history.at(i)));
        }
    }
    return arr;
}

std::size_t Sampler::history_bytes() const {
    std::size_t n = 0;
    for (const auto& [id, s] : m_state) {
        n += s.history.bytes() + sizeof(PerInstance);
    }
    return n;
}

}  // namespace pm::metrics
