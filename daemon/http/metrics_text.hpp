// /metrics: the Prometheus text exposition of pmd and every process, rendered
// from a snapshot per request (no registry kept between scrapes).
#pragma once

#include <string>

namespace pm::ipc {
struct Services;
}

namespace pm::http {

struct HttpStats;

std::string render_metrics(const ipc::Services& svc, const HttpStats& http);

}  // namespace pm::http
