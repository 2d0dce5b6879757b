// Process commands: start, stop, restart, reload (the Rolling job), delete,
// list, show, env.
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
#include <set>
#include <utility>

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
    if (auto ok = update_env(ctx.svc, *sel, args); !ok) {
        return ok.error();
    }
    for (auto* i : *sel) {
        i->restart();
    }
    return reply_when(ctx, ids_of(*sel), [](const Instance& i) {
        return !i.restart_pending() && i.state() != ProcessState::stopping &&
               i.state() != ProcessState::starting;
    });
}

namespace {

// A rolling reload: one instance at a time, the next only once the previous
// one is back online (ready, or min_uptime reached). It stops at the first
// instance that fails to come back, leaving the rest on their old run.
//
// Shared ownership (STYLE 8.7) on purpose: the job has no owner of its own.
// Between steps it is held only by the closures of the one table waiter it
// currently waits on (done or expired, whichever runs), so it lives exactly
// as long as the reload and is freed with the table's waiters at shutdown.
struct Rolling : std::enable_shared_from_this<Rolling> {
    Rolling(Services* s, Responder resp, std::vector<std::uint64_t> job_ids)
        : svc(s), r(std::move(resp)), ids(std::move(job_ids)) {
        for (auto id : ids) {
            svc->reloading.insert(id);
        }
    }
    ~Rolling() { release(); }
    Rolling(const Rolling&) = delete;
    Rolling& operator=(const Rolling&) = delete;

    Services* svc;
    Responder r;
    std::vector<std::uint64_t> ids;
    std::size_t next = 0;
    std::uint64_t deadline = 0;  // loop time in ms; 0: none
    bool released = false;

    static bool reloading(const Services& svc, std::uint64_t id) { return svc.reloading.count(id) != 0; }

    // Unlike `pm wait`, a reload counts a backoff as failed: the new run
    // crashed, and rolling on would take the next instance down too, while
    // a wait can sit out a backoff within its timeout.
    static bool failed(const Instance& i) {
        return i.cannot_reach_online() || i.state() == ProcessState::backoff;
    }

    void release() {
        if (std::exchange(released, true)) {
            return;
        }
        for (auto id : ids) {
            svc->reloading.erase(id);
        }
    }

    std::string not_reloaded() const {
        std::string names;
        for (std::size_t k = next + 1; k < ids.size(); ++k) {
            if (auto* i = svc->table.find_id(ids[k])) {
                names += (names.empty() ? "" : ", ") + i->display_name();
            }
        }
        return names.empty() ? "" : fmt::format("; not reloaded: {}", names);
    }

    void step() {
        while (next < ids.size() && (svc->table.find_id(ids[next]) == nullptr ||
                                     svc->table.find_id(ids[next])->removing())) {
            ++next;  // deleted (or being deleted) meanwhile
        }
        if (next == ids.size()) {
            finish(json{{"instances", instances_json(*svc, ids)}});
            return;
        }
        Instance* inst = svc->table.find_id(ids[next]);
        inst->restart(sup::RestartReason::reload);
        auto self = shared_from_this();
        std::uint64_t now = uv_now(svc->table.loop());
        std::int64_t left = deadline == 0 ? -1 : static_cast<std::int64_t>(deadline > now ? deadline - now : 0);
        auto pred = [](const Instance& i) { return i.settled_online() || failed(i); };
        auto done = [self] { self->finished_one(); };
        auto expired = [self] {
            Instance* i = self->svc->table.find_id(self->ids[self->next]);
            self->finish(fail(ErrorCode::timeout,
                               fmt::format("timed out waiting for {} to come back online{}",
                                           i ? i->display_name() : "an instance", self->not_reloaded())));
        };
        auto waited = left < 0 ? svc->table.wait({ids[next]}, pred, done)
                               : svc->table.wait({ids[next]}, pred, done, left, expired);
        if (!waited) {
            finish(waited.error());
        }
    }

