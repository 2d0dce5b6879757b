// Unit tests for the start-option table and parse_start_args: the table is
// consistent with itself and with StartArgs' defaults, docs/cli.md and
// docs/protocol.md list exactly its flags and keys, and parsed arguments
// survive save and show.
#include "common/start_args.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "common/signals.hpp"

namespace {

using pm::json;
using pm::OptionKind;
using pm::StartOption;

// The first cell of every row of the first table after `heading`.
std::vector<std::string> first_cells(const std::string& file, const std::string& heading) {
    std::ifstream in(std::string(PM_SOURCE_DIR) + "/" + file);
    REQUIRE_MESSAGE(in.good(), "cannot read " << file);
    std::string line;
    while (std::getline(in, line) && line != heading) {
    }
    std::vector<std::string> cells;
    bool in_table = false;
    while (std::getline(in, line)) {
        if (line.rfind("|---", 0) == 0) {
            in_table = true;
        } else if (in_table && line.rfind("| ", 0) == 0) {
            cells.push_back(line.substr(2, line.find(" |", 2) - 2));
        } else if (in_table) {
            break;
        }
    }
    return cells;
}

// "-n, --name NAME" -> {"-n", "--name"}; "--watch[=PATH,...]" -> {"--watch"}.
std::set<std::string> flags_in(const std::string& cell) {
    std::set<std::string> out;
    std::size_t i = 0;
    while ((i = cell.find('-', i)) != std::string::npos) {
        if (i > 0 && cell[i - 1] != '`' && cell[i - 1] != ' ') {
            ++i;
            continue;
        }
        auto end = cell.find_first_of(" `[,=", i);
        out.insert(cell.substr(i, end - i));
        i = end == std::string::npos ? cell.size() : end;
    }
    return out;
}

std::set<std::string> table_flags(const StartOption& o) {
    std::set<std::string> out;
    std::string_view rest = o.flag;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        out.emplace(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return out;
}

// The default cell of docs/cli.md's row for `flag` ("`1s`").
std::string cli_doc_default(const std::string& long_flag) {
    std::ifstream in(std::string(PM_SOURCE_DIR) + "/docs/cli.md");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("| `", 0) == 0 && flags_in(line.substr(2, line.find(" |", 2) - 2)).count(long_flag) > 0) {
            auto a = line.find(" | ", 2) + 3;
            return line.substr(a, line.find(" |", a) - a);
        }
    }
    return "";
}

}  // namespace

