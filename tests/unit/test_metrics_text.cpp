// /metrics: the text writer's escaping and numbers, the renderer's output
// parsed back and checked against the format's rules (prom_parse.hpp), odd
// process names round-tripping, and a render from the real components on a
// loop with a running process.
#include "daemon/http/http_stats.hpp"
#include "daemon/http/metrics_text.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <set>
#include <string>

#include "daemon/http/metrics_snapshot.hpp"
#include "daemon/http/prom_text.hpp"
#include "daemon/ipc/dispatch.hpp"
#include "daemon_world.hpp"
#include "loop_support.hpp"
#include "prom_parse.hpp"

using namespace pm;
using namespace pm::http;
using Map = std::map<std::string, std::string>;

namespace {

std::string value_text(double v) {
    std::string s;
    append_value(s, v);
    return s;
}

ProcessMetrics process(std::string name, std::string app, ProcessState state) {
    ProcessMetrics p;
    p.name = std::move(name);
    p.app = std::move(app);
    p.state = state;
    return p;
}

// Two apps: web (two instances, one online and sampled, one errored after
// crashes) and a stopped worker; a few requests and HTTP figures.
MetricsSnapshot sample_snapshot() {
    MetricsSnapshot s;
    ProcessMetrics web0 = process("web:0", "web", ProcessState::online);
    web0.start_time_seconds = 1764860000.25;
    web0.restarts[static_cast<std::size_t>(sup::RestartReason::manual)] = 2;
    web0.restarts[static_cast<std::size_t>(sup::RestartReason::memory)] = 1;
    web0.last_exit_code = 143;
    web0.cpu_seconds = 12.5;
    web0.rss_bytes = 52428800;
    web0.threads = 7;
    web0.fds = 23;
    web0.log_lines = {100, 3};
    web0.log_bytes = {4000, 120};
    web0.dropped_lines = {40, 0};
    ProcessMetrics web1 = process("web:1", "web", ProcessState::errored);
    web1.restarts[static_cast<std::size_t>(sup::RestartReason::crash)] = 15;
    web1.last_exit_code = 1;
    s.processes = {web0, web1, process("worker", "worker", ProcessState::stopped)};
    s.self = SelfMetrics{0.75, 9000000, 30000000, 12, 1024, 1764850000.5, "1.2.3"};
    CommandMetrics list{"list", 3, {}};
    for (std::uint64_t us : {10u, 100u, 5000u}) {
        list.latency.record(us);
    }
    s.commands = {list, CommandMetrics{"start", 0, {}}};
    s.ipc_errors = 1;
    s.http.requests[{"metrics", 200}] = 5;
    s.http.requests[{"api", 404}] = 2;
    s.http.refused_token = 4;
    s.http.sse_clients = 2;
    s.http.sse_disconnects_slow = 1;
    s.http.request_latency.record(300);
    s.loop_lag.record(0);
    s.loop_lag.record(2000);
    s.ring_bytes = 8192;
    s.pool_bytes = 77;
    return s;
}

void require_valid(const pm::test::PromText& t) {
    for (const auto& e : t.errors) {
        FAIL_CHECK(e);
    }
}

}  // namespace

