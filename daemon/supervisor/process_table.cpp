// ProcessTable: naming, ids, selection and deferred waiters.
#include "daemon/supervisor/process_table.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "daemon/log.hpp"

namespace pm::sup {

ProcessTable::ProcessTable(uv_loop_t* loop, logs::LogHub& hub, TableLimits limits)
    : m_loop(loop), m_hub(hub), m_limits(limits) {
    uv::init_timer(m_loop, m_check_timer, this);
    uv::init_timer(m_loop, m_deadline_timer, this);
}

ProcessTable::~ProcessTable() = default;

App* ProcessTable::find_app(const std::string& name) {
    auto it = m_apps.find(name);
    return it == m_apps.end() ? nullptr : it->second.get();
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
    m_hub.open_channel(logs::ChannelIdentity{inst.id(), spec.name, inst.index()},
                       static_cast<std::size_t>(spec.instances), spec.logs);
}

void ProcessTable::forget(std::uint64_t id) {
    m_by_id.erase(id);
    m_hub.close_channel(id);
}

Result<App*> ProcessTable::add_app(std::shared_ptr<const ProcessSpec> spec) {
    auto n = static_cast<std::size_t>(spec->instances);
    if (m_by_id.size() + n > m_limits.max_instances) {
        return fail(ErrorCode::limit_reached,
                    fmt::format("too many processes: the limit is {} instances", m_limits.max_instances));
    }
    auto app = std::make_unique<App>();
    app->spec = spec;
    for (std::uint32_t i = 0; i < n; ++i) {
        app->instances.push_back(make_instance(spec, i));
    }
    App* raw = app.get();
    m_apps.emplace(spec->name, std::move(app));
    sync_watcher(*raw);
    sync_cron(*raw);
    return raw;
}

Result<void> ProcessTable::update_spec(App& app, std::shared_ptr<const ProcessSpec> spec) {
    auto want = static_cast<std::size_t>(spec->instances);
    if (want > app.instances.size() &&
        m_by_id.size() + (want - app.instances.size()) > m_limits.max_instances) {
        return fail(ErrorCode::limit_reached,
                    fmt::format("too many processes: the limit is {} instances", m_limits.max_instances));
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
    sync_watcher(app);
    sync_cron(app);
    return {};
}

void ProcessTable::stop_scheduled_restarts() {
    m_watch_stopped = true;
    for (auto& [name, app] : m_apps) {
        app->watcher.reset();
        app->cron.reset();
    }
}

namespace {

// `text` as an fnmatch pattern that matches only itself.
std::string glob_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace

void ProcessTable::sync_watcher(App& app) {
    const ProcessSpec& s = *app.spec;
    if (s.watch.empty() || m_watch_stopped) {
        app.watcher.reset();
        return;
    }
    WatchOptions opts{s.watch, m_watch_ignore, s.watch_delay_ms};
    opts.ignore.insert(opts.ignore.end(), s.watch_ignore.begin(), s.watch_ignore.end());
    // The app's own log files (out_file/err_file) and their rotations: a line
    // written there must not restart it, which would write a line, ...
    for (const std::string* log : {&s.logs.out_path, &s.logs.err_path}) {
        if (!log->empty()) {
            opts.ignore.push_back(*log);
            opts.ignore.push_back(glob_escape(*log) + ".*");
        }
    }
    if (app.watcher && app.watcher->options() == opts) {
        return;
    }
    app.watcher = std::make_unique<Watcher>(
        m_loop, std::move(opts),
        [this, name = s.name](const std::string& path, std::size_t) { on_watch(name, path); });
}

void ProcessTable::on_watch(const std::string& name, const std::string& path) {
    restart_app(name, RestartReason::watch, path + " changed");
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

void ProcessTable::sync_cron(App& app) {
    const ProcessSpec& s = *app.spec;
    const auto& cron = s.options.cron_restart;  // parsed with the spec
    if (!cron || m_watch_stopped) {
        app.cron.reset();
        return;
    }
    if (app.cron && app.cron->expr() == cron->text) {
        return;
    }
    app.cron = std::make_unique<CronTimer>(m_loop, cron->text, cron->schedule, [this, name = s.name] {
        restart_app(name, RestartReason::cron, "cron_restart");
    });
}

void ProcessTable::set_app_spec(App& app, std::shared_ptr<const ProcessSpec> spec) {
    app.spec = spec;
    for (auto& inst : app.instances) {
        inst->set_spec(spec);
    }
}

Result<std::vector<Instance*>> ProcessTable::resize(App& app, std::size_t n) {
    std::size_t have = app.instances.size();
    if (n > have && m_by_id.size() + (n - have) > m_limits.max_instances) {
        return fail(ErrorCode::limit_reached,
                    fmt::format("too many processes: the limit is {} instances", m_limits.max_instances));
    }
    auto spec = std::make_shared<ProcessSpec>(*app.spec);
    spec->instances = static_cast<std::int64_t>(n);
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

void ProcessTable::remove(const std::vector<std::uint64_t>& ids) {
    for (auto id : ids) {
        auto it = m_by_id.find(id);
        if (it == m_by_id.end()) {
            continue;
        }
        auto app_it = m_apps.find(it->second->spec().name);
        forget(id);
        if (app_it == m_apps.end()) {
            continue;
        }
        auto& v = app_it->second->instances;
        v.erase(std::remove_if(v.begin(), v.end(), [id](const auto& p) { return p->id() == id; }),
                v.end());
        if (v.empty()) {
            m_apps.erase(app_it);
        }
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
                if (sel.kind == Selector::Kind::name || inst->index() == sel.index) {
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
        if (app->watcher) {
            n += sizeof(Watcher) + app->watcher->dir_count() * (sizeof(uv_fs_event_t) + 128);
        }
    }
    return n;
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

Result<void> ProcessTable::wait(std::vector<std::uint64_t> ids, Pred pred, Done done) {
    if (m_waiters.size() >= m_limits.max_waiters) {
        return fail(ErrorCode::limit_reached,
                    fmt::format("too many pending operations (limit {})", m_limits.max_waiters));
    }
    m_waiters.push_back(Waiter{std::move(ids), std::move(pred), std::move(done), 0, {}});
    uv_timer_start(m_check_timer.get(), check_cb, 0, 0);
    return {};
}

Result<void> ProcessTable::wait(std::vector<std::uint64_t> ids, Pred pred, Done done, std::int64_t timeout_ms,
                               Done expired) {
    if (auto ok = wait(std::move(ids), std::move(pred), std::move(done)); !ok) {
        return ok;
    }
    m_waiters.back().deadline = uv_now(m_loop) + static_cast<std::uint64_t>(std::max<std::int64_t>(timeout_ms, 0));
    m_waiters.back().expired = std::move(expired);
    if (!uv_is_active(m_deadline_timer.handle())) {
        uv_timer_start(m_deadline_timer.get(), check_cb, 50, 50);
    }
    return {};
}

void ProcessTable::on_change(Instance&) {
    if (m_on_change) {
        m_on_change();
    }
    if (!m_waiters.empty()) {
        uv_timer_start(m_check_timer.get(), check_cb, 0, 0);
    }
}

void ProcessTable::check_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<ProcessTable*>(t->data)) {
        self->check_waiters();
    }
}

void ProcessTable::check_waiters() {
    std::vector<Done> ready;
    auto satisfied = [this](const Waiter& w) {
        return std::all_of(w.ids.begin(), w.ids.end(), [&](std::uint64_t id) {
            Instance* inst = find_id(id);
            return inst == nullptr || w.pred(*inst);
        });
    };
    std::uint64_t now = uv_now(m_loop);
    bool any_deadline = false;
    for (auto it = m_waiters.begin(); it != m_waiters.end();) {
        if (satisfied(*it)) {
            ready.push_back(std::move(it->done));
            it = m_waiters.erase(it);
        } else if (it->deadline != 0 && now >= it->deadline) {
            ready.push_back(std::move(it->expired));
            it = m_waiters.erase(it);
        } else {
            any_deadline = any_deadline || it->deadline != 0;
            ++it;
        }
    }
    if (!any_deadline) {
        uv_timer_stop(m_deadline_timer.get());
    }
    // Run after the scan: a done callback may add waiters or remove instances.
    for (auto& d : ready) {
        d();
    }
}

}  // namespace pm::sup
