// Stream event payloads: log, gap, stats.
#include "daemon/ipc/stream_events.hpp"

#include <chrono>

#include "common/base64.hpp"
#include "daemon/ipc/server.hpp"
#include "daemon/ipc/views.hpp"
#include "daemon/metrics/self_stats.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::ipc {

json log_event_data(const logs::ChannelIdentity& who, const LogRecord& r, bool b64) {
    json data{{"id", who.id},       {"name", who.name},
              {"index", who.index}, {"stream", to_string(r.stream)},
              {"seq", r.seq},       {"ts", r.ts_ms == k_ts_unknown ? json(nullptr) : json(r.ts_ms)}};
    if (r.partial) {
        data["partial"] = true;
    }
    if (b64) {
        data["data_b64"] = base64_encode(r.text);
    } else {
        data["line"] = r.text;  // invalid UTF-8 is replaced when dumped
    }
    return data;
}

json gap_event_data(std::uint64_t missed) { return json{{"missed", missed}}; }

json monitor_frame(const Services& svc) {
    json procs = json::array();
    for (auto* inst : svc.table.all()) {
        procs.push_back(instance_json(svc, *inst));
    }
    metrics::ProcSelf self = metrics::read_proc_self();
    return json{{"ts", std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()},
                {"processes", procs},
                {"daemon", {{"rss_bytes", self.rss_kb * 1024}, {"connections", svc.server.connection_count()}}}};
}

}  // namespace pm::ipc
