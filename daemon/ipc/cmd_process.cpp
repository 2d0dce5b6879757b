// Process commands: start, stop, restart, delete, list, show.
#include <fmt/format.h>

#include <algorithm>

#include "common/names.hpp"
#include "common/selector.hpp"
#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/process_ops.hpp"
#include "daemon/ipc/views.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/metrics/sampler.hpp"
#include "daemon/supervisor/process_table.hpp"

#include <cmath>

namespace pm::ipc {
namespace {

using sup::Instance;

json instances_json(const Services& svc, const std::vector<Instance*>& v) {
    json arr = json::array();
    for (auto* i : v) {
        arr.push_back(instance_json(svc, *i));
    }
    return arr;
}

json instances_json(const Services& svc, const std::vector<std::uint64_t>& ids) {
    json arr = json::array();
    for (auto id : ids) {
        if (auto* i = svc.table.find_id(id)) {
            arr.push_back(instance_json(svc, *i));
        }
    }
    return arr;
}

std::vector<std::uint64_t> ids_of(const std::vector<Instance*>& v) {
    std::vector<std::uint64_t> ids;
    for (auto* i : v) {
        ids.push_back(i->id());
    }
    return ids;
}

// Replies, once every instance satisfies `pred`, with their states.
Result<json> reply_when(CommandContext& ctx, std::vector<std::uint64_t> ids,
                        sup::ProcessTable::Pred pred) {
    Responder r = ctx.defer();
    Services* svc = &ctx.svc;
    auto waited = svc->table.wait(ids, std::move(pred), [r, svc, ids] {
        r.reply(json{{"instances", instances_json(*svc, ids)}});
    });
    if (!waited) {
        return waited.error();
    }
    return json::object();
}

}  // namespace

Result<json> handle_start(CommandContext& ctx, const json& args) { return start_app(ctx.svc, args); }

Result<json> handle_stop(CommandContext& ctx, const json& args) {
    auto sel = resolve_selector(ctx.svc, args);
    if (!sel) {
        return sel.error();
    }
    for (auto* i : *sel) {
        i->stop();
    }
    return reply_when(ctx, ids_of(*sel), [](const Instance& i) { return !is_running(i.state()); });
}

Result<json> handle_restart(CommandContext& ctx, const json& args) {
    auto sel = resolve_selector(ctx.svc, args);
    if (!sel) {
        return sel.error();
    }
    for (auto* i : *sel) {
        i->restart();
    }
    return reply_when(ctx, ids_of(*sel), [](const Instance& i) {
        return !i.restart_pending() && i.state() != ProcessState::stopping &&
               i.state() != ProcessState::starting;
    });
}

Result<json> handle_delete(CommandContext& ctx, const json& args) {
    auto sel = resolve_selector(ctx.svc, args);
    if (!sel) {
        return sel.error();
    }
    std::vector<std::uint64_t> ids = ids_of(*sel);
    json deleted = instances_json(ctx.svc, *sel);
    for (auto* i : *sel) {
        i->stop();
    }
    Responder r = ctx.defer();
    sup::ProcessTable* table = &ctx.svc.table;
    auto waited = table->wait(
        ids, [](const Instance& i) { return !is_running(i.state()); },
        [r, table, ids, deleted] {
            table->remove(ids);
            r.reply(json{{"deleted", deleted}});
        });
    if (!waited) {
        return waited.error();
    }
    return json::object();
}

Result<json> handle_list(CommandContext& ctx, const json&) {
    return json{{"processes", instances_json(ctx.svc, ctx.svc.table.all())}};
}

Result<json> handle_show(CommandContext& ctx, const json& args) {
    auto sel = resolve_selector(ctx.svc, args);
    if (!sel) {
        return sel.error();
    }
    if (sel->empty()) {
        return fail(ErrorCode::not_found, "no processes");
    }
    const auto& spec = (*sel)[0]->spec();
    json j = spec.to_json();
    j["env"] = sup::strings_of(spec.env);
    json insts = instances_json(ctx.svc, *sel);
    for (std::size_t k = 0; k < sel->size(); ++k) {
        insts[k]["history"] = ctx.svc.sampler.history_json((*sel)[k]->id());
        if (auto* ch = ctx.svc.hub.channel((*sel)[k]->id())) {
            insts[k]["logs"] = ch->stats_json();
        }
    }
    return json{{"spec", j}, {"instances", insts}};
}

}  // namespace pm::ipc
