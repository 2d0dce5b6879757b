// /metrics: the snapshot rendered family by family, following Prometheus's
// naming rules (base units, _total counters, an _info metric) and labelling
// processes only by `name` and `app` (never pid, argv or env). The text
// format itself is written by PromWriter (prom_text.hpp says why by hand).
#include "daemon/http/metrics_text.hpp"

#include <array>
#include <string_view>

#include "daemon/http/metrics_snapshot.hpp"
#include "daemon/http/prom_text.hpp"

namespace pm::http {
namespace {

using enum MetricType;

// Histogram buckets shown: le = 2^b - 1 us for these b, i.e. 31 us, 127 us,
// 511 us, 2 ms, 8 ms, 33 ms, 131 ms, 524 ms, 2.1 s, 8.4 s (then +Inf).
constexpr std::array k_latency_bounds{5, 7, 9, 11, 13, 15, 17, 19, 21, 23};

constexpr std::string_view k_streams[] = {"out", "err"};

std::string one_label(std::string_view name, std::string_view value) { return Labels().add(name, value).text(); }

// Per-process families: each a pass over every process, with its
// `name="...",app="..."` labels formatted once.
class ProcessFamilies {
public:
    ProcessFamilies(PromWriter& w, const std::vector<ProcessMetrics>& ps) : m_w(w), m_ps(ps) {
        m_labels.reserve(ps.size());
        for (const auto& p : ps) {
            m_labels.push_back(Labels().add("name", p.name).add("app", p.app).text());
        }
    }

    void render() {
        states();
        each("pm_process_start_time_seconds", "Start time of the process's current run, seconds since the epoch.",
             gauge, [](const ProcessMetrics& p) { return p.start_time_seconds; });
        restarts();
        each("pm_process_last_exit_code",
             "Exit code of the process's last run (128 + N when signal N ended it); absent before any exit.", gauge,
             [](const ProcessMetrics& p) {
                 return p.last_exit_code ? std::optional<double>(static_cast<double>(*p.last_exit_code)) : std::nullopt;
             });
        each("pm_process_cpu_seconds_total",
             "User and system CPU time of the process group's current run (waited-for children included), seconds.",
             counter, [](const ProcessMetrics& p) { return p.cpu_seconds; });
        each("pm_process_resident_memory_bytes", "Resident memory of the process group, bytes.", gauge,
             [](const ProcessMetrics& p) { return as_double(p.rss_bytes); });
        each("pm_process_threads", "Threads in the process group.", gauge,
             [](const ProcessMetrics& p) { return as_double(p.threads); });
        each("pm_process_open_fds", "Open file descriptors in the process group (counted every 5th sample).", gauge,
             [](const ProcessMetrics& p) { return as_double(p.fds); });
        logs();
    }

private:
    static std::optional<double> as_double(std::optional<std::uint64_t> v) {
        return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
    }

    // One sample per process that has a value.
    template <typename Fn>
    void each(std::string_view name, std::string_view help, MetricType type, Fn value) {
        m_w.family(name, help, type);
        for (std::size_t i = 0; i < m_ps.size(); ++i) {
            if (std::optional<double> v = value(m_ps[i])) {
                m_w.sample(m_labels[i], *v);
            }
        }
    }

    void states() {
        m_w.family("pm_process_up", "1 when the process is online, else 0.", gauge);
        for (std::size_t i = 0; i < m_ps.size(); ++i) {
            m_w.sample(m_labels[i], std::uint64_t{m_ps[i].state == ProcessState::online ? 1u : 0u});
        }
        std::array<std::string, std::size(k_all_states)> extra;
        for (std::size_t s = 0; s < extra.size(); ++s) {
            extra[s] = one_label("state", to_string(k_all_states[s]));
        }
        m_w.family("pm_process_state", "The process's state: 1 for the state it is in, 0 for the others.", gauge);
        for (std::size_t i = 0; i < m_ps.size(); ++i) {
            for (std::size_t s = 0; s < extra.size(); ++s) {
                m_w.sample(m_labels[i], extra[s], std::uint64_t{m_ps[i].state == k_all_states[s] ? 1u : 0u});
            }
        }
    }

    void restarts() {
        std::array<std::string, std::size(sup::k_all_restart_reasons)> extra;
        for (std::size_t r = 0; r < extra.size(); ++r) {
            extra[r] = one_label("reason", sup::to_string(sup::k_all_restart_reasons[r]));
        }
        m_w.family("pm_process_restarts_total", "Restarts of the process, by reason.", counter);
        for (std::size_t i = 0; i < m_ps.size(); ++i) {
            for (std::size_t r = 0; r < extra.size(); ++r) {
                m_w.sample(m_labels[i], extra[r], m_ps[i].restarts[r]);
            }
        }
    }

