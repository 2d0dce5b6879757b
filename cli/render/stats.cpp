// Renderers of the self-observation results: memoryStats, performanceStats,
// errors.
#include "cli/render/stats.hpp"

#include <cstdio>
#include <ctime>
#include <fmt/format.h>

#include "cli/render/table.hpp"
#include "common/units.hpp"

namespace pm::cli {
namespace {

std::string size_of(const json& j, const char* key) { return format_size(j.value(key, std::int64_t{0})); }

}  // namespace

void render_memory(const json& r) {
    std::printf("rss %s (peak %s), heap in use %s\n", size_of(r, "rss_bytes").c_str(),
                size_of(r, "peak_rss_bytes").c_str(), size_of(r, "heap_in_use_bytes").c_str());
    Table t({"subsystem", "bytes", "capacity", "count"});
    const json& rings = r["log_rings"];
    t.add_row({"log rings", size_of(rings, "bytes"), size_of(rings, "capacity"),
               fmt::format("{} channels, {} followers", rings.value("channels", 0), rings.value("followers", 0))});
    const json& mh = r["metrics_history"];
    t.add_row({"metrics history", size_of(mh, "bytes"), "-", fmt::format("{} instances", mh.value("instances", 0))});
    const json& c = r["connections"];
    t.add_row({"connections", size_of(c, "queued_bytes"), "-",
               fmt::format("{} open (peak {})", c.value("count", 0), c.value("peak", 0))});
    const json& pt = r["process_table"];
    t.add_row({"process table", size_of(pt, "bytes"), "-", fmt::format("{} instances", pt.value("instances", 0))});
    t.add_row({"error log", size_of(r["error_log"], "bytes"), "-", "-"});
    const json& sp = r["string_pool"];
    t.add_row({"string pool", size_of(sp, "bytes"), "-",
               fmt::format("{} strings, {} hits of {} lookups, {} saved", sp.value("entries", 0), sp.value("hits", 0),
                           sp.value("lookups", 0), size_of(sp, "bytes_saved"))});
    t.print(stdout, false);
    const json& fds = r["fds"];
    std::printf("open fds %d of %s\n", fds.value("open", 0), fds["soft_limit"].dump().c_str());
    std::string trend;
    for (const auto& kb : r.value("rss_trend_kb", json::array())) {
        trend += " " + format_size(kb.get<std::int64_t>() * 1024);
    }
    if (!trend.empty()) {
        std::printf("rss trend (1/s):%s\n", trend.c_str());
    }
    if (rings.contains("per_process")) {
        Table p({"id", "name", "ring bytes", "capacity", "lines"});
        for (const auto& e : rings["per_process"]) {
            p.add_row(
                {e["id"].dump(), e.value("name", ""), size_of(e, "bytes"), size_of(e, "capacity"), e["lines"].dump()});
        }
        p.print(stdout, false);
    }
}

void render_performance(const json& r) {
    std::printf("uptime %s\n", format_duration_ms(r.value("uptime_ms", 0)).c_str());
    const json& p = r["processes"];
    std::string states;
    for (const auto& [k, v] : p["by_state"].items()) {
        if (v.get<int>() > 0) {
            states += fmt::format(" {} {}", k, v.get<int>());
        }
    }
    std::printf("processes %d:%s; restarts %s\n", p.value("total", 0), states.c_str(), p["restarts"].dump().c_str());
    const json& rq = r["requests"];
    std::printf("requests %s (errors %s)\n", rq["total"].dump().c_str(), rq["errors"].dump().c_str());
    Table t({"command", "requests", "p50", "p99", "max"});
    for (const auto& [name, h] : rq["by_command"].items()) {
        t.add_row({name, h["requests"].dump(), fmt::format("{}us", h.value("p50_us", 0)),
                   fmt::format("{}us", h.value("p99_us", 0)), fmt::format("{}us", h.value("max_us", 0))});
    }
    t.print(stdout, false);
    if (r.contains("loop_lag")) {
        const json& l = r["loop_lag"];
        std::printf("event-loop lag p50 %sus p99 %sus max %sus\n", l["p50_us"].dump().c_str(),
                    l["p99_us"].dump().c_str(), l["max_us"].dump().c_str());
    }
    const json& lg = r["logs"];
    std::printf("logs %s lines (%.0f lines/s, %s/s), file lines dropped %s, follower lines missed %s\n",
                lg["lines"].dump().c_str(), lg.value("lines_per_sec", 0.0),
                format_size(static_cast<std::int64_t>(lg.value("bytes_per_sec", 0.0))).c_str(),
                lg["file_lines_dropped"].dump().c_str(), lg["follower_lines_missed"].dump().c_str());
    const json& s = r["sampler"];
    std::printf("sampler every %sms: last tick %sus wall, %sus cpu, %s processes scanned\n",
                s["interval_ms"].dump().c_str(), s["last_tick_wall_us"].dump().c_str(),
                s["last_tick_cpu_us"].dump().c_str(), s["processes_scanned"].dump().c_str());
    const json& c = r["connections"];
    std::printf("connections %s (peak %s, accepted %s, rejected %s)\n", c["current"].dump().c_str(),
                c["peak"].dump().c_str(), c["accepted"].dump().c_str(), c["rejected"].dump().c_str());
}

void render_errors(const json& r) {
    std::string counts;
    for (const auto& [k, v] : r["counts"].items()) {
        if (v.get<std::uint64_t>() > 0) {
            counts += fmt::format(" {} {}", k, v.get<std::uint64_t>());
        }
    }
    std::printf("errors by kind:%s\n", counts.empty() ? " none" : counts.c_str());
    for (const auto& e : r["recent"]) {
        std::time_t s = static_cast<std::time_t>(e.value("ts", std::int64_t{0}) / 1000);
        std::tm t{};
        localtime_r(&s, &t);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &t);
        std::printf("%s %s: %s\n", buf, e.value("kind", "").c_str(), e.value("message", "").c_str());
    }
}

}  // namespace pm::cli
