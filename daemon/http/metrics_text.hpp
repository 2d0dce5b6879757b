// /metrics: the Prometheus text exposition of pmd and every process, rendered
// from a snapshot per request (no registry kept between scrapes).
#pragma once

#include <string>

namespace pm::ipc {
struct Services;
}

namespace pm::http {

struct HttpStats;
struct MetricsSnapshot;

// The body of GET /metrics (Content-Type: text/plain; version=0.0.4;
// charset=utf-8): snapshot_metrics() then render_snapshot().
std::string render_metrics(const ipc::Services& svc, const HttpStats& http);

// Pure: the text of one snapshot.
std::string render_snapshot(const MetricsSnapshot& snap);

}  // namespace pm::http
