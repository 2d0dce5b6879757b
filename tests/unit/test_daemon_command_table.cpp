// Unit tests for the IPC command table: sorted unique names, handlers, the
// accepted argument keys, and that docs/protocol.md documents every command.
#include "daemon/ipc/command_table.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace {

namespace ipc = pm::ipc;

// Names from every "### `name`" heading of a markdown file.
std::vector<std::string> documented_commands(std::istream& in) {
    std::vector<std::string> out;
    const std::string prefix = "### `";
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, prefix.size(), prefix) != 0) {
            continue;
        }
        auto end = line.find('`', prefix.size());
        if (end != std::string::npos) {
            out.push_back(line.substr(prefix.size(), end - prefix.size()));
        }
    }
    return out;
}

}  // namespace

TEST_SUITE("ipc") {

TEST_CASE("command names are unique and sorted") {
    auto table = ipc::command_table();
    REQUIRE_FALSE(table.empty());
    for (std::size_t i = 1; i < table.size(); ++i) {
        CAPTURE(table[i - 1].name);
        CAPTURE(table[i].name);
        CHECK(table[i - 1].name < table[i].name);  // strictly: sorted and no duplicates
    }
}

TEST_CASE("every command has a handler a summary and a findable name") {
    auto table = ipc::command_table();
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto& c = table[i];
        CAPTURE(c.name);
        CHECK_FALSE(c.name.empty());
        const bool has_handler = c.handler != nullptr;
        CHECK(has_handler);
        CHECK_FALSE(c.summary.empty());
        const ipc::CommandSpec* found = ipc::find_command(c.name);
        REQUIRE(found != nullptr);
        CHECK(found == &c);
        CHECK(ipc::command_index(*found) == i);
        // Accepted argument keys are non-empty and unique.
        std::set<std::string_view> keys;
        for (auto key : c.args) {
            CHECK_FALSE(key.empty());
            CHECK(keys.insert(key).second);
        }
    }
}

TEST_CASE("unknown command names are not found") {
    for (const char* name : {"", "nope", "START", "list ", " list", "lis"}) {
        CAPTURE(name);
        CHECK(ipc::find_command(name) == nullptr);
    }
}

TEST_CASE("core commands exist with the expected flags and arguments") {
    struct Row {
        const char* name;
        bool mutating;
        std::vector<std::string_view> args;
    };
    const Row rows[] = {
        {"hello", false, {"protocol", "client"}},
        {"ping", false, {}},
        {"list", false, {}},
        {"show", false, {"selector"}},
        {"start", true, {}},
        {"stop", true, {"selector"}},
        {"env", false, {"selector"}},
        {"restart", true, {"selector", "env_base", "env"}},
        {"reload", true, {"selector", "timeout", "env_base", "env"}},
        {"delete", true, {"selector"}},
        {"kill", true, {}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.name);
        const ipc::CommandSpec* c = ipc::find_command(row.name);
        REQUIRE(c != nullptr);
        CHECK(((c->flags & ipc::flag_mutating) != 0) == row.mutating);
        if (std::string_view(row.name) != "start") {
            CHECK(std::vector<std::string_view>(c->args.begin(), c->args.end()) == row.args);
        }
    }
    // start accepts every ProcessSpec field plus the name.
    const ipc::CommandSpec* start = ipc::find_command("start");
    REQUIRE(start != nullptr);
    std::set<std::string_view> keys(start->args.begin(), start->args.end());
    for (const char* key : {"name", "argv", "shell", "cwd", "env_base", "env", "instances",
                            "restart", "max_restarts", "min_uptime", "restart_delay",
                            "max_backoff", "kill_timeout", "stop_signal"}) {
        CAPTURE(key);
        CHECK(keys.count(key) == 1);
    }
}

TEST_CASE("every command is documented in docs/protocol.md and nothing else is") {
    const std::string path = std::string(PM_SOURCE_DIR) + "/docs/protocol.md";
    std::ifstream in(path);
    if (!in) {
        MESSAGE("skipped: " << path << " does not exist yet");
        return;
    }
    std::vector<std::string> documented = documented_commands(in);
    std::set<std::string> doc_set(documented.begin(), documented.end());
    CHECK_MESSAGE(doc_set.size() == documented.size(),
                  "a command is documented twice in docs/protocol.md");
    std::set<std::string> table_set;
    for (const auto& c : ipc::command_table()) {
        table_set.emplace(c.name);
        CHECK_MESSAGE(doc_set.count(std::string(c.name)) == 1,
                      "command '" << c.name << "' has no \"### `" << c.name
                                  << "`\" heading in docs/protocol.md");
    }
    for (const auto& name : documented) {
        CHECK_MESSAGE(table_set.count(name) == 1,
                      "docs/protocol.md documents '" << name << "' which is not in the command table");
    }
}

}  // TEST_SUITE("ipc")