TEST_SUITE("common") {

TEST_CASE("start option keys, flags and file spellings are each unique") {
    std::set<std::string> keys, flags, spellings;
    for (const auto& o : pm::k_start_options) {
        CAPTURE(o.key);
        CAPTURE(o.flag);
        CHECK((!o.key.empty() || !o.flag.empty() || !o.eco.empty()));
        if (!o.key.empty()) {
            CHECK(keys.emplace(o.key).second);
        }
        for (const auto& f : table_flags(o)) {
            CHECK(flags.insert(f).second);
        }
        for (auto s : pm::eco_spellings(o)) {
            CHECK(spellings.emplace(s).second);
        }
        if (!o.needs.empty()) {
            CHECK(pm::find_start_option(o.needs) != nullptr);
        }
        if (o.key.empty() && !o.sets.empty()) {
            CHECK(pm::find_start_option(o.sets) != nullptr);
        }
    }
    CHECK(pm::k_start_keys.size() == keys.size());
}

TEST_CASE("every start option with a key has the StartArgs field its kind reads") {
    for (const auto& o : pm::k_start_options) {
        if (o.key.empty()) {
            continue;
        }
        CAPTURE(o.key);
        const auto& f = o.field;
        switch (o.kind) {
            case OptionKind::string:
            case OptionKind::path: CHECK(f.text != nullptr); break;
            case OptionKind::boolean: CHECK(f.flag != nullptr); break;
            case OptionKind::integer:
            case OptionKind::duration:
            case OptionKind::size:
            case OptionKind::signal: CHECK(f.number != nullptr); break;
            case OptionKind::string_list:
            case OptionKind::watch:
            case OptionKind::command: CHECK(f.list != nullptr); break;
            case OptionKind::string_map: CHECK(f.map != nullptr); break;
            case OptionKind::restart_mode:
            case OptionKind::cron:
            case OptionKind::date_format: break;  // one StartArgs field each, named in start_args.cpp
        }
    }
}

TEST_CASE("each option's written default is StartArgs' default") {
    const pm::StartArgs a;
    for (const auto& o : pm::k_start_options) {
        if (o.def.empty()) {
            continue;
        }
        CAPTURE(o.key);
        std::string def(o.def);
        switch (o.kind) {
            case OptionKind::duration: CHECK(*pm::parse_duration_ms(def) == a.*o.field.number); break;
            case OptionKind::size: CHECK(*pm::parse_size_bytes(def) == a.*o.field.number); break;
            case OptionKind::integer: CHECK(std::stoll(def) == a.*o.field.number); break;
            case OptionKind::signal: CHECK(*pm::parse_signal(def) == a.*o.field.number); break;
            case OptionKind::restart_mode: CHECK(pm::restart_mode_from_string(def) == a.restart); break;
            default: FAIL("a default for a kind this test does not know: " << o.key);
        }
    }
}

TEST_CASE("the help of every duration flag, and only of those, states the command line's rule") {
    for (const auto& o : pm::k_start_options) {
        CAPTURE(o.key);
        std::string help = pm::help_text(o);
        bool states_rule = help.find(pm::k_flag_duration_rule) != std::string::npos;
        CHECK(states_rule == (o.kind == OptionKind::duration));
    }
    const pm::StartOption* kill = pm::find_start_option("kill_timeout");
    REQUIRE(kill != nullptr);
    CHECK(pm::help_text(*kill) ==
          "SIGKILL after this long stopping (default 10s; " + std::string(pm::k_flag_duration_rule) + ")");
}

TEST_CASE("docs/cli.md lists exactly the start flags, with their defaults") {
    std::set<std::string> documented;
    for (const auto& cell : first_cells("docs/cli.md", "### `pm start [options] [command...]`")) {
        auto flags = flags_in(cell);
        CHECK_MESSAGE(!flags.empty(), "a row without a flag: " << cell);
        documented.insert(flags.begin(), flags.end());
    }
    std::set<std::string> expected;
    for (const auto& o : pm::k_start_options) {
        auto flags = table_flags(o);
        expected.insert(flags.begin(), flags.end());
        if (!o.def.empty()) {
            CHECK_MESSAGE(cli_doc_default(std::string(pm::long_flag(o))) == "`" + std::string(o.def) + "`",
                          "docs/cli.md's default for " << pm::long_flag(o) << " is not `" << o.def << "`");
        }
    }
    CHECK(documented == expected);
}

TEST_CASE("docs/protocol.md's start table lists exactly the protocol's start keys") {
    std::set<std::string> documented;
    for (const auto& cell : first_cells("docs/protocol.md", "### `start`")) {
        CHECK_MESSAGE(cell.size() > 2, "an empty row in the start table");
        CHECK_MESSAGE(documented.insert(cell.substr(1, cell.size() - 2)).second, "documented twice: " << cell);
    }
    std::set<std::string> expected(pm::k_start_keys.begin(), pm::k_start_keys.end());
    CHECK(documented == expected);
}

TEST_CASE("parse_start_args applies the defaults and reads every kind once") {
    json args{{"argv", {"node", "app.js"}},  {"min_uptime", "2s"},          {"log_buffer", "64K"},
              {"stop_signal", "int"},        {"restart", "on-failure"},     {"cron_restart", "0 3 * * *"},
              {"log_date_format", "HH:mm"},  {"watch", true},               {"watch_delay", 50},
              {"env", {{"A", "1"}}},         {"ready_fd", 0}};
    auto r = pm::parse_start_args(args);
    REQUIRE(r.has_value());
    CHECK(r->argv == std::vector<std::string>{"node", "app.js"});
    CHECK(r->min_uptime_ms == 2000);
    CHECK(r->log_buffer == 64 * 1024);
    CHECK(r->stop_signal == SIGINT);
    CHECK(r->restart == pm::RestartMode::on_failure);
    REQUIRE(r->cron_restart.has_value());
    CHECK(r->cron_restart->text == "0 3 * * *");
    CHECK(r->cron_restart->schedule.hour.test(3));
    REQUIRE(r->log_date_format.has_value());
    CHECK(r->log_date_format->text() == "HH:mm");
    CHECK(r->watch == std::vector<std::string>{"."});
    CHECK(r->watch_delay_ms == 50);
    CHECK(r->kill_timeout_ms == 10000);
    CHECK(r->instances == 1);
}

TEST_CASE("options that need watch are ignored without it, as before") {
    auto r = pm::parse_start_args(json{{"argv", {"x"}}, {"watch_delay", "bogus"}, {"watch_ignore", 7}});
    REQUIRE(r.has_value());
    CHECK(r->watch_delay_ms == 200);
    CHECK(r->watch_ignore.empty());
}

TEST_CASE("parse_start_args names the bad key") {
    struct Row {
        json args;
        const char* message;
    };
    const Row rows[] = {
        {json{{"argv", json::array()}}, "'argv' must name a command"},
        {json{{"argv", {"x"}}, {"restart", "sometimes"}}, "'restart' must be always, on-failure or never"},
        {json{{"argv", {"x"}}, {"ready_fd", 2}}, "'ready_fd' must be 3 or more (0, 1 and 2 are stdio)"},
        {json{{"argv", {"x"}}, {"ready_fd", 64}}, "'ready_fd' must be between 0 and 63"},
        {json{{"argv", {"x"}}, {"min_uptime", "8d"}}, "'min_uptime' must be at most 7 days"},
        {json{{"argv", {"x"}}, {"log_buffer", 1}}, "'log_buffer' must be between 4096 and 1073741824"},
        {json{{"argv", {"x"}}, {"watch", 3}}, "'watch' must be true, a path or a list of paths"},
        {json{{"argv", {"x"}}, {"increment_var", "A=B"}}, "'increment_var' must be a variable name"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.args.dump());
        auto r = pm::parse_start_args(row.args);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == pm::ErrorCode::bad_args);
        CHECK(r.error().message == row.message);
    }
}

