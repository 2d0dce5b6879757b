// snapshot_metrics: one pass over the table, the hub's channels and the
// sampler; pmd's own figures from /proc/self.
#include "daemon/http/metrics_snapshot.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <unordered_set>

#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/context.hpp"
#include "daemon/ipc/dispatch.hpp"
#include "daemon/ipc/server.hpp"
#include "daemon/ipc/subscriptions.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/metrics/proc_parse.hpp"
#include "daemon/metrics/sampler.hpp"
#include "daemon/metrics/self_stats.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::http {
namespace {

constexpr std::size_t idx(DropReason r) { return static_cast<std::size_t>(r); }

std::int64_t exit_code(const sup::ExitInfo& e) { return e.by_signal ? 128 + e.code : e.code; }

// Log counters of one instance. A file shared by several instances (merged
// logs) counts its dropped lines once, in the first instance that holds it.
void log_figures(const logs::LogChannel& ch, std::unordered_set<const logs::LogFile*>& files_seen, ProcessMetrics& p) {
    std::size_t i = 0;
    for (LogStream s : {LogStream::out, LogStream::err}) {
        p.log_lines[i] = ch.lines(s);
        p.log_bytes[i] = ch.bytes(s);
        ++i;
        if (const logs::LogFile* f = ch.file(s); f != nullptr && files_seen.insert(f).second) {
            p.dropped_lines[idx(DropReason::file)] += f->stats().dropped_lines;
        }
    }
    p.dropped_lines[idx(DropReason::ring)] = ch.ring().dropped();
}

ProcessMetrics process_figures(const sup::Instance& inst, const ipc::Services& svc,
                               std::unordered_set<const logs::LogFile*>& files_seen) {
    ProcessMetrics p;
    p.name = inst.display_name();
    p.app = inst.spec().name();
    p.state = inst.state();
    if (inst.pid() && inst.started_unix_ms() > 0) {
        p.start_time_seconds = static_cast<double>(inst.started_unix_ms()) / 1000.0;
    }
    std::size_t i = 0;
    for (auto r : sup::k_all_restart_reasons) {
        p.restarts[i++] = static_cast<std::uint64_t>(inst.restarts(r));
    }
    if (const auto& last = inst.last_exit()) {
        p.last_exit_code = exit_code(last->info);
    }
    if (inst.pid() && svc.sampler.sampled(inst.id(), *inst.pid())) {  // not a previous run's figures
        if (const metrics::Sample* s = svc.sampler.latest(inst.id())) {
            p.cpu_seconds = svc.sampler.cpu_seconds_total(inst.id());
            p.rss_bytes = s->rss_bytes;
            p.threads = s->threads;
            p.fds = s->fds;
        }
    }
    if (const logs::LogChannel* ch = svc.hub.channel(inst.id())) {
        log_figures(*ch, files_seen, p);
    }
    return p;
}

SelfMetrics self_figures(const ipc::Services& svc) {
    SelfMetrics m;
    m.version = PM_VERSION;
    m.start_time_seconds = static_cast<double>(svc.info.started_unix_ms) / 1000.0;
    if (auto st = metrics::read_proc_stat(::getpid())) {
        m.cpu_seconds = static_cast<double>(st->utime + st->stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
        m.rss_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(st->rss_pages, 0)) *
                      static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
        m.virtual_bytes = st->vsize;
    }
    m.open_fds = static_cast<std::uint64_t>(std::max<std::int64_t>(metrics::count_self_fds(), 0));
    rlimit nofile{};
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
        m.max_fds = nofile.rlim_cur;
    }
    return m;
}

}  // namespace

std::string_view to_string(DropReason r) {
    switch (r) {
        case DropReason::ring: return "ring";
        case DropReason::file: return "file";
    }
    return "unknown";
}

MetricsSnapshot snapshot_metrics(const ipc::Services& svc, const HttpStats& http) {
    MetricsSnapshot snap;
    std::unordered_set<const logs::LogFile*> files_seen;
    auto all = svc.table.all();
    snap.processes.reserve(all.size());
    for (const sup::Instance* inst : all) {
        snap.processes.push_back(process_figures(*inst, svc, files_seen));
    }
    snap.self = self_figures(svc);
    // The stats are sized for the dispatcher's table: THE table in pmd.
    auto table = ipc::command_table();
    const ipc::DispatchStats& ds = svc.dispatch;
    for (std::size_t i = 0; i < table.size() && i < ds.per_command.size(); ++i) {
        snap.commands.push_back(CommandMetrics{std::string(table[i].name), ds.per_command[i], ds.latency[i]});
    }
    snap.ipc_errors = ds.errors;
    snap.ipc_connections = svc.server.connection_count();
    snap.ring_bytes = svc.hub.ring_bytes();
    snap.ring_capacity_bytes = svc.hub.ring_capacity();
    snap.follower_lines_sent = svc.streams.stats().follower_lines_sent;
    snap.follower_lines_missed = svc.streams.stats().follower_lines_missed;
    auto pool = svc.pool.stats();
    snap.pool_bytes = pool.bytes;
    snap.pool_entries = pool.entries;
    snap.sampler_ticks = svc.sampler.stats().ticks;
    snap.loop_lag = svc.self.loop_lag();
    snap.http = http;
    return snap;
}

}  // namespace pm::http
