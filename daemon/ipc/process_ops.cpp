// start_app, dump_json and restore_apps.
#include "daemon/ipc/process_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>

#include "common/names.hpp"
#include "daemon/error_log.hpp"
#include "daemon/ipc/views.hpp"
#include "daemon/supervisor/node_preload.hpp"
#include "daemon/supervisor/process_table.hpp"
#include "daemon/supervisor/spec_paths.hpp"

namespace pm::ipc {
namespace {

using sup::Instance;

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
    if (args.contains("name") && !args["name"].is_null()) {  // given, even empty: checked
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

json started_json(Services& svc, const sup::App& app, std::string_view action) {
    json arr = json::array();
    for (const auto& inst : app.instances) {
        arr.push_back(instance_json(svc, *inst));
    }
    return json{{"name", app.spec->name()}, {"action", action}, {"instances", arr}};
}

bool any_running(const sup::App& app) {
    return std::any_of(app.instances.begin(), app.instances.end(),
                       [](const auto& i) { return is_running(i->state()); });
}

// A user's out_file/err_file inside PM_HOME could be pmd.lock, dump.json,
// pmd.log or another app's log file, which rotation would rename and flush
// would truncate: refused. Both sides are compared after realpath().
// Blocks the loop: weakly_canonical path lookups, a few per start.
Result<void> check_log_paths(const Services& svc, const sup::ProcessSpec& spec) {
    auto real = [](const std::string& p) {
        std::error_code ec;
        auto r = std::filesystem::weakly_canonical(p, ec);
        return ec ? std::filesystem::path(p).lexically_normal().string() : r.string();
    };
    std::string home = real(svc.info.home);
    for (const auto& [key, path] : {std::pair{"out_file", &spec.logs.out_path}, std::pair{"err_file", &spec.logs.err_path},
                                    std::pair{"log_file", &spec.logs.all_path}}) {
        if (path->empty()) {
            continue;
        }
        std::string dir = real(std::filesystem::path(*path).parent_path().string());
        if (!home.empty() && (dir == home || dir.rfind(home + "/", 0) == 0)) {
            return fail(ErrorCode::bad_args,
                        fmt::format("{} '{}' is inside PM_HOME ({}), where pmd keeps its own files; leave it "
                                    "unset for {}/logs/<name>-out.log, or choose another directory",
                                    key, *path, home, home));
        }
    }
    return {};
}

// The sockets of `listen`, bound before the app's first spawn; those the
// app already holds stay open (its port never closes between runs).
Result<void> bind_listen(const Services& svc, sup::ProcessSpec& spec, const sup::App* app) {
    if (spec.options.listen.empty()) {
        return {};
    }
    PM_TRY_ASSIGN(auto urls, parse_listen_urls(spec.options.listen, spec.options.ready_fd));
    PM_TRY_ASSIGN(std::string preload, sup::install_node_preload(svc.info.home));
    const sup::ListenSet* held = app != nullptr ? app->spec->listen.get() : nullptr;
    PM_TRY_ASSIGN(spec.listen, sup::bind_listen_set(urls, held, std::move(preload)));
    return {};
}

// What start_app_with does with an app new to the table whose every
// instance failed its first spawn.
enum class FirstSpawnFailed : std::uint8_t {
    remove,  // pm start: nothing is left behind in the list (PM2: "Script not found")
    keep,    // resurrect: kept errored, so that it is seen and the next save keeps it
};

// start_app once the process's name is known. Its errors are about that
// process; start_app_with names it in them.
Result<json> start_named(Services& svc, const json& args, const std::string& name, bool by_name, bool start_now,
                         sup::SpecOptions spec_opts, FirstSpawnFailed on_failed) {
    auto& table = svc.table;
    sup::App* app = table.find_app(name);
    const bool fresh = app == nullptr;
    std::shared_ptr<sup::ProcessSpec> spec;
    if (!by_name) {
        PM_TRY_ASSIGN(sup::ProcessSpec built, sup::spec_from_json(args, name, svc.pool, spec_opts));
        PM_TRY(check_log_paths(svc, built));
        spec = std::make_shared<sup::ProcessSpec>(std::move(built));
    }
    PM_TRY_ASSIGN(bool dry_run, arg_bool(args, "dry_run", false));
    if (dry_run) {
        return json{{"name", name}, {"action", "validated"}};  // checked, nothing changed
    }
    if (spec && spec_opts.require_paths) {
        PM_TRY(sup::create_log_dirs(*spec));  // resolve_log_paths found that they can be made
    }
    if (app != nullptr && any_running(*app)) {
        // Scripts re-run their start commands: the same spec is a success.
        if (by_name || spec->same_start(*app->spec)) {
            return started_json(svc, *app, "already_running");
        }
        return fail(ErrorCode::already_exists,
                    "already running with a different command or options (use restart, or delete it first)");
    }
    if (spec) {
        PM_TRY(bind_listen(svc, *spec, app));
    }
    if (app != nullptr && spec) {
        PM_TRY(table.update_spec(*app, spec));
    } else if (app == nullptr) {
        PM_TRY_ASSIGN(app, table.add_app(spec));
    }
    if (!start_now) {
        return started_json(svc, *app, "registered");
    }
    for (auto& inst : app->instances) {
        (void)inst->start();
    }
    // Spawn is synchronous: a missing executable or bad cwd is known now.
    bool all_failed = std::all_of(app->instances.begin(), app->instances.end(),
                                  [](const auto& i) { return i->state() == ProcessState::errored; });
    if (all_failed && !app->instances.empty()) {
        Error err{ErrorCode::spawn_failed, app->instances[0]->last_error()};
        if (fresh && on_failed == FirstSpawnFailed::remove) {
            // Only a process this start added: one already known (stopped,
            // errored) stays, with the failure recorded.
            std::vector<std::uint64_t> ids;
            for (const auto& inst : app->instances) {
                ids.push_back(inst->id());
            }
            table.remove(ids);
        }
        return err;
    }
    return started_json(svc, *app, "started");
}

// start_app, with how strictly the spec is checked (see sup::SpecOptions).
// Each error names the process once: "web: unable to spawn ...".
Result<json> start_app_with(Services& svc, const json& args, bool start_now, sup::SpecOptions spec_opts,
                            FirstSpawnFailed on_failed) {
    bool by_name = false;
    PM_TRY_ASSIGN(std::string name, start_name(svc.table, args, by_name));
    if (by_name && svc.table.find_app(name) == nullptr) {
        return fail(ErrorCode::not_found, fmt::format("no process named '{}'", name));
    }
    auto started = start_named(svc, args, name, by_name, start_now, spec_opts, on_failed);
    if (!started) {
        return Error{started.error().code, fmt::format("{}: {}", name, started.error().message)};
    }
    return started;
}

}  // namespace

Result<json> start_app(Services& svc, const json& args, bool start_now) {
    return start_app_with(svc, args, start_now, sup::SpecOptions{}, FirstSpawnFailed::remove);
}

Result<void> update_env(Services& svc, const std::vector<sup::Instance*>& instances, const json& change) {
    auto given = [&](const char* key) -> const json* {
        auto it = change.find(key);
        return it == change.end() || it->is_null() ? nullptr : &*it;
    };
    const json* new_base = given("env_base");
    const json* new_env = given("env");
    if (new_base == nullptr && new_env == nullptr) {
        return {};
    }
    std::vector<std::pair<sup::App*, std::shared_ptr<sup::ProcessSpec>>> updates;
    for (auto* inst : instances) {
        sup::App* app = svc.table.find_app(inst->spec().name());
        if (app == nullptr || std::any_of(updates.begin(), updates.end(), [&](const auto& u) { return u.first == app; })) {
            continue;
        }
        json args = app->spec->to_args();
        if (new_base != nullptr) {
            args["env_base"] = *new_base;
        } else {
            // The old base holds the old explicit values too: drop them, so
            // that a key the new env leaves out is really gone.
            for (const auto& [k, v] : app->spec->options.env) {
                args["env_base"].erase(k);
            }
        }
        if (new_env != nullptr) {
            args["env"] = *new_env;
        }
        auto spec = sup::spec_from_json(args, app->spec->name(), svc.pool, sup::SpecOptions{.require_paths = false});
        if (!spec) {
            return spec.error();
        }
        spec->listen = app->spec->listen;  // the same sockets: they outlive runs
        updates.emplace_back(app, std::make_shared<sup::ProcessSpec>(std::move(*spec)));
    }
    for (auto& [app, spec] : updates) {
        svc.table.set_app_spec(*app, std::move(spec));
    }
    return {};
}

json dump_json(Services& svc) {
    json apps = json::array();
    std::vector<std::string> seen;
    for (auto* inst : svc.table.all()) {
        const std::string& name = inst->spec().name();
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            continue;
        }
        seen.push_back(name);
        sup::App* app = svc.table.find_app(name);
        json a = app->spec->to_args();
        a["running"] = std::any_of(app->instances.begin(), app->instances.end(), [](const auto& i) {
            return i->state() != ProcessState::stopped;
        });
        apps.push_back(std::move(a));
    }
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return json{{"version", 1}, {"saved_at", now}, {"apps", apps}};
}

json restore_apps(Services& svc, const json& dump) {
    json started = json::array();
    json skipped = json::array();
    json failed = json::array();
    for (const auto& a : dump.value("apps", json::array())) {
        if (!a.is_object()) {
            continue;
        }
        json args = a;
        bool running = args.value("running", true);
        args.erase("running");
        std::string name = args.value("name", "");
        if (svc.table.find_app(name) != nullptr) {
            skipped.push_back(name);
            continue;
        }
        // A watch path gone since the save must not lose the app: its
        // Watcher reports the path missing and watches for it to come back.
        auto r = start_app_with(svc, args, running, sup::SpecOptions{.require_paths = false},
                                FirstSpawnFailed::keep);
        if (r) {
            started.push_back(name);
        } else {
            report_error(ErrorKind::spawn_failed, fmt::format("resurrect: {}", r.error().message));
            failed.push_back(json{{"name", name}, {"error", r.error().message}});
        }
    }
    return json{{"restored", started}, {"skipped", skipped}, {"failed", failed}};
}

}  // namespace pm::ipc
