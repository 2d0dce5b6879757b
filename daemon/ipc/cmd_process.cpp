// Process commands: start, stop, restart, delete, list, show.
#include <fmt/format.h>

#include <algorithm>

#include "common/names.hpp"
#include "common/selector.hpp"
#include "daemon/ipc/command_table.hpp"
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

Result<std::vector<Instance*>> resolve(CommandContext& ctx, const json& args) {
    auto text = arg_required_string(args, "selector");
    if (!text) {
        return text.error();
    }
    auto sel = parse_selector(*text);
    if (!sel) {
        return sel.error();
    }
    return ctx.svc.table.select(*sel);
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

// Which name a start request is about (see docs/protocol.md, "start").
Result<std::string> start_name(sup::ProcessTable& table, const json& args, bool& by_name) {
    auto name = arg_string(args, "name");
    if (!name) {
        return name.error();
    }
    auto argv = arg_string_list(args, "argv", sup::k_max_argv);
    if (!argv) {
        return argv.error();
    }
    by_name = false;
    if (!name->empty()) {
        if (auto ok = validate_name(*name); !ok) {
            return ok.error();
        }
        by_name = argv->empty();
        return *name;
    }
    if (argv->empty()) {
        return fail(ErrorCode::bad_args, "start needs a command or the name of a known process");
    }
    if (argv->size() == 1 && table.find_app((*argv)[0]) != nullptr) {
        by_name = true;  // "pm start web" starts the known process web again
        return (*argv)[0];
    }
    return default_name_for((*argv)[0]);
}

}  // namespace

Result<json> handle_start(CommandContext& ctx, const json& args) {
    auto& table = ctx.svc.table;
    bool by_name = false;
    auto name = start_name(table, args, by_name);
    if (!name) {
        return name.error();
    }
    sup::App* app = table.find_app(*name);
    if (app == nullptr && by_name) {
        return fail(ErrorCode::not_found, fmt::format("no process named '{}'", *name));
    }
    if (app != nullptr) {
        for (auto& inst : app->instances) {
            if (is_running(inst->state())) {
                return fail(ErrorCode::already_exists,
                            fmt::format("'{}' is already running (use restart)", *name));
            }
        }
        if (!by_name) {
            auto spec = sup::spec_from_json(args, *name, ctx.svc.pool);
            if (!spec) {
                return spec.error();
            }
            if (auto ok = table.update_spec(*app, std::make_shared<sup::ProcessSpec>(std::move(*spec))); !ok) {
                return ok.error();
            }
        }
    } else {
        auto spec = sup::spec_from_json(args, *name, ctx.svc.pool);
        if (!spec) {
            return spec.error();
        }
        auto added = table.add_app(std::make_shared<sup::ProcessSpec>(std::move(*spec)));
        if (!added) {
            return added.error();
        }
        app = *added;
    }
    std::vector<Instance*> started;
    for (auto& inst : app->instances) {
        (void)inst->start();
        started.push_back(inst.get());
    }
    // Spawn is synchronous: a missing executable or bad cwd is known now.
    bool all_failed = std::all_of(started.begin(), started.end(), [](Instance* i) {
        return i->state() == ProcessState::errored;
    });
    if (all_failed && !started.empty()) {
        return fail(ErrorCode::spawn_failed, fmt::format("{}: {}", *name, started[0]->last_error()));
    }
    return json{{"name", *name}, {"instances", instances_json(ctx.svc, started)}};
}

Result<json> handle_stop(CommandContext& ctx, const json& args) {
    auto sel = resolve(ctx, args);
    if (!sel) {
        return sel.error();
    }
    for (auto* i : *sel) {
        i->stop();
    }
    return reply_when(ctx, ids_of(*sel), [](const Instance& i) { return !is_running(i.state()); });
}

Result<json> handle_restart(CommandContext& ctx, const json& args) {
    auto sel = resolve(ctx, args);
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
    auto sel = resolve(ctx, args);
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
    auto sel = resolve(ctx, args);
    if (!sel) {
        return sel.error();
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
