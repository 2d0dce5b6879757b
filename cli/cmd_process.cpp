// Process commands: stop, restart, reload, delete, list, wait, env, show (start: start_flags.cpp).
#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/ecosystem.hpp"
#include "cli/render/table.hpp"
#include "cli/start_flags.hpp"
#include "common/units.hpp"

namespace pm::cli {
namespace {

void print_stopped(const json& r) {
    for (const auto& i : r.value("instances", json::array())) {
        std::string name = i.value("name", "");
        std::printf("%s (id %d): %s, last exit %s\n", name.c_str(), i.value("id", 0),
                    i.value("state", "").c_str(), describe_exit(i.value("last_exit", json(nullptr))).c_str());
    }
}

// Extras of a selector command:
// - k_deadline: also send pmd the time left ("timeout", ms), a second short
//   of the client's own, so that pmd's reply says where a long operation stopped;
// - k_update_env: a --update-env flag that sends this shell's environment as
//   the processes' new base environment (PM2's --update-env).
enum SelectorExtras : unsigned { k_plain = 0, k_deadline = 1, k_update_env = 2 };

void add_selector_command(CLI::App& app, CommandEnv env, const char* name, const char* help,
                          const char* cmd, Render render, unsigned extras = k_plain) {
    auto* sub = app.add_subcommand(name, help);
    auto sel = std::make_shared<std::vector<std::string>>();
    auto update_env = std::make_shared<bool>(false);
    sub->add_option("selector", *sel, "name, name:index, numeric id, all, or an ecosystem file")->required();
    if (extras & k_update_env) {
        sub->add_flag("--update-env", *update_env, "give the processes this shell's environment (their --env values still win)");
    }
    sub->callback([env, sel, cmd, render, extras, update_env] {
        env.action = [g = &env.global, sel, cmd, render, extras, update_env] {
            int worst = k_exit_ok;
            GlobalOptions opts = for_stop_wait(*g);
            json extra = json::object();
            if (extras & k_deadline) {
                auto ms = parse_duration_ms(opts.timeout);
                if (!ms || *ms <= 0) {
                    return report_error(*g, Error{ErrorCode::usage, "--timeout must be a positive duration like 10s"});
                }
                extra["timeout"] = std::max<std::int64_t>(1, *ms - 1000);
            }
            if (*update_env) {
                extra["env_base"] = client_environment();
            }
            for (const auto& s : *sel) {
                json args = extra;
                args["selector"] = s;
                int rc = is_ecosystem_file(s) ? act_on_ecosystem(opts, cmd, s, render, extra)
                                              : run_request(opts, cmd, args, render);
                worst = worst == k_exit_ok ? rc : worst;
            }
            return worst;
        };
    });
}

}  // namespace

void add_process_commands(CLI::App& app, CommandEnv env) {
    add_start_command(app, env);

    add_selector_command(app, env, "stop", "stop processes (stop signal, then SIGKILL)", "stop",
                         print_stopped);
    add_selector_command(
        app, env, "restart", "restart processes", "restart",
        [](const json& r) { print_instances(r.value("instances", json::array()), stdout); }, k_update_env);
    add_selector_command(
        app, env, "reload", "rolling restart: one instance at a time, each back online before the next",
        "reload",
        [](const json& r) { print_instances(r.value("instances", json::array()), stdout); },
        k_deadline | k_update_env);
    add_selector_command(app, env, "delete", "stop processes and remove them", "delete",
                         [](const json& r) {
                             for (const auto& i : r.value("deleted", json::array())) {
                                 std::printf("deleted %s (id %d)\n", i.value("name", "").c_str(),
                                             i.value("id", 0));
                             }
                         });
    app.get_subcommand("delete")->alias("del");

    auto* list = app.add_subcommand("list", "every process and its state");
    list->alias("ls");
    list->callback([env] {
        env.action = [g = &env.global] {
            return run_request(*g, "list", json::object(), [](const json& r) {
                print_instances(r.value("processes", json::array()), stdout);
            });
        };
    });

    auto wait_sel = std::make_shared<std::string>();
    auto wait_state = std::make_shared<std::string>("online");
    auto* wait = app.add_subcommand("wait", "block until processes reach a state (up to --timeout)");
    wait->add_option("selector", *wait_sel, "name, name:index, id or all")->required();
    wait->add_option("--state", *wait_state, "state to wait for (default online)")
        ->check(CLI::IsMember({"online", "stopped", "exited", "errored", "starting", "backoff", "stopping"}));
    wait->callback([env, wait_sel, wait_state] {
        env.action = [g = &env.global, wait_sel, wait_state] { return run_wait(*g, *wait_sel, *wait_state); };
    });

    auto* env_cmd = app.add_subcommand("env", "the environment processes are spawned with");
    auto env_sel = std::make_shared<std::string>();
    env_cmd->add_option("selector", *env_sel, "name, name:index, id or all")->required();
    env_cmd->callback([env, env_sel] {
        env.action = [g = &env.global, env_sel] {
            return run_request(*g, "env", json{{"selector", *env_sel}}, [](const json& r) {
                const json& procs = r["processes"];
                for (const auto& p : procs) {
                    if (procs.size() > 1) {
                        std::printf("# %s:%d (id %d)\n", p.value("name", "").c_str(), p.value("index", 0),
                                    p.value("id", 0));
                    }
                    for (const auto& [k, v] : p["env"].items()) {  // json objects iterate sorted
                        std::printf("%s=%s\n", k.c_str(), v.get<std::string>().c_str());
                    }
                }
            });
        };
    });

    auto* show = app.add_subcommand("show", "every field of one process");
    show->alias("describe");
    auto name = std::make_shared<std::string>();
    show->add_option("selector", *name, "name, name:index or id")->required();
    show->callback([env, name] {
        env.action = [g = &env.global, name] {
            return run_request(*g, "show", json{{"selector", *name}}, [](const json& r) {
                const json& s = r["spec"];
                for (const auto& [k, v] : s.items()) {
                    if (k != "env") {
                        std::printf("%-18s %s\n", k.c_str(), v.is_string() ? v.get<std::string>().c_str()
                                                                             : v.dump().c_str());
                    }
                }
                std::printf("\n");
                print_instances(r.value("instances", json::array()), stdout);
                for (const auto& i : r.value("instances", json::array())) {
                    std::string who = fmt::format("{}:{}", i.value("name", ""), i.value("index", 0));
                    if (i["last_error"].is_string()) {
                        std::printf("%s last error: %s\n", who.c_str(), i["last_error"].get<std::string>().c_str());
                    }
                    if (i["restart_reason"].is_string()) {
                        std::printf("%s last restart: %s; by reason: %s\n", who.c_str(),
                                    i["restart_reason"].get<std::string>().c_str(),
                                    i.value("restarts_by_reason", json::object()).dump().c_str());
                    }
                    if (i.contains("logs")) {
                        const json& l = i["logs"];
                        std::printf("%s logs: ring %s of %s (%s lines), out %s lines, err %s lines\n",
                                    who.c_str(), format_size(l.value("ring_bytes", 0)).c_str(),
                                    format_size(l.value("ring_capacity", 0)).c_str(),
                                    l["ring_lines"].dump().c_str(), l["lines_out"].dump().c_str(),
                                    l["lines_err"].dump().c_str());
                        for (const char* f : {"out_file", "err_file"}) {
                            if (l[f].is_object()) {
                                std::printf("%s   %s: %s written, %s lines dropped%s\n", who.c_str(),
                                            l[f].value("path", "").c_str(),
                                            format_size(l[f].value("written_bytes", 0)).c_str(),
                                            l[f]["dropped_lines"].dump().c_str(),
                                            l[f].value("degraded", false) ? " (DEGRADED: not writing)" : "");
                            }
                        }
                    }
                    const json& h = i.value("history", json::array());
                    if (!h.empty()) {
                        std::string cpu, mem;
                        for (std::size_t k = h.size() > 10 ? h.size() - 10 : 0; k < h.size(); ++k) {
                            cpu += fmt::format(" {:.1f}", h[k].value("cpu", 0.0));
                            mem += " " + format_size(h[k].value("memory", std::int64_t{0}));
                        }
                        std::printf("%s recent cpu %%:%s\n%s recent memory:%s\n", who.c_str(), cpu.c_str(),
                                    who.c_str(), mem.c_str());
                    }
                }
            });
        };
    });
}

}  // namespace pm::cli
