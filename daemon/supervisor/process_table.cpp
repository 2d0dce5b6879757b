// ProcessTable: naming, ids, selection, retiring, and the registry's
// bookkeeping for Waiters and Triggers.
#include "daemon/supervisor/process_table.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "daemon/error_log.hpp"
#include "daemon/log.hpp"
#include "daemon/logs/log_hub.hpp"

namespace pm::sup {

ProcessTable::ProcessTable(uv_loop_t* loop, logs::LogHub& hub, TableLimits limits)
    : m_loop(loop),
      m_hub(hub),
      m_limits(limits),
      m_waiters(loop, limits.max_waiters, [this](std::uint64_t id) { return find_id(id); }),
      m_triggers(loop, [this](const std::string& name, RestartReason reason, std::string_view why) {
          restart_app(name, reason, why);
      }) {}

ProcessTable::~ProcessTable() = default;

App* ProcessTable::find_app(const std::string& name) {
    auto it = m_apps.find(name);
    return it == m_apps.end() ? nullptr : it->second.get();
}

Result<void> ProcessTable::check_room(std::size_t more) const {
    if (m_by_id.size() + more > m_limits.max_instances) {
        return fail(ErrorCode::limit_reached,
                    fmt::format("too many processes: the limit is {} instances", m_limits.max_instances));
    }
    return {};
}

std::unique_ptr<Instance> ProcessTable::make_instance(std::shared_ptr<const ProcessSpec> spec,
                                                      std::uint32_t index) {
    auto inst = std::make_unique<Instance>(m_loop, m_next_id++, index, std::move(spec), m_hub,
                                           [this](Instance& i) { on_change(i); });
    m_by_id.emplace(inst->id(), inst.get());
    open_channel(*inst);
    return inst;
}

void ProcessTable::open_channel(const Instance& inst) {
    const ProcessSpec& spec = inst.spec();
    m_hub.open_channel(logs::ChannelIdentity{inst.id(), spec.name(), inst.index()},
                       static_cast<std::size_t>(spec.options.instances), spec.logs);
}

void ProcessTable::forget(std::uint64_t id) {
    m_by_id.erase(id);
    m_hub.close_channel(id);
}

Result<App*> ProcessTable::add_app(std::shared_ptr<const ProcessSpec> spec) {
    auto n = static_cast<std::size_t>(spec->options.instances);
    if (auto ok = check_room(n); !ok) {
        return ok.error();
    }
    auto app = std::make_unique<App>();
    app->spec = spec;
    for (std::uint32_t i = 0; i < n; ++i) {
        app->instances.push_back(make_instance(spec, i));
    }
    App* raw = app.get();
    m_apps.emplace(spec->name(), std::move(app));
    m_triggers.sync(spec);
    return raw;
}

Result<void> ProcessTable::update_spec(App& app, std::shared_ptr<const ProcessSpec> spec) {
    auto want = static_cast<std::size_t>(spec->options.instances);
    if (auto ok = check_room(want > app.instances.size() ? want - app.instances.size() : 0); !ok) {
        return ok;
    }
    app.spec = spec;
    while (app.instances.size() > want) {
        forget(app.instances.back()->id());
        app.instances.pop_back();
    }
    for (auto& inst : app.instances) {
        inst->set_spec(spec);
        m_hub.close_channel(inst->id());  // file names depend on the spec
        open_channel(*inst);
    }
    while (app.instances.size() < want) {
        app.instances.push_back(make_instance(spec, static_cast<std::uint32_t>(app.instances.size())));
    }
    m_triggers.sync(spec);
    return {};
}

void ProcessTable::restart_app(const std::string& name, RestartReason reason, std::string_view why) {
    App* app = find_app(name);
    if (app == nullptr) {
        return;
    }
    // Instances the user stopped stay stopped; crashed or errored ones get
    // another chance (for watch, the change may be the fix).
    for (auto& inst : app->instances) {
        if (inst->state() != ProcessState::stopped && inst->state() != ProcessState::stopping) {
            PM_LOG(info, "{}: restarting, {}", inst->display_name(), why);
            inst->restart(reason);
        }
    }
}

void ProcessTable::set_app_spec(App& app, std::shared_ptr<const ProcessSpec> spec) {
    app.spec = spec;
    for (auto& inst : app.instances) {
        inst->set_spec(spec);
    }
}

Result<std::vector<Instance*>> ProcessTable::resize(App& app, std::size_t n) {
    std::size_t have = app.instances.size();
    if (auto ok = check_room(n > have ? n - have : 0); !ok) {
        return ok.error();
    }
    auto spec = std::make_shared<ProcessSpec>(*app.spec);
    spec->options.instances = static_cast<std::int64_t>(n);  // show and save report it
    app.spec = spec;
    for (auto& inst : app.instances) {
        inst->set_spec(spec);
    }
    std::vector<Instance*> added;
    while (app.instances.size() < n) {
        app.instances.push_back(make_instance(spec, static_cast<std::uint32_t>(app.instances.size())));
        added.push_back(app.instances.back().get());
    }
    return added;
}

Result<void> ProcessTable::retire(const std::vector<std::uint64_t>& ids, Done done) {
    for (auto id : ids) {
        if (Instance* inst = find_id(id)) {
            inst->remove();
        }
    }
    return m_waiters.add(ids, [](const Instance& i) { return !is_running(i.state()); }, std::move(done));
}

void ProcessTable::on_memory_over_limit(std::uint64_t id, std::uint64_t rss, std::uint64_t limit) {
    if (Instance* inst = find_id(id); inst != nullptr && inst->state() == ProcessState::online) {
        report_error(ErrorKind::memory_limit, fmt::format("{}: memory {} bytes over its limit {}, restarting",
                                                          inst->display_name(), rss, limit));
        inst->restart(RestartReason::memory);
    }
}

void ProcessTable::remove(const std::vector<std::uint64_t>& ids) {
    for (auto id : ids) {
        auto it = m_by_id.find(id);
        if (it == m_by_id.end()) {
            continue;
        }
        auto app_it = m_apps.find(it->second->spec().name());
        forget(id);
        if (app_it == m_apps.end()) {
            continue;
        }
        auto& v = app_it->second->instances;
        v.erase(std::remove_if(v.begin(), v.end(), [id](const auto& p) { return p->id() == id; }),
                v.end());
        if (v.empty()) {
            m_triggers.forget(app_it->first);
            m_apps.erase(app_it);
        }
    }
    if (m_on_change && !ids.empty()) {
        m_on_change();  // a removal is a change too (the web view's `state` events)
    }
}

Result<std::vector<Instance*>> ProcessTable::select(const Selector& sel) {
    std::vector<Instance*> out;
    switch (sel.kind) {
        case Selector::Kind::all:
            return all();
        case Selector::Kind::id:
            if (auto* inst = find_id(sel.id)) {
                out.push_back(inst);
                return out;
            }
            return fail(ErrorCode::not_found, fmt::format("no process with id {}", sel.id));
        case Selector::Kind::name:
        case Selector::Kind::instance: {
            App* app = find_app(sel.name);
            if (app == nullptr) {
                return fail(ErrorCode::not_found, fmt::format("no process named '{}'", sel.name));
            }
            for (auto& inst : app->instances) {
                if (sel.matches(inst->spec().name(), inst->index(), inst->id())) {
                    out.push_back(inst.get());
                }
            }
            if (out.empty()) {
                return fail(ErrorCode::not_found,
                            fmt::format("'{}' has no instance {}", sel.name, sel.index));
            }
            return out;
        }
    }
    return out;
}

Instance* ProcessTable::find_id(std::uint64_t id) {
    auto it = m_by_id.find(id);
    return it == m_by_id.end() ? nullptr : it->second;
}

std::vector<Instance*> ProcessTable::all() {
    std::vector<Instance*> out;
    out.reserve(m_by_id.size());
    for (auto& [id, inst] : m_by_id) {
        out.push_back(inst);
    }
    return out;
}

std::size_t ProcessTable::memory_bytes() const {
    std::size_t n = 0;
    for (const auto& [name, app] : m_apps) {
        n += sizeof(App) + name.capacity();
        const ProcessSpec& s = *app->spec;
        // Pooled strings are counted by the pool; the spec holds handles.
        n += sizeof(ProcessSpec) + (s.argv.size() + s.env.size()) * sizeof(InternedString);
        n += app->instances.size() *
             (sizeof(Instance) + 3 * sizeof(uv_timer_t) + sizeof(uv_process_t));
    }
    return n + m_triggers.memory_bytes();
}

std::unordered_set<int> ProcessTable::live_pids() const {
    std::unordered_set<int> pids;
    for (const auto& [id, inst] : m_by_id) {
        if (auto pid = inst->pid()) {
            pids.insert(*pid);
        }
    }
    return pids;
}

void ProcessTable::on_change(Instance&) {
    if (m_on_change) {
        m_on_change();
    }
    m_waiters.poke();
}

}  // namespace pm::sup
