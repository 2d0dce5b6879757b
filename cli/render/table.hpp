// Human output: aligned tables and state colouring (only on a terminal, and
// never when NO_COLOR is set). --json output never passes through here.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "common/protocol.hpp"

namespace pm::cli {

class Table {
public:
    explicit Table(std::vector<std::string> headers) : m_headers(std::move(headers)) {}
    // Each cell may carry an ANSI colour code applied when colour is on.
    void add_row(std::vector<std::string> cells, std::vector<std::string> colours = {});
    void print(std::FILE* out, bool colour) const;
    bool empty() const { return m_rows.empty(); }

private:
    std::vector<std::string> m_headers;
    std::vector<std::vector<std::string>> m_rows;
    std::vector<std::vector<std::string>> m_colours;
};

bool use_colour(std::FILE* out);
// ANSI colour for a process state name ("" when none).
std::string state_colour(const std::string& state);

// The process table of `list` and `start`, from protocol instance objects.
void print_instances(const json& instances, std::FILE* out);
// "code 0", "SIGKILL (escalated)" from a last_exit object.
std::string describe_exit(const json& last_exit);

}  // namespace pm::cli
