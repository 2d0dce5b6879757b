// Table rendering.
#include "cli/render/table.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>

#include "common/process_state.hpp"
#include "common/units.hpp"

namespace pm::cli {

void Table::add_row(std::vector<std::string> cells, std::vector<std::string> colours) {
    cells.resize(m_headers.size());
    colours.resize(m_headers.size());
    m_rows.push_back(std::move(cells));
    m_colours.push_back(std::move(colours));
}

void Table::print(std::FILE* out, bool colour) const {
    std::vector<std::size_t> width(m_headers.size());
    for (std::size_t c = 0; c < m_headers.size(); ++c) {
        width[c] = m_headers[c].size();
        for (const auto& row : m_rows) {
            width[c] = std::max(width[c], row[c].size());
        }
    }
    auto line = [&](const std::vector<std::string>& cells, const std::vector<std::string>* colours) {
        std::string s;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            std::string cell = fmt::format("{:<{}}", cells[c], c + 1 == cells.size() ? 0 : width[c]);
            if (colour && colours != nullptr && !(*colours)[c].empty()) {
                cell = (*colours)[c] + cell + "\033[0m";
            }
            s += cell;
            if (c + 1 < cells.size()) {
                s += "  ";
            }
        }
        std::fprintf(out, "%s\n", s.c_str());
    };
    line(m_headers, nullptr);
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        line(m_rows[r], &m_colours[r]);
    }
}

bool use_colour(std::FILE* out) {
    const char* no = std::getenv("NO_COLOR");
    return isatty(fileno(out)) != 0 && (no == nullptr || *no == '\0');
}

std::string state_colour(const std::string& state) {
    auto parsed = process_state_from_string(state);
    if (!parsed) {
        return "\033[33m";  // a state this pm does not know (a newer pmd)
    }
    switch (*parsed) {
        case ProcessState::online: return "\033[32m";
        case ProcessState::errored: return "\033[31m";
        case ProcessState::stopped:
        case ProcessState::exited: return "\033[90m";
        case ProcessState::starting:
        case ProcessState::stopping:
        case ProcessState::backoff: return "\033[33m";
    }
    return "\033[33m";
}

std::string describe_exit(const json& e) {
    if (!e.is_object()) {
        return "-";
    }
    std::string s = e.value("signal", json(nullptr)).is_string() ? e["signal"].get<std::string>()
                                                                 : fmt::format("code {}", e.value("code", 0));
    if (e.value("escalated", false)) {
        s += " (SIGKILL after kill timeout)";
    }
    return s;
}

void print_instances(const json& instances, std::FILE* out) {
    Table t({"id", "name", "inst", "pid", "state", "cpu", "memory", "restarts", "uptime", "last exit"});
    for (const auto& i : instances) {
        std::string state = i.value("state", "");
        t.add_row({std::to_string(i.value("id", 0)), i.value("name", ""), std::to_string(i.value("index", 0)),
                   i["pid"].is_number() ? std::to_string(i["pid"].get<int>()) : "-", state,
                   i.value("cpu", json(nullptr)).is_number() ? fmt::format("{:.1f}%", i["cpu"].get<double>()) : "-",
                   i.value("memory", json(nullptr)).is_number() ? format_size(i["memory"].get<std::int64_t>()) : "-",
                   std::to_string(i.value("restarts", 0)),
                   i["pid"].is_number() ? format_duration_ms(i.value("uptime_ms", 0)) : "-",
                   describe_exit(i.value("last_exit", json(nullptr)))},
                  {"", "", "", "", state_colour(state)});
    }
    if (t.empty()) {
        std::fprintf(out, "no processes\n");
        return;
    }
    t.print(out, use_colour(out));
}

}  // namespace pm::cli