    void logs() {
        std::array<std::string, 2> streams{one_label("stream", k_streams[0]), one_label("stream", k_streams[1])};
        m_w.family("pm_process_log_lines_total", "Log lines the process wrote, by stream.", counter);
        for (std::size_t i = 0; i < m_ps.size(); ++i) {
            for (std::size_t s = 0; s < 2; ++s) {
                m_w.sample(m_labels[i], streams[s], m_ps[i].log_lines[s]);
            }
        }
        m_w.family("pm_process_log_bytes_total", "Log bytes the process wrote (newlines excluded), by stream.",
                   counter);
        for (std::size_t i = 0; i < m_ps.size(); ++i) {
            for (std::size_t s = 0; s < 2; ++s) {
                m_w.sample(m_labels[i], streams[s], m_ps[i].log_bytes[s]);
            }
        }
        std::array<std::string, std::size(k_all_drop_reasons)> reasons;
        for (std::size_t r = 0; r < reasons.size(); ++r) {
            reasons[r] = one_label("reason", to_string(k_all_drop_reasons[r]));
        }
        m_w.family("pm_process_log_dropped_lines_total",
                   "Log lines dropped: reason ring, pushed out of the in-memory ring by newer ones (still in the "
                   "file); reason file, never written to the log file (write errors, disk full).",
                   counter);
        for (std::size_t i = 0; i < m_ps.size(); ++i) {
            for (std::size_t r = 0; r < reasons.size(); ++r) {
                m_w.sample(m_labels[i], reasons[r], m_ps[i].dropped_lines[r]);
            }
        }
    }