TEST_CASE("saved start arguments parse back to the same arguments") {
    json args{{"name", "w"},          {"argv", {"a", "b"}},          {"cwd", "/srv"},
              {"env", {{"K", "v"}}},  {"instances", 3},              {"max_memory", "1M"},
              {"watch", {"src"}},     {"watch_ignore", {"*.tmp"}},   {"cron_restart", "@daily"},
              {"ready_tcp", 8080},    {"log_date_format", "YYYY"},   {"stop_signal", "SIGUSR2"}};
    auto a = pm::parse_start_args(args);
    REQUIRE(a.has_value());
    json saved = pm::save_start_args(*a);
    CHECK(saved["stop_signal"] == "SIGUSR2");
    CHECK(saved["max_memory"] == 1024 * 1024);
    CHECK_FALSE(saved.contains("ready_fd"));  // off: not written
    CHECK_FALSE(saved.contains("shell"));     // argv is already wrapped
    auto b = pm::parse_start_args(saved);
    REQUIRE(b.has_value());
    CHECK(pm::save_start_args(*b) == saved);
}

TEST_CASE("show keeps its own spellings: durations in _ms, unset paths and schedules null") {
    auto a = pm::parse_start_args(json{{"argv", {"x"}}});
    REQUIRE(a.has_value());
    json shown = pm::show_start_args(*a);
    const std::set<std::string> expected{
        "name",         "argv",           "shell",          "cwd",         "instances",       "restart",
        "max_restarts", "min_uptime_ms",  "restart_delay_ms", "max_backoff_ms", "kill_timeout_ms", "stop_signal",
        "log_buffer",   "max_log_size",   "log_files",      "out_file",    "err_file",        "log_date_format",
        "log_file",
        "ready_fd",     "ready_tcp",      "max_memory",     "merge_logs",  "watch",           "watch_ignore",
        "watch_delay_ms", "cron_restart", "listen"};
    std::set<std::string> keys;
    for (const auto& [k, v] : shown.items()) {
        keys.insert(k);
    }
    CHECK(keys == expected);
    CHECK(shown["out_file"].is_null());
    CHECK(shown["cron_restart"].is_null());
    CHECK(shown["log_date_format"].is_null());
    CHECK(shown["min_uptime_ms"] == 1000);
    CHECK(shown["stop_signal"] == "SIGTERM");
}

}  // TEST_SUITE
