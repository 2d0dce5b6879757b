// pm_metrics_bench: time to render /metrics, for scripts/bench (not a test).
//   pm_metrics_bench N...   for each N: render_metrics() over real components
//                           holding N (stopped) instances, and render_snapshot()
//                           of N online, sampled processes (every per-process
//                           series present: the largest text). Median and p99
//                           of 50 renders each, and the body size.
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/http/http_stats.hpp"
#include "daemon/http/metrics_snapshot.hpp"
#include "daemon/http/metrics_text.hpp"
#include "daemon/supervisor/process_spec.hpp"
#include "tests/unit/daemon_world.hpp"

using namespace pm;

namespace {

constexpr int k_runs = 50;

template <typename Fn>
void measure(const char* what, std::size_t n, Fn render) {
    std::vector<double> ms;
    std::size_t bytes = 0;
    for (int i = 0; i < k_runs; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        std::string body = render();
        auto t1 = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        bytes = body.size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("/metrics %s, %zu processes: median %.2f ms, p99 %.2f ms, %zu bytes\n", what, n, ms[ms.size() / 2],
                ms[ms.size() * 99 / 100], bytes);
}

http::MetricsSnapshot synthetic(std::size_t n) {
    http::MetricsSnapshot s;
    for (std::size_t i = 0; i < n; ++i) {
        http::ProcessMetrics p;
        p.app = "app" + std::to_string(i / 4);
        p.name = p.app + ":" + std::to_string(i % 4);
        p.state = ProcessState::online;
        p.start_time_seconds = 1764860000.125 + static_cast<double>(i);
        p.restarts = {1, 2, 3, 4, 5, 6, 7};
        p.last_exit_code = 143;
        p.cpu_seconds = 12.34 * static_cast<double>(i);
        p.rss_bytes = 50000000 + i;
        p.threads = 11;
        p.fds = 24;
        p.log_lines = {123456, 789};
        p.log_bytes = {12345678, 78900};
        p.dropped_lines = {100, 0};
        s.processes.push_back(std::move(p));
    }
    for (auto spec : ipc::command_table()) {
        http::CommandMetrics c{std::string(spec.name), 1000, {}};
        for (std::uint64_t us = 1; us < 100000; us *= 3) {
            c.latency.record(us);
        }
        s.commands.push_back(std::move(c));
    }
    s.self.version = PM_VERSION;
    return s;
}

void bench_real(std::size_t n) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
        test::DaemonWorld w(&loop, {.dir_prefix = "pm-metrics-bench"});
        for (std::size_t i = 0; i < n; ++i) {
            json args{{"argv", json::array({"/bin/true"})}};
            auto spec = sup::spec_from_json(args, "app" + std::to_string(i), w.pool);
            if (!spec || !w.table.add_app(std::make_shared<const sup::ProcessSpec>(std::move(*spec)))) {
                std::fprintf(stderr, "pm_metrics_bench: unable to add app %zu\n", i);
                std::exit(1);
            }
        }
        http::HttpStats http;
        measure("render_metrics (real table, stopped)", n, [&] { return http::render_metrics(w.svc, http); });
        auto snap = synthetic(n);
        measure("render_snapshot (all online)", n, [&] { return http::render_snapshot(snap); });
        measure("snapshot_metrics (real table)", n,
                [&] { return std::to_string(http::snapshot_metrics(w.svc, http).processes.size()); });
        std::int64_t fds = metrics::count_self_fds();
        measure(("of which counting /proc/self/fd (" + std::to_string(fds) + " fds)").c_str(), n,
                [] { return std::to_string(metrics::count_self_fds()); });
        w.table.remove([&] {
            std::vector<std::uint64_t> ids;
            for (auto* inst : w.table.all()) {
                ids.push_back(inst->id());
            }
            return ids;
        }());
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: pm_metrics_bench N...\n");
        return 2;
    }
    for (int i = 1; i < argc; ++i) {
        bench_real(static_cast<std::size_t>(std::strtoul(argv[i], nullptr, 10)));
    }
    return 0;
}
