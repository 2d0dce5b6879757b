// docs/architecture.md against the code: its state table must list exactly
// the pairs transition() handles, with the same next state and actions.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "daemon/supervisor/state_machine.hpp"

namespace {

namespace sup = pm::sup;

struct DocRow {
    std::string state, event, next, actions;
    int line = 0;
};

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(' ');
    auto e = s.find_last_not_of(' ');
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The cells of a "| a | b | c |" line.
std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line.substr(1));
    std::string cell;
    while (std::getline(in, cell, '|')) {
        out.push_back(trim(cell));
    }
    return out;
}

// The four-column rows of the first table under "## State machine".
std::vector<DocRow> state_table(std::istream& in) {
    std::vector<DocRow> rows;
    std::string line;
    bool in_section = false;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.rfind("## ", 0) == 0) {
            in_section = line == "## State machine";
            continue;
        }
        if (!in_section || line.rfind("| ", 0) != 0) {
            if (in_section && !rows.empty() && line.empty()) {
                break;  // the table ended
            }
            continue;
        }
        auto c = cells(line);
        if (c.size() == 4 && c[0] != "State") {
            rows.push_back(DocRow{c[0], c[1], c[2], c[3], n});
        }
    }
    return rows;
}

template <typename T, std::size_t N>
std::optional<T> by_name(const T (&all)[N], const std::string& name) {
    for (T v : all) {
        if (sup::to_string(v) == name) {
            return v;
        }
    }
    return std::nullopt;
}

// "cancel_timers, spawn" in perform order, "—" for none.
std::string actions_text(std::uint32_t actions) {
    std::string out;
    for (const auto& [bit, name] : sup::k_action_names) {
        if ((actions & bit) != 0) {
            out += (out.empty() ? "" : ", ") + std::string(name);
        }
    }
    return out.empty() ? "—" : out;
}

}  // namespace

TEST_SUITE("supervisor") {

TEST_CASE("the state table in docs/architecture.md is the code's, row by row") {
    const std::string path = std::string(PM_SOURCE_DIR) + "/docs/architecture.md";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    std::vector<DocRow> rows = state_table(in);
    REQUIRE_FALSE(rows.empty());

    std::map<std::pair<sup::MachineState, sup::ProcEvent>, const DocRow*> documented;
    for (const auto& row : rows) {
        INFO("docs/architecture.md:", row.line, ": ", row.state, " | ", row.event);
        auto state = by_name(sup::k_all_machine_states, row.state);
        auto event = by_name(sup::k_all_events, row.event);
        REQUIRE_MESSAGE(state.has_value(), "unknown state " << row.state);
        REQUIRE_MESSAGE(event.has_value(), "unknown event " << row.event);
        CHECK_MESSAGE(documented.emplace(std::pair{*state, *event}, &row).second, "the pair is listed twice");
        auto t = sup::transition(*state, *event);
        REQUIRE_MESSAGE(t.has_value(), "the code ignores this pair");
        CHECK(std::string(sup::to_string(t->next)) == row.next);
        CHECK(actions_text(t->actions) == row.actions);
    }
    // And every pair the code handles is in the doc.
    for (auto state : sup::k_all_machine_states) {
        for (auto event : sup::k_all_events) {
            if (sup::transition(state, event)) {
                CHECK_MESSAGE(documented.count({state, event}) == 1,
                              "docs/architecture.md lacks the row " << sup::to_string(state) << " | "
                                                                    << sup::to_string(event));
            }
        }
    }
}

}  // TEST_SUITE("supervisor")
