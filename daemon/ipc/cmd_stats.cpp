// Self-observation commands: memoryStats, performanceStats, errors.
#include <malloc.h>
#include <sys/resource.h>

#include <array>

#include "daemon/error_log.hpp"
#include "daemon/http/http_stats.hpp"
#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/dispatch.hpp"
#include "daemon/ipc/server.hpp"
#include "daemon/ipc/subscriptions.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/metrics/sampler.hpp"
#include "daemon/metrics/self_stats.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::ipc {
namespace {

json histogram_json(const Histogram& h) {
    return json{{"count", h.count()},
                {"p50_us", h.percentile(0.50)},
                {"p99_us", h.percentile(0.99)},
                {"max_us", h.max()},
                {"mean_us", h.mean()}};
}

json pool_json(const StringPoolStats& s) {
    return json{{"entries", s.entries},
                {"bytes", s.bytes},
                {"lookups", s.lookups},
                {"hits", s.hits},
                {"bytes_saved", s.bytes_saved}};
}

// Requests and latency of every command that was called at least once.
json by_command_json(const DispatchStats& stats) {
    json requests = json::object();
    auto table = command_table();
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (stats.per_command[i] == 0) {
            continue;
        }
        json h = histogram_json(stats.latency[i]);
        h["requests"] = stats.per_command[i];
        requests[std::string(table[i].name)] = h;
    }
    return requests;
}

std::int64_t unix_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

// The web view's counters; `listening` is false (and the counters zero)
// while it is off.
json http_json(const Services& svc) {
    const http::HttpStats& h = svc.http_stats;
    json by_handler = json::object();
    for (const auto& [key, n] : h.requests) {
        by_handler[key.first][std::to_string(key.second)] = n;
    }
    json out{
        {"listening", false},
        {"connections", {{"current", h.connections_open}, {"accepted", h.connections_total},
                         {"refused_limit", h.refused_connections}}},
        {"requests", by_handler},
        {"refused", {{"header_size", h.refused_header_size}, {"body_size", h.refused_body_size},
                     {"host", h.refused_host}, {"origin", h.refused_origin}, {"token", h.refused_token},
                     {"bad_request", h.bad_requests}}},
        {"timeouts", {{"header", h.timeouts_header}, {"idle", h.timeouts_idle}}},
        {"sse", {{"clients", h.sse_clients}, {"refused_limit", h.sse_refused_limit},
                 {"events_sent", h.sse_events_sent}, {"events_dropped", h.sse_events_dropped},
                 {"log_lines_missed", h.sse_log_lines_missed},
                 {"disconnects_closed", h.sse_disconnects_closed}, {"disconnects_slow", h.sse_disconnects_slow}}},
    };
    if (svc.web_status) {
        out.update(svc.web_status());
    }
    return out;
}

Result<json> handle_memory_stats(CommandContext& ctx, const json& args) {
    auto detail = arg_bool(args, "detail", false);
    if (!detail) {
        return detail.error();
    }
    const Services& svc = ctx.svc;
    metrics::ProcSelf self = metrics::read_proc_self();
    struct mallinfo2 mi = mallinfo2();
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    json rings{{"bytes", svc.hub.ring_bytes()},
               {"capacity", svc.hub.ring_capacity()},
               {"channels", svc.table.instance_count()},
               {"pipes", svc.hub.pipe_count()},
               {"files", svc.hub.file_count()},
               {"followers", svc.streams.count(StreamKind::log)}};
    if (*detail) {
        json per = json::array();
        for (auto* inst : svc.table.all()) {
            if (auto* ch = svc.hub.channel(inst->id())) {
                per.push_back(json{{"id", inst->id()},
                                   {"name", inst->display_name()},
                                   {"bytes", ch->ring().bytes()},
                                   {"capacity", ch->ring().capacity()},
                                   {"lines", ch->ring().records().size()}});
            }
        }
        rings["per_process"] = per;
    }
    json conns{{"count", svc.server.connection_count()},
               {"peak", svc.server.stats().peak},
               {"queued_bytes", svc.server.queued_bytes()},
               {"buffered_bytes", svc.server.buffered_bytes()}};
    return json{
        {"rss_bytes", self.rss_kb * 1024},
        {"peak_rss_bytes", self.peak_kb * 1024},
        {"heap_in_use_bytes", mi.uordblks},
        {"heap_free_bytes", mi.fordblks},
        {"log_rings", rings},
        {"metrics_history", {{"bytes", svc.sampler.history_bytes()},
                             {"instances", svc.sampler.tracked()},
                             {"samples_per_instance", svc.sampler.options().history}}},
        {"connections", conns},
        {"process_table", {{"bytes", svc.table.memory_bytes()},
                           {"apps", svc.table.app_count()},
                           {"instances", svc.table.instance_count()},
                           {"waiters", svc.table.waiter_count()}}},
        {"error_log", {{"bytes", error_log_bytes()}}},
        {"string_pool", pool_json(svc.pool.stats())},
        {"fds", {{"open", self.fds}, {"soft_limit", nofile.rlim_cur}, {"hard_limit", nofile.rlim_max}}},
        {"rss_trend_kb", svc.self.rss_trend()},
    };
}