    PromWriter& m_w;
    const std::vector<ProcessMetrics>& m_ps;
    std::vector<std::string> m_labels;
};

void one(PromWriter& w, std::string_view name, std::string_view help, MetricType type, double v) {
    w.family(name, help, type);
    w.sample({}, v);
}

void one(PromWriter& w, std::string_view name, std::string_view help, MetricType type, std::uint64_t v) {
    w.family(name, help, type);
    w.sample({}, v);
}

void render_self(PromWriter& w, const MetricsSnapshot& s) {
    const SelfMetrics& m = s.self;
    one(w, "process_cpu_seconds_total", "Total user and system CPU time spent by pmd, seconds.", counter,
        m.cpu_seconds);
    one(w, "process_resident_memory_bytes", "Resident memory size of pmd, bytes.", gauge, m.rss_bytes);
    one(w, "process_virtual_memory_bytes", "Virtual memory size of pmd, bytes.", gauge, m.virtual_bytes);
    one(w, "process_open_fds", "Open file descriptors of pmd.", gauge, m.open_fds);
    one(w, "process_max_fds", "Maximum open file descriptors of pmd (soft limit).", gauge, m.max_fds);
    one(w, "process_start_time_seconds", "Start time of pmd, seconds since the epoch.", gauge, m.start_time_seconds);
    w.family("pm_build_info", "pm's version (always 1).", gauge);
    w.sample(one_label("version", m.version), std::uint64_t{1});
    w.family("pm_processes", "Processes managed, by state.", gauge);
    std::array<std::uint64_t, std::size(k_all_states)> by_state{};
    for (const auto& p : s.processes) {
        ++by_state[static_cast<std::size_t>(p.state)];
    }
    for (std::size_t i = 0; i < by_state.size(); ++i) {
        w.sample(one_label("state", to_string(k_all_states[i])), by_state[i]);
    }
}

void render_ipc(PromWriter& w, const MetricsSnapshot& s) {
    std::vector<std::string> labels;
    labels.reserve(s.commands.size());
    for (const auto& c : s.commands) {
        labels.push_back(one_label("command", c.name));
    }
    w.family("pm_ipc_requests_total", "Requests on the control socket, by command.", counter);
    for (std::size_t i = 0; i < s.commands.size(); ++i) {
        w.sample(labels[i], s.commands[i].requests);
    }
    one(w, "pm_ipc_request_errors_total", "Requests on the control socket answered with an error.", counter,
        s.ipc_errors);
    w.family("pm_ipc_request_duration_seconds", "Time to handle a request on the control socket, by command.",
             histogram);
    for (std::size_t i = 0; i < s.commands.size(); ++i) {
        w.histogram_us(labels[i], s.commands[i].latency, k_latency_bounds);
    }
    one(w, "pm_ipc_connections", "Clients connected to the control socket.", gauge, s.ipc_connections);
}

void render_http(PromWriter& w, const HttpStats& h) {
    w.family("pm_http_requests_total", "HTTP requests answered, by handler and status code.", counter);
    for (const auto& [key, n] : h.requests) {
        w.sample(Labels().add("handler", key.first).add("code", std::to_string(key.second)).text(), n);
    }
    w.family("pm_http_request_duration_seconds", "Time to answer an HTTP request (event streams excluded).", histogram);
    w.histogram_us({}, h.request_latency, k_latency_bounds);
    one(w, "pm_http_connections_total", "HTTP connections accepted.", counter, h.connections_total);
    one(w, "pm_http_connections", "HTTP connections open.", gauge, h.connections_open);
    const std::pair<std::string_view, std::uint64_t> refused[] = {
        {"connections", h.refused_connections}, {"header_size", h.refused_header_size},
        {"body_size", h.refused_body_size},     {"host", h.refused_host},
        {"origin", h.refused_origin},           {"token", h.refused_token},
        {"bad_request", h.bad_requests},        {"sse_clients", h.sse_refused_limit},
    };
    w.family("pm_http_refused_total",
             "HTTP requests or connections refused, by reason: connections (503, connection cap), header_size "
             "(431), body_size (413), host (421), origin (403), token (401), bad_request (400), sse_clients (503, "
             "event stream cap).",
             counter);
    for (const auto& [reason, n] : refused) {
        w.sample(one_label("reason", reason), n);
    }
    w.family("pm_http_timeouts_total",
             "HTTP connections closed by a timeout: header (slow headers), idle (keep-alive).", counter);
    w.sample(one_label("reason", "header"), h.timeouts_header);
    w.sample(one_label("reason", "idle"), h.timeouts_idle);
    one(w, "pm_sse_clients", "Event stream (SSE) clients connected.", gauge, h.sse_clients);
    one(w, "pm_sse_events_sent_total", "Events sent to event stream clients.", counter, h.sse_events_sent);
    one(w, "pm_sse_events_dropped_total", "Events not queued because the client's queue was full.", counter,
        h.sse_events_dropped);
    w.family("pm_sse_disconnects_total",
             "Event stream clients gone, by reason: client (it left), slow (closed by pmd, stalled past its bound).",
             counter);
    w.sample(one_label("reason", "client"), h.sse_disconnects_closed);
    w.sample(one_label("reason", "slow"), h.sse_disconnects_slow);
}

void render_internals(PromWriter& w, const MetricsSnapshot& s) {
    w.family("pm_event_loop_lag_seconds", "Lateness of pmd's 250 ms loop timer: time the event loop was busy.",
             histogram);
    w.histogram_us({}, s.loop_lag, k_latency_bounds);
    one(w, "pm_log_ring_bytes", "Bytes held by the in-memory log rings of every process.", gauge, s.ring_bytes);
    one(w, "pm_log_ring_capacity_bytes", "Capacity of the in-memory log rings of every process, bytes.", gauge,
        s.ring_capacity_bytes);
    one(w, "pm_log_follower_lines_sent_total", "Log lines sent to followers (pm logs --follow and streams).", counter,
        s.follower_lines_sent);
    one(w, "pm_log_follower_lines_missed_total", "Log lines followers missed because they fell behind.", counter,
        s.follower_lines_missed);
    one(w, "pm_string_pool_bytes", "Bytes of text interned once in pmd's string pool.", gauge, s.pool_bytes);
    one(w, "pm_string_pool_entries", "Strings in pmd's string pool.", gauge, s.pool_entries);
    one(w, "pm_sampler_ticks_total", "Passes of the process sampler over /proc.", counter, s.sampler_ticks);
}

}  // namespace

std::string render_snapshot(const MetricsSnapshot& snap) {
    // About 1.7 KB of text per process, plus the daemon's families.
    PromWriter w(snap.processes.size() * 1800 + 32 * 1024);
    ProcessFamilies(w, snap.processes).render();
    render_self(w, snap);
    render_ipc(w, snap);
    render_http(w, snap.http);
    render_internals(w, snap);
    return w.take();
}

std::string render_metrics(const ipc::Services& svc, const HttpStats& http) {
    return render_snapshot(snapshot_metrics(svc, http));
}

}  // namespace pm::http