    // Replies once; the instances can be reloaded again afterwards.
    void finish(const Result<json>& result) {
        release();
        r.reply(result);
    }

    void finished_one() {
        Instance* i = svc->table.find_id(ids[next]);
        if (i != nullptr && !i->settled_online()) {
            finish(fail(ErrorCode::spawn_failed,
                        fmt::format("reload stopped: {}{}", describe_not_running(*i), not_reloaded())));
            return;
        }
        ++next;
        step();
    }
};

}  // namespace

Result<json> handle_reload(CommandContext& ctx, const json& args) {
    auto sel = resolve_selector(ctx.svc, args);
    auto timeout = arg_int(args, "timeout", 0, 0, 7LL * 24 * 3600 * 1000);
    if (!sel || !timeout) {
        return !sel ? sel.error() : timeout.error();
    }
    if (auto ok = update_env(ctx.svc, *sel, args); !ok) {
        return ok.error();
    }
    for (auto* i : *sel) {
        if (Rolling::reloading(ctx.svc, i->id())) {
            return fail(ErrorCode::busy, fmt::format("a reload of {} is already running", i->display_name()));
        }
    }
    auto job = std::make_shared<Rolling>(&ctx.svc, ctx.defer(), ids_of(*sel));
    if (*timeout > 0) {
        job->deadline = uv_now(ctx.svc.table.loop()) + static_cast<std::uint64_t>(*timeout);
    }
    job->step();
    return json::object();
}

Result<json> handle_delete(CommandContext& ctx, const json& args) {
    auto sel = resolve_selector(ctx.svc, args);
    if (!sel) {
        return sel.error();
    }
    std::vector<std::uint64_t> ids = ids_of(*sel);
    json deleted = instances_json(ctx.svc, *sel);
    Responder r = ctx.defer();
    sup::ProcessTable* table = &ctx.svc.table;
    auto retired = table->retire(ids, [r, table, ids, deleted] {
        table->remove(ids);
        r.reply(json{{"deleted", deleted}});
    });
    if (!retired) {
        return retired.error();
    }
    return json::object();
}

Result<json> handle_list(CommandContext& ctx, const json&) {
    return process_list_json(ctx.svc);
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
    if (const auto* watcher = ctx.svc.table.watcher(spec.name())) {
        j["watch_status"] = watcher->stats_json();
    }
    json insts = instances_json(ctx.svc, *sel);
    for (std::size_t k = 0; k < sel->size(); ++k) {
        insts[k]["history"] = ctx.svc.sampler.history_json((*sel)[k]->id());
        if (auto* ch = ctx.svc.hub.channel((*sel)[k]->id())) {
            insts[k]["logs"] = ch->stats_json();
        }
    }
    return json{{"spec", j}, {"instances", insts}};
}

Result<json> handle_env(CommandContext& ctx, const json& args) {
    auto sel = resolve_selector(ctx.svc, args);
    if (!sel) {
        return sel.error();
    }
    if (sel->empty()) {
        return fail(ErrorCode::not_found, "no processes");
    }
    // Replies are capped (1 MiB): refuse clearly rather than be cut off.
    constexpr std::size_t k_max_env_reply = 768 * 1024;
    std::size_t bytes = 0;
    json out = json::array();
    for (auto* inst : *sel) {
        json env = json::object();
        for (const auto& kv : inst->environment()) {
            bytes += kv.size() + 8;
            if (bytes > k_max_env_reply) {
                return fail(ErrorCode::limit_reached,
                            fmt::format("the environments of {} instances are too large for one reply; "
                                        "select fewer (name:index)",
                                        sel->size()));
            }
            auto eq = kv.find('=');
            env[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
        }
        out.push_back(json{{"name", inst->spec().name()}, {"id", inst->id()}, {"index", inst->index()}, {"env", env}});
    }
    return json{{"processes", out}};
}

}  // namespace pm::ipc