TEST_SUITE("http/metrics") {

TEST_CASE("label values escape backslash, double quote and newline, HELP text backslash and newline") {
    std::string v;
    append_label_value(v, "a\\b\"c\nd é");
    CHECK(v == "a\\\\b\\\"c\\nd é");
    std::string h;
    append_help_text(h, "say \"hi\"\\\nthen");
    CHECK(h == "say \"hi\"\\\\\\nthen");
    CHECK(Labels().add("name", "x\"y").add("app", "z").text() == "name=\"x\\\"y\",app=\"z\"");
}

TEST_CASE("sample values: integers exactly, fractions shortest, infinities and NaN spelled as Prometheus reads them") {
    CHECK(value_text(0) == "0");
    CHECK(value_text(1) == "1");
    CHECK(value_text(-3) == "-3");
    CHECK(value_text(1764860000.0) == "1764860000");
    CHECK(value_text(0.25) == "0.25");
    CHECK(value_text(1e-6) == "1e-06");
    CHECK(value_text(0.1) == "0.1");
    CHECK(value_text(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(value_text(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(value_text(std::numeric_limits<double>::quiet_NaN()) == "NaN");
    std::string big;
    append_value(big, std::uint64_t{18446744073709551615u});
    CHECK(big == "18446744073709551615");
}

TEST_CASE("a microsecond histogram becomes cumulative second buckets, +Inf equal to the count") {
    Histogram h;
    for (std::uint64_t us : {0u, 31u, 32u, 127u, 9000000u}) {
        h.record(us);
    }
    PromWriter w;
    w.family("x_seconds", "help", MetricType::histogram);
    const int bounds[] = {0, 5, 7};
    w.histogram_us("a=\"b\"", h, bounds);
    CHECK(w.text() ==
          "# HELP x_seconds help\n# TYPE x_seconds histogram\n"
          "x_seconds_bucket{a=\"b\",le=\"0\"} 1\n"
          "x_seconds_bucket{a=\"b\",le=\"3.1e-05\"} 2\n"
          "x_seconds_bucket{a=\"b\",le=\"0.000127\"} 4\n"
          "x_seconds_bucket{a=\"b\",le=\"+Inf\"} 5\n"
          "x_seconds_sum{a=\"b\"} 9.00019\n"
          "x_seconds_count{a=\"b\"} 5\n");
}

TEST_CASE("the rendered text follows the format's rules and shows each figure under its name") {
    MetricsSnapshot snap = sample_snapshot();
    std::string text = render_snapshot(snap);
    auto t = pm::test::parse_prom_text(text);
    require_valid(t);
    CAPTURE(text);

    Map web0{{"name", "web:0"}, {"app", "web"}};
    Map web1{{"name", "web:1"}, {"app", "web"}};
    Map worker{{"name", "worker"}, {"app", "worker"}};
    CHECK(t.value("pm_process_up", web0) == 1);
    CHECK(t.value("pm_process_up", web1) == 0);
    CHECK(t.value("pm_process_up", worker) == 0);
    // The state set: one series per state, 1 for the state it is in.
    for (auto s : k_all_states) {
        Map l = web0;
        l["state"] = std::string(to_string(s));
        CHECK(t.value("pm_process_state", l) == (s == ProcessState::online ? 1 : 0));
    }
    CHECK(t.families.at("pm_process_state").samples.size() == 3 * std::size(k_all_states));
    CHECK(t.value("pm_process_start_time_seconds", web0) == 1764860000.25);
    CHECK_FALSE(t.value("pm_process_start_time_seconds", worker));  // not running
    auto with = [](Map m, const char* k, const char* v) {
        m[k] = v;
        return m;
    };
    CHECK(t.value("pm_process_restarts_total", with(web0, "reason", "manual")) == 2);
    CHECK(t.value("pm_process_restarts_total", with(web0, "reason", "memory")) == 1);
    CHECK(t.value("pm_process_restarts_total", with(web1, "reason", "crash")) == 15);
    CHECK(t.value("pm_process_restarts_total", with(worker, "reason", "watch")) == 0);
    CHECK(t.value("pm_process_last_exit_code", web0) == 143);
    CHECK(t.value("pm_process_last_exit_code", web1) == 1);
    CHECK_FALSE(t.value("pm_process_last_exit_code", worker));
    CHECK(t.value("pm_process_cpu_seconds_total", web0) == 12.5);
    CHECK(t.value("pm_process_resident_memory_bytes", web0) == 52428800);
    CHECK(t.value("pm_process_threads", web0) == 7);
    CHECK(t.value("pm_process_open_fds", web0) == 23);
    CHECK_FALSE(t.value("pm_process_resident_memory_bytes", web1));  // no sample: not running
    CHECK(t.value("pm_process_log_lines_total", with(web0, "stream", "out")) == 100);
    CHECK(t.value("pm_process_log_lines_total", with(web0, "stream", "err")) == 3);
    CHECK(t.value("pm_process_log_bytes_total", with(web0, "stream", "err")) == 120);
    CHECK(t.value("pm_process_log_dropped_lines_total", with(web0, "reason", "ring")) == 40);
    CHECK(t.value("pm_process_log_dropped_lines_total", with(web0, "reason", "file")) == 0);

    CHECK(t.value("process_cpu_seconds_total") == 0.75);
    CHECK(t.value("process_resident_memory_bytes") == 9000000);
    CHECK(t.value("process_virtual_memory_bytes") == 30000000);
    CHECK(t.value("process_open_fds") == 12);
    CHECK(t.value("process_max_fds") == 1024);
    CHECK(t.value("process_start_time_seconds") == 1764850000.5);
    CHECK(t.value("pm_build_info", {{"version", "1.2.3"}}) == 1);
    CHECK(t.value("pm_processes", {{"state", "online"}}) == 1);
    CHECK(t.value("pm_processes", {{"state", "errored"}}) == 1);
    CHECK(t.value("pm_processes", {{"state", "stopped"}}) == 1);
    CHECK(t.value("pm_processes", {{"state", "backoff"}}) == 0);

    CHECK(t.value("pm_ipc_requests_total", {{"command", "list"}}) == 3);
    CHECK(t.value("pm_ipc_requests_total", {{"command", "start"}}) == 0);
    CHECK(t.value("pm_ipc_request_errors_total") == 1);
    CHECK(t.value("pm_ipc_request_duration_seconds_count", {{"command", "list"}}) == 3);
    CHECK(t.value("pm_ipc_request_duration_seconds_bucket", {{"command", "list"}, {"le", "3.1e-05"}}) == 1);
    CHECK(t.value("pm_ipc_request_duration_seconds_bucket", {{"command", "list"}, {"le", "0.000127"}}) == 2);
    CHECK(t.value("pm_ipc_request_duration_seconds_bucket", {{"command", "list"}, {"le", "0.008191"}}) == 3);
    CHECK(t.value("pm_ipc_request_duration_seconds_sum", {{"command", "list"}}) == doctest::Approx(0.00511));

    CHECK(t.value("pm_http_requests_total", {{"handler", "metrics"}, {"code", "200"}}) == 5);
    CHECK(t.value("pm_http_requests_total", {{"handler", "api"}, {"code", "404"}}) == 2);
    CHECK(t.value("pm_http_request_duration_seconds_count") == 1);
    CHECK(t.value("pm_http_refused_total", {{"reason", "token"}}) == 4);
    CHECK(t.value("pm_http_refused_total", {{"reason", "header_size"}}) == 0);
    CHECK(t.value("pm_sse_clients") == 2);
    CHECK(t.value("pm_sse_disconnects_total", {{"reason", "slow"}}) == 1);
    CHECK(t.value("pm_event_loop_lag_seconds_count") == 2);
    CHECK(t.value("pm_event_loop_lag_seconds_bucket", {{"le", "0.000511"}}) == 1);
    CHECK(t.value("pm_event_loop_lag_seconds_bucket", {{"le", "0.002047"}}) == 2);
    CHECK(t.value("pm_log_ring_bytes") == 8192);
    CHECK(t.value("pm_string_pool_bytes") == 77);
}

TEST_CASE("per-process series carry only the name and app labels (and their own enum label)") {
    auto t = pm::test::parse_prom_text(render_snapshot(sample_snapshot()));
    require_valid(t);
    const std::set<std::string> allowed{"name", "app", "state", "reason", "stream"};
    for (const auto& [fname, f] : t.families) {
        if (fname.rfind("pm_process_", 0) != 0) {
            continue;
        }
        CHECK(!f.samples.empty());
        for (const auto& s : f.samples) {
            CHECK(s.labels.count("name") == 1);
            CHECK(s.labels.count("app") == 1);
            for (const auto& [k, v] : s.labels) {
                CHECK_MESSAGE(allowed.count(k) == 1, fname << " has the label " << k);
            }
        }
    }
}

TEST_CASE("odd process names come back unchanged once the label escapes are read") {
    const std::string names[] = {
        "say \"hi\"", "back\\slash", "two\nlines", "café ☃ 名前", "end\\", "\\\"\n", "{}=,",
    };
    MetricsSnapshot snap;
    for (const auto& n : names) {
        snap.processes.push_back(process(n, n + "-app", ProcessState::online));
    }
    std::string text = render_snapshot(snap);
    auto t = pm::test::parse_prom_text(text);
    require_valid(t);
    for (const auto& n : names) {
        CAPTURE(n);
        CHECK(t.value("pm_process_up", {{"name", n}, {"app", n + "-app"}}) == 1);
    }
    CHECK(text.find("name=\"two\\nlines\"") != std::string::npos);
    CHECK(text.find("name=\"say \\\"hi\\\"\"") != std::string::npos);
    CHECK(text.find("name=\"end\\\\\"") != std::string::npos);
}

TEST_CASE("the reader used by these tests rejects what breaks the format") {
    using pm::test::parse_prom_text;
    CHECK(parse_prom_text("# HELP a_total x\n# TYPE a_total counter\na_total 1\n").errors.empty());
    CHECK_FALSE(parse_prom_text("a 1\n").errors.empty());                                   // no HELP/TYPE
    CHECK_FALSE(parse_prom_text("# HELP a x\n# TYPE a counter\na 1\n").errors.empty());     // counter without _total
    CHECK_FALSE(parse_prom_text("# HELP a x\n# TYPE a gauge\na 1\na 2\n").errors.empty());  // duplicate series
    CHECK_FALSE(parse_prom_text("# HELP a x\n# TYPE a gauge\na{n=\"\\q\"} 1\n").errors.empty());   // bad escape
    CHECK_FALSE(parse_prom_text("# HELP a x\n# TYPE a gauge\na 1\n# HELP a x\n").errors.empty());  // HELP twice
    CHECK_FALSE(parse_prom_text("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                                "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")
                    .errors.empty());  // not cumulative
    CHECK_FALSE(parse_prom_text("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n")
                    .errors.empty());  // +Inf != _count
}

TEST_CASE("metrics of the real components: a running process, its logs, a restart and pmd itself") {
    test::Loop loop;
    test::DaemonWorld w(loop.get(), {.dir_prefix = "pm-metrics", .sample_running = true});
    w.svc.info.started_unix_ms = 1764850000000;

    auto app = w.table.add_app(test::child_spec(w.pool, "api", {"print", "3", "print-err", "2", "sleep"}));
    REQUIRE(app);
    sup::Instance* inst = (*app)->instances[0].get();
    REQUIRE(inst->start());
    auto* ch = w.hub.channel(inst->id());
    REQUIRE(ch != nullptr);
    REQUIRE(
        test::run_until(loop.get(), [&] { return ch->lines(LogStream::out) == 3 && ch->lines(LogStream::err) == 2; }));
    w.sampler.tick();

    HttpStats http;
    auto t = test::parse_prom_text(render_metrics(w.svc, http));
    require_valid(t);
    Map api{{"name", "api"}, {"app", "api"}};
    CHECK(t.value("pm_process_up", api) == 1);
    CHECK(t.value("pm_process_state", {{"name", "api"}, {"app", "api"}, {"state", "online"}}) == 1);
    CHECK(t.value("pm_process_log_lines_total", {{"name", "api"}, {"app", "api"}, {"stream", "out"}}) == 3);
    CHECK(t.value("pm_process_log_lines_total", {{"name", "api"}, {"app", "api"}, {"stream", "err"}}) == 2);
    CHECK(t.value("pm_process_log_bytes_total", {{"name", "api"}, {"app", "api"}, {"stream", "out"}}) > 0);
    CHECK(t.value("pm_process_resident_memory_bytes", api) > 0);
    CHECK(t.value("pm_process_threads", api) >= 1);
    CHECK(t.value("pm_process_open_fds", api) >= 3);  // stdin, stdout, stderr at least
    CHECK(t.value("pm_process_cpu_seconds_total", api) >= 0);
    auto started = t.value("pm_process_start_time_seconds", api);
    REQUIRE(started);
    CHECK(*started > 1.7e9);
    CHECK(t.value("process_resident_memory_bytes") > 0);
    CHECK(t.value("process_open_fds") > 0);
    CHECK(t.value("process_max_fds") > 0);
    CHECK(t.value("process_start_time_seconds") == 1764850000);
    CHECK(t.value("pm_build_info", {{"version", PM_VERSION}}) == 1);
    CHECK(t.value("pm_processes", {{"state", "online"}}) == 1);
    // Every command of the table has its counter and its histogram.
    CHECK(t.families.at("pm_ipc_requests_total").samples.size() == ipc::command_table().size());

    int pid = inst->pid().value_or(0);
    inst->restart(sup::RestartReason::manual);
    REQUIRE(test::run_until(loop.get(), [&] { return inst->state() == ProcessState::online && inst->pid() != pid; }));
    t = test::parse_prom_text(render_metrics(w.svc, http));
    require_valid(t);
    CHECK(t.value("pm_process_restarts_total", {{"name", "api"}, {"app", "api"}, {"reason", "manual"}}) == 1);
    CHECK(t.value("pm_process_restarts_total", {{"name", "api"}, {"app", "api"}, {"reason", "crash"}}) == 0);
    CHECK(t.value("pm_process_last_exit_code", api).has_value());
    // The sampler has not seen the new run yet: no figures of the old one.
    CHECK_FALSE(t.value("pm_process_cpu_seconds_total", api).has_value());
    CHECK_FALSE(t.value("pm_process_resident_memory_bytes", api).has_value());
    w.sampler.tick();
    t = test::parse_prom_text(render_metrics(w.svc, http));
    CHECK(t.value("pm_process_resident_memory_bytes", api) > 0);
    CHECK(t.value("pm_process_cpu_seconds_total", api) >= 0);

    inst->stop();
    REQUIRE(test::run_until(loop.get(), [&] { return !is_running(inst->state()); }));
}

}  // TEST_SUITE("http/metrics")
