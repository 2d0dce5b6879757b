// Ecosystem files: PM2's forms (JSON with comments and trailing commas,
// YAML, JavaScript evaluated by node; `apps` or one app object) or a
// Procfile, turned into start requests. Validation is complete before
// anything starts: every problem is reported with its path in the file.
// Pure except for reading the file.
#pragma once

#include <string>
#include <vector>

#include "cli/preflight.hpp"
#include "common/protocol.hpp"

namespace pm::cli {

struct EcoApp {
    std::string name;
    json args;  // start arguments (without env_base, which the caller adds)
    json env_blocks = json::object();  // PM2's env_<name> blocks: name -> {K: "V"}
    ScriptRun run = {};                // the script key's file (pre-start checks)
};

struct Ecosystem {
    std::vector<EcoApp> apps;
    std::vector<std::string> errors;    // "apps[2].instances: expected a positive integer"
    std::vector<std::string> warnings;  // accepted PM2 keys that pm ignores
};

enum class EcoFormat { none, json, yaml, javascript, procfile };

// True when `arg` names an existing file that looks like an ecosystem file
// (*.json, *.yml, *.yaml, *.config.{js,cjs,mjs}, ecosystem*.{js,cjs,mjs},
// Procfile, *.procfile).
bool is_ecosystem_file(const std::string& arg);
// The format a file name says (PM2's rule: app.js is a program, not a file
// of apps); none for anything else.
EcoFormat ecosystem_format(const std::string& path);

// Parses a file; `only` keeps the named apps (empty: all).
Ecosystem load_ecosystem(const std::string& path, const std::vector<std::string>& only = {});
// `pm start FILE --env ...`: a value without '=' names a block (PM2's
// `--env production` applies env_production over env), with '=' it is a
// variable set over every app's env. More than one block name: usage error.
// An app without the block keeps its env, with a warning (as PM2 warns).
Result<void> apply_env_flags(Ecosystem& eco, const std::vector<std::string>& env_flags);
// The same from text; `base_dir` resolves relative cwd values.
Ecosystem parse_ecosystem_json(const std::string& text, const std::string& base_dir);
Ecosystem parse_ecosystem_yaml(const std::string& text, const std::string& base_dir);
// A parsed document: {"apps":[...]}, one app object, or an array of apps.
Ecosystem parse_ecosystem_doc(const json& doc, const std::string& base_dir);
Ecosystem parse_procfile(const std::string& text, const std::string& base_dir);

}  // namespace pm::cli
