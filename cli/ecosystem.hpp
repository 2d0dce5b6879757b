// Ecosystem files: a JSON file of apps (PM2's common keys accepted) or a
// Procfile, turned into start requests. Validation is complete before
// anything starts: every problem is reported with its path in the file.
// Pure except for reading the file.
#pragma once

#include <string>
#include <vector>

#include "common/protocol.hpp"

namespace pm::cli {

struct EcoApp {
    std::string name;
    json args;  // start arguments (without env_base, which the caller adds)
};

struct Ecosystem {
    std::vector<EcoApp> apps;
    std::vector<std::string> errors;    // "apps[2].instances: expected a positive integer"
    std::vector<std::string> warnings;  // accepted PM2 keys that pm ignores
};

// True when `arg` names an existing file that looks like an ecosystem file
// (*.json, *.config.json, Procfile, *.procfile).
bool is_ecosystem_file(const std::string& arg);

// Parses a file; `only` keeps the named apps (empty: all).
Ecosystem load_ecosystem(const std::string& path, const std::vector<std::string>& only = {});
// The same from text; `base_dir` resolves relative cwd values.
Ecosystem parse_ecosystem_json(const std::string& text, const std::string& base_dir);
Ecosystem parse_procfile(const std::string& text, const std::string& base_dir);

}  // namespace pm::cli
