// What `pm start` of an ecosystem app would fail on, found before anything
// starts, so that `pm validate` passing means the start works: the cwd, the
// program (in PATH or at its path, executable), the script an interpreter
// runs, and the log files' directories (existing, or creatable by pmd).
// Reads the file system; changes nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.hpp"

namespace pm::cli {

// An app's script key: the file, and whether an interpreter runs it (argv[0]
// is then the interpreter). Empty script: a command, or a command line.
struct ScriptRun {
    std::string script;
    bool interpreted = false;
};

// The problems of one app's start arguments (`args`, as the ecosystem reader
// builds them), each a sentence naming the path: "script
// /srv/app/server.js not found". `env_base`: the environment the app gets
// (its PATH finds the program).
std::vector<std::string> start_problems(const json& args, const ScriptRun& run, const json& env_base);

}  // namespace pm::cli