Result<json> handle_performance_stats(CommandContext& ctx, const json&) {
    const Services& svc = ctx.svc;
    json by_state = json::object();
    for (auto s : k_all_states) {
        by_state[std::string(to_string(s))] = 0;
    }
    std::int64_t restarts = 0;
    for (auto* inst : svc.table.all()) {
        by_state[std::string(to_string(inst->state()))] = by_state[std::string(to_string(inst->state()))].get<int>() + 1;
        restarts += inst->restarts();
    }
    const auto& hs = svc.hub.stats();
    const auto& fs = svc.streams.stats();
    const auto& ss = svc.sampler.stats();
    json out{
        {"uptime_ms", unix_ms() - svc.info.started_unix_ms},
        {"processes", {{"by_state", by_state}, {"total", svc.table.instance_count()}, {"restarts", restarts}}},
        {"requests", {{"total", svc.dispatch.requests},
                      {"errors", svc.dispatch.errors},
                      {"by_command", by_command_json(svc.dispatch)}}},
        {"logs", {{"lines", hs.lines},
                  {"bytes", hs.bytes},
                  {"follower_lines_sent", fs.follower_lines_sent},
                  {"follower_lines_missed", fs.follower_lines_missed}}},
        {"sampler", {{"ticks", ss.ticks},
                     {"interval_ms", svc.sampler.options().interval_ms},
                     {"last_tick_wall_us", ss.last_tick_wall_us},
                     {"last_tick_cpu_us", ss.last_tick_cpu_us},
                     {"avg_tick_cpu_us", ss.ticks > 0 ? ss.total_tick_cpu_us / static_cast<std::int64_t>(ss.ticks) : 0},
                     {"processes_scanned", ss.processes_scanned}}},
        {"connections", {{"current", svc.server.connection_count()},
                         {"peak", svc.server.stats().peak},
                         {"accepted", svc.server.stats().accepted},
                         {"rejected", svc.server.stats().rejected_limit + svc.server.stats().rejected_peer},
                         {"idle_closed", svc.server.stats().idle_closed}}},
    };
    out["loop_lag"] = histogram_json(svc.self.loop_lag());
    out["logs"]["lines_per_sec"] = svc.self.lines_per_sec();
    out["logs"]["bytes_per_sec"] = svc.self.bytes_per_sec();
    std::uint64_t dropped = 0;
    for (auto* inst : svc.table.all()) {
        if (auto* ch = svc.hub.channel(inst->id())) {
            for (LogStream s : {LogStream::out, LogStream::err}) {
                if (auto* f = ch->file(s)) {
                    dropped += f->stats().dropped_lines;
                }
            }
        }
    }
    out["logs"]["file_lines_dropped"] = dropped;
    out["http"] = http_json(svc);
    return out;
}

Result<json> handle_errors(CommandContext&, const json&) { return errors_json(); }

Result<json> handle_web(CommandContext& ctx, const json& args) {
    if (!ctx.svc.web) {
        return fail(ErrorCode::internal, "the web view is not available in this pmd");
    }
    return ctx.svc.web(args);
}

Result<json> handle_monitor(CommandContext& ctx, const json&) {
    if (ctx.sink == nullptr) {
        return fail(ErrorCode::bad_args, "this client cannot monitor: only the control socket streams");
    }
    Subscription s{ctx.sink, ctx.conn.id(), ctx.request_id, StreamKind::stats, {}};
    if (auto ok = ctx.svc.streams.subscribe(std::move(s)); !ok) {
        return ok.error();
    }
    return json{{"interval_ms", ctx.svc.sampler.options().interval_ms}};
}

}  // namespace pm::ipc
