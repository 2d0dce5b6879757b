// Operator commands on running processes: wait, scale, signal, reset.
#include <cstdio>

#include "cli/command_table.hpp"
#include "common/process_state.hpp"
#include "common/start_options.hpp"
#include "common/units.hpp"

namespace pm::cli {
namespace {

std::vector<std::string> state_names() {
    std::vector<std::string> names;
    for (ProcessState s : k_all_states) {
        names.emplace_back(to_string(s));
    }
    return names;
}

}  // namespace

int run_wait(const GlobalOptions& g, const std::string& selector, const std::string& state) {
    auto ms = timeout_ms(g);
    if (!ms) {
        return print_error(g, ms.error());
    }
    GlobalOptions client_opts = g;
    client_opts.timeout = std::to_string(*ms + 2000) + "ms";
    return run_request(client_opts, "wait", json{{"selector", selector}, {"state", state}, {"timeout", *ms}},
                       [&](const json& r) { std::printf("%s: %s\n", selector.c_str(), r.value("state", "").c_str()); });
}

Bound define_wait(CLI::App& sub) {
    auto selector = std::make_shared<std::string>();
    auto state = std::make_shared<std::string>("online");
    sub.add_option("selector", *selector, "name, name:index, id or all")->required();
    sub.add_option("--state", *state, "state to wait for (default online)")->check(CLI::IsMember(state_names()));
    return Bound{{}, [selector, state](const GlobalOptions& g, const CliCommand&, const json&) {
                     return run_wait(g, *selector, *state);
                 }};
}

Bound define_scale(CLI::App& sub) {
    auto name = std::make_shared<std::string>();
    auto instances = std::make_shared<int>(1);
    sub.add_option("name", *name, "process name")->required();
    sub.add_option("instances", *instances, "instances wanted")
        ->required()
        ->check(CLI::Range(std::int64_t{1}, pm::k_max_instances));
    return Bound{[name, instances](const GlobalOptions&) -> Result<json> {
                     return json{{"name", *name}, {"instances", *instances}};
                 },
                 {}};
}

Bound define_signal(CLI::App& sub) {
    auto signal = std::make_shared<std::string>();
    auto selector = std::make_shared<std::string>();
    sub.add_option("signal", *signal, "SIGUSR1, USR1 or 10")->required();
    sub.add_option("selector", *selector, "name, name:index, id or all")->required();
    return Bound{[signal, selector](const GlobalOptions&) -> Result<json> {
                     return json{{"signal", *signal}, {"selector", *selector}};
                 },
                 {}};
}

Bound define_reset(CLI::App& sub) {
    auto selector = std::make_shared<std::string>();
    sub.add_option("selector", *selector, "name, name:index, id or all")->required();
    return Bound{[selector](const GlobalOptions&) -> Result<json> { return json{{"selector", *selector}}; }, {}};
}

}  // namespace pm::cli
