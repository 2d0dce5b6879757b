// Shared JSON views.
#include "daemon/ipc/views.hpp"

#include <cmath>
#include <fmt/format.h>

#include "daemon/metrics/sampler.hpp"
#include "common/selector.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::ipc {

json instance_json(const Services& svc, const sup::Instance& inst) {
    json j = inst.to_json();
    const metrics::Sample* s = inst.pid() ? svc.sampler.latest(inst.id()) : nullptr;
    j["cpu"] = s != nullptr ? json(std::round(s->cpu_pct * 10) / 10.0) : json(nullptr);
    j["memory"] = s != nullptr ? json(s->rss_bytes) : json(nullptr);
    return j;
}

json process_list_json(Services& svc) {
    json arr = json::array();
    for (auto* inst : svc.table.all()) {
        arr.push_back(instance_json(svc, *inst));
    }
    return json{{"processes", std::move(arr)}};
}

std::string describe_not_running(const sup::Instance& inst) {
    std::string why = fmt::format("{} is {}", inst.display_name(), to_string(inst.state()));
    if (const auto& e = inst.last_exit()) {
        why += e->info.by_signal ? fmt::format(" ({})", sup::signal_name(e->info.code))
                                 : fmt::format(" (exit code {})", e->info.code);
    }
    if (!inst.last_error().empty()) {
        why += ": " + inst.last_error();
    }
    return why;
}

Result<Selector> selector_arg(const json& args, const char* fallback) {
    auto text = fallback != nullptr ? arg_string(args, "selector", fallback) : arg_required_string(args, "selector");
    if (!text) {
        return text.error();
    }
    return parse_selector(*text);
}

Result<std::vector<sup::Instance*>> resolve_selector(const Services& svc, const json& args) {
    auto sel = selector_arg(args);
    if (!sel) {
        return sel.error();
    }
    return svc.table.select(*sel);
}

}  // namespace pm::ipc
