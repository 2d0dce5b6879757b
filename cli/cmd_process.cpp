// Process commands: stop, restart, reload, delete, list, env, show (start's
// flags and request: start_flags.cpp).
#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <memory>

#include "cli/command_table.hpp"
#include "cli/ecosystem.hpp"
#include "cli/start_flags.hpp"

namespace pm::cli {
namespace {

// A selector command's extras:
// - k_deadline: also send pmd the time left ("timeout", ms), a second short
//   of the client's own, so that pmd's reply says where a long operation stopped;
// - k_update_env: a --update-env flag that sends this shell's environment as
//   the processes' new base environment (PM2's --update-env).
enum SelectorExtras : unsigned { k_plain = 0, k_deadline = 1, k_update_env = 2 };

// The arguments every selector of the command line shares.
Result<json> selector_extras(const GlobalOptions& g, unsigned extras, bool update_env) {
    json extra = json::object();
    if (extras & k_deadline) {
        PM_TRY_ASSIGN(auto ms, timeout_ms(g));
        extra["timeout"] = std::max<std::int64_t>(1, ms - 1000);
    }
    if (update_env) {
        extra["env_base"] = client_environment();
    }
    return extra;
}

// One request per selector (an ecosystem file: one per app); the exit code
// is the first failure's.
// `env_flags`: restart/reload --env, for ecosystem files only.
int run_each_selector(const GlobalOptions& g, const CliCommand& row, const json& extra,
                      const std::vector<std::string>& selectors, const std::vector<std::string>& env_flags) {
    int worst = k_exit_ok;
    std::string cmd(row.wire);
    if (!env_flags.empty()) {
        for (const auto& s : selectors) {
            if (!is_ecosystem_file(s)) {
                return print_error(g, Error{ErrorCode::usage,
                                            fmt::format("--env applies to ecosystem files; {} is not one (a "
                                                        "process's variables change with pm delete and start)",
                                                        s)});
            }
        }
    }
    for (const auto& s : selectors) {
        json args = extra;
        args["selector"] = s;
        int rc = is_ecosystem_file(s) ? act_on_ecosystem(g, cmd, s, row.render, extra, env_flags)
                                      : run_request(g, cmd, args, row.render);
        worst = worst == k_exit_ok ? rc : worst;
    }
    return worst;
}

Bound define_selectors(CLI::App& sub, unsigned extras) {
    auto selectors = std::make_shared<std::vector<std::string>>();
    auto update_env = std::make_shared<bool>(false);
    auto env_flags = std::make_shared<std::vector<std::string>>();
    sub.add_option("selector", *selectors, "name, name:index, numeric id, all, or an ecosystem file")->required();
    if (extras & k_update_env) {
        sub.add_flag("--update-env", *update_env,
                     "give the processes this shell's environment (their --env values still win)");
        sub.add_option("--env,-e", *env_flags,
                       "with an ecosystem file: NAME applies env_NAME over env, KEY=VALUE sets a variable");
    }
    return Bound{[extras, update_env](const GlobalOptions& g) { return selector_extras(g, extras, *update_env); },
                 [selectors, env_flags](const GlobalOptions& g, const CliCommand& row, const json& extra) {
                     return run_each_selector(g, row, extra, *selectors, *env_flags);
                 }};
}

Bound define_one_selector(CLI::App& sub, const char* help) {
    auto selector = std::make_shared<std::string>();
    sub.add_option("selector", *selector, help)->required();
    return Bound{[selector](const GlobalOptions&) -> Result<json> { return json{{"selector", *selector}}; }, {}};
}

}  // namespace

Bound define_stop(CLI::App& sub) { return define_selectors(sub, k_plain); }

Bound define_restart(CLI::App& sub) { return define_selectors(sub, k_update_env); }

Bound define_reload(CLI::App& sub) { return define_selectors(sub, k_deadline | k_update_env); }

Bound define_delete(CLI::App& sub) { return define_selectors(sub, k_plain); }

Bound define_env(CLI::App& sub) { return define_one_selector(sub, "name, name:index, id or all"); }

Bound define_show(CLI::App& sub) { return define_one_selector(sub, "name, name:index or id"); }

}  // namespace pm::cli
