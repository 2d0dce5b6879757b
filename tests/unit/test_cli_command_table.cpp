// Unit tests for the CLI command table: unique names, every wire command
// known to the daemon's table and every daemon command reachable, the
// argument builders, and that docs/cli.md documents every command.
#include "cli/command_table.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "daemon/ipc/command_table.hpp"

namespace {

using pm::json;
using pm::cli::Bound;
using pm::cli::CliCommand;
using pm::cli::GlobalOptions;

// Command names from every "### `pm name ...`" heading of docs/cli.md.
std::vector<std::string> documented_commands() {
    std::ifstream in(std::string(PM_SOURCE_DIR) + "/docs/cli.md");
    std::vector<std::string> out;
    const std::string prefix = "### `pm ";
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, prefix.size(), prefix) == 0) {
            auto end = line.find_first_of(" `", prefix.size());
            out.push_back(line.substr(prefix.size(), end - prefix.size()));
        }
    }
    return out;
}

// The arguments a row builds from `args` (its command line after the name).
pm::Result<json> built_args(std::string_view name, const std::string& args, const GlobalOptions& g = {}) {
    const CliCommand* row = pm::cli::find_cli_command(name);
    REQUIRE(row != nullptr);
    REQUIRE((row->define != nullptr));
    CLI::App sub{std::string(row->help), std::string(row->name)};
    Bound bound = row->define(sub);
    sub.parse(args, false);
    REQUIRE(bound.args);
    return bound.args(g);
}

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("CLI command names and aliases are unique") {
    std::set<std::string_view> seen;
    for (const auto& c : pm::cli::cli_command_table()) {
        CHECK_MESSAGE(seen.insert(c.name).second, c.name);
        if (!c.alias.empty()) {
            CHECK_MESSAGE(seen.insert(c.alias).second, c.alias);
        }
        CHECK_FALSE(c.help.empty());
    }
}

TEST_CASE("every CLI command's wire command is in the daemon's command table") {
    for (const auto& c : pm::cli::cli_command_table()) {
        if (!c.wire.empty()) {
            CHECK_MESSAGE(pm::ipc::find_command(c.wire) != nullptr, c.name << " sends " << c.wire);
        }
    }
}

TEST_CASE("every daemon command is sent by a CLI command or listed as internal") {
    std::set<std::string_view> sent;
    for (const auto& c : pm::cli::cli_command_table()) {
        sent.insert(c.wire);
    }
    std::set<std::string_view> internal;
    for (auto name : pm::cli::internal_wire_commands()) {
        internal.insert(name);
        CHECK_MESSAGE(pm::ipc::find_command(name) != nullptr, name);
        CHECK_MESSAGE(sent.count(name) == 0, name << " is listed as internal but a CLI command sends it");
    }
    for (const auto& spec : pm::ipc::command_table()) {
        CHECK_MESSAGE((sent.count(spec.name) + internal.count(spec.name)) == 1, spec.name);
    }
}

TEST_CASE("commands that wait for processes to exit get the stop-wait timeout") {
    std::set<std::string_view> stop_wait;
    for (const auto& c : pm::cli::cli_command_table()) {
        if (c.timeout == pm::cli::Timeout::stop_wait) {
            stop_wait.insert(c.name);
        }
    }
    CHECK(stop_wait == std::set<std::string_view>{"delete", "kill", "reload", "restart", "scale", "startOrReload",
                                                  "startOrRestart", "stop"});
    const CliCommand* kill = pm::cli::find_cli_command("kill");
    REQUIRE(kill != nullptr);
    CHECK_FALSE(kill->autostart);
}

TEST_CASE("argument builders turn a command line into the request's arguments") {
    SUBCASE("positionals") {
        CHECK(*built_args("scale", "web 3") == json{{"name", "web"}, {"instances", 3}});
        CHECK(*built_args("signal", "USR1 web:1") == json{{"signal", "USR1"}, {"selector", "web:1"}});
        CHECK(*built_args("show", "web") == json{{"selector", "web"}});
    }
    SUBCASE("defaults") {
        CHECK(*built_args("flush", "") == json{{"selector", "all"}});
        CHECK(*built_args("save", "") == json{{"force", false}});
        CHECK(*built_args("version", "") == json{{"protocol", pm::k_protocol_version}});
    }
    SUBCASE("logs") {
        json args = *built_args("logs", "web -n 3 --err --raw");
        CHECK(args == json{{"selector", "web"}, {"lines", 3}, {"follow", false}, {"stream", "err"}, {"b64", true}});
        auto both = built_args("logs", "--out --err");
        REQUIRE_FALSE(both);
        CHECK(both.error().code == pm::ErrorCode::usage);
    }
    SUBCASE("reload sends pmd a deadline a second short of the client's") {
        GlobalOptions g;
        g.timeout = "5s";
        CHECK(*built_args("reload", "web", g) == json{{"timeout", 4000}});
        g.timeout = "soon";
        auto bad = built_args("reload", "web", g);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().code == pm::ErrorCode::usage);
        g.timeout = "5";  // a bare number: the command line's duration rule refuses it
        auto bare = built_args("reload", "web", g);
        REQUIRE_FALSE(bare);
        CHECK(bare.error().code == pm::ErrorCode::usage);
        CHECK(bare.error().message == "--timeout: give a unit: 5s or 5000ms (ms, s, m, h or d)");
    }
}

TEST_CASE("docs/cli.md has a section for every CLI command and for no other") {
    auto documented = documented_commands();
    REQUIRE_FALSE(documented.empty());
    std::set<std::string> in_docs(documented.begin(), documented.end());
    std::set<std::string> in_table;
    for (const auto& c : pm::cli::cli_command_table()) {
        in_table.insert(std::string(c.name));
    }
    CHECK(in_docs == in_table);
}

}  // TEST_SUITE("cli")
