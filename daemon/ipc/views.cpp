// Shared JSON views.
#include "daemon/ipc/views.hpp"

#include <cmath>

#include "daemon/metrics/sampler.hpp"
#include "daemon/supervisor/instance.hpp"

namespace pm::ipc {

json instance_json(const Services& svc, const sup::Instance& inst) {
    json j = inst.to_json();
    const metrics::Sample* s = inst.pid() ? svc.sampler.latest(inst.id()) : nullptr;
    j["cpu"] = s != nullptr ? json(std::round(s->cpu_pct * 10) / 10.0) : json(nullptr);
    j["memory"] = s != nullptr ? json(s->rss_bytes) : json(nullptr);
    return j;
}

}  // namespace pm::ipc
