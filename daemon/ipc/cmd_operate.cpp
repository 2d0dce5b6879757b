// Operator commands on running processes: scale, signal, reset, wait.
#include <fmt/format.h>

#include "common/selector.hpp"
#include "common/units.hpp"
#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/views.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::ipc {
namespace {

json app_json(const Services& svc, const sup::App& app) {
    json arr = json::array();
    for (const auto& i : app.instances) {
        arr.push_back(instance_json(svc, *i));
    }
    return json{{"name", app.spec->name()}, {"instances", arr}};
}

}  // namespace

Result<json> handle_scale(CommandContext& ctx, const json& args) {
    auto name = arg_required_string(args, "name");
    auto n = arg_int(args, "instances", 1, 1, sup::k_max_instances);
    if (!name || !n) {
        return !name ? name.error() : n.error();
    }
    sup::App* app = ctx.svc.table.find_app(*name);
    if (app == nullptr) {
        return fail(ErrorCode::not_found, fmt::format("no process named '{}'", *name));
    }
    auto want = static_cast<std::size_t>(*n);
    if (want >= app->instances.size()) {
        auto added = ctx.svc.table.resize(*app, want);
        if (!added) {
            return added.error();
        }
        bool running = app->instances.empty() || is_running(app->instances[0]->state());
        for (auto* inst : *added) {
            if (running) {
                (void)inst->start();
            }
        }
        return app_json(ctx.svc, *app);
    }
    // Shrinking: reply once the surplus instances have stopped and are gone.
    std::vector<std::uint64_t> surplus;
    for (std::size_t i = want; i < app->instances.size(); ++i) {
        surplus.push_back(app->instances[i]->id());
    }
    Responder r = ctx.defer();
    Services* svc = &ctx.svc;
    std::string app_name = *name;
    auto retired = svc->table.retire(surplus, [r, svc, surplus, app_name, want] {
        svc->table.remove(surplus);
        sup::App* a = svc->table.find_app(app_name);
        if (a == nullptr) {
            r.reply(fail(ErrorCode::not_found, fmt::format("'{}' was deleted meanwhile", app_name)));
            return;
        }
        (void)svc->table.resize(*a, want);
        r.reply(app_json(*svc, *a));
    });
    if (!retired) {
        return retired.error();
    }
    return json::object();
}

Result<json> handle_signal(CommandContext& ctx, const json& args) {
    auto sig_text = arg_required_string(args, "signal");
    if (!sig_text) {
        return sig_text.error();
    }
    auto sig = sup::parse_signal(*sig_text);
    if (!sig) {
        return sig.error();
    }
    auto insts = resolve_selector(ctx.svc, args);
    if (!insts) {
        return insts.error();
    }
    json sent = json::array();
    for (auto* i : *insts) {
        if (i->send_signal(*sig)) {
            sent.push_back(i->id());
        }
    }
    if (sent.empty()) {
        return fail(ErrorCode::not_found, "no running instance matches");
    }
    return json{{"signal", sup::signal_name(*sig)}, {"sent_to", sent}};
}

Result<json> handle_reset(CommandContext& ctx, const json& args) {
    auto insts = resolve_selector(ctx.svc, args);
    if (!insts) {
        return insts.error();
    }
    for (auto* i : *insts) {
        i->reset_counters();
    }
    return json{{"reset", insts->size()}};
}

Result<json> handle_wait(CommandContext& ctx, const json& args) {
    auto insts = resolve_selector(ctx.svc, args);
    auto state_text = arg_string(args, "state", "online");
    auto timeout = arg_int(args, "timeout", 10000, 0, k_max_duration_ms);  // as pm --timeout allows
    if (!insts || !state_text || !timeout) {
        return !insts ? insts.error() : !state_text ? state_text.error() : timeout.error();
    }
    auto target = process_state_from_string(*state_text);
    if (!target) {
        return fail(ErrorCode::bad_args, fmt::format("unknown state '{}'", *state_text));
    }
    std::vector<std::uint64_t> ids;
    for (auto* i : *insts) {
        ids.push_back(i->id());
    }
    ProcessState want = *target;
    // Waiting for online fails early when an instance can no longer get there
    // (a backoff is waited out; a reload, Rolling::failed, does not).
    auto failed = [want](const sup::Instance& i) {
        return want == ProcessState::online && i.cannot_reach_online();
    };
    Responder r = ctx.defer();
    Services* svc = &ctx.svc;
    auto reply = [r, svc, ids, want, failed](bool timed_out) {
        json arr = json::array();
        std::string why;
        for (auto id : ids) {
            if (auto* i = svc->table.find_id(id)) {
                arr.push_back(instance_json(*svc, *i));
                if (failed(*i)) {
                    why += (why.empty() ? "" : "; ") + describe_not_running(*i);
                }
            }
        }
        if (!why.empty()) {
            r.reply(fail(ErrorCode::spawn_failed, fmt::format("did not reach {}: {}", to_string(want), why)));
        } else if (timed_out) {
            r.reply(fail(ErrorCode::timeout, fmt::format("timed out waiting for {}", to_string(want))));
        } else {
            r.reply(json{{"state", to_string(want)}, {"instances", arr}});
        }
    };
    auto waited = svc->table.wait(
        ids,
        [want, failed](const sup::Instance& i) {
            return (want == ProcessState::online ? i.settled_online() : i.state() == want) || failed(i);
        },
        [reply] { reply(false); }, *timeout, [reply] { reply(true); });
    if (!waited) {
        return waited.error();
    }
    return json::object();
}

}  // namespace pm::ipc
