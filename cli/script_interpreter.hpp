// PM2's interpreter rules: which program runs a `script` (the `interpreter`
// key, the extension map, the shebang, node for a non-executable text file).
// The rules are pure (interpreter_for); probe_script is the one reader of the
// file they look at. The ecosystem reader and `pm start FILE` use both.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pm::cli {

// What the rules need to know about a script file.
struct ScriptFile {
    bool exists = false;               // a regular file
    bool executable = false;           // by this user
    bool binary = false;               // a NUL byte in its first block (PM2's isBinary)
    std::vector<std::string> shebang;  // "#!/usr/bin/env python3" -> {"/usr/bin/env", "python3"}
};

// Reads `path` (relative to `cwd` unless absolute): the file's kind, its
// execute bit and first line. Missing or unreadable: exists false.
ScriptFile probe_script(const std::string& path, const std::string& cwd);

// Pure. PM2's extension map (.js/.cjs/.mjs node, .py python3, .sh bash, .rb
// ruby, .php php, .pl perl, .ts/.tsx bun, .coffee coffee, .ls lsc); nullopt
// for any other name.
std::optional<std::string> interpreter_for_extension(std::string_view script);

// Pure. The words that run `script` before it, by PM2's rules:
// `interpreter` given ("none": run directly), else the extension map, else
// a shebang (only needed when the file is not executable), else nothing for
// an executable or binary file, else node (PM2's default for a text file).
std::vector<std::string> interpreter_for(std::string_view script, const std::optional<std::string>& interpreter,
                                         const ScriptFile& file);

// Pure. Whether an interpreter's command is python's (PM2 then sets
// PYTHONUNBUFFERED=1, so that print() reaches the logs at once).
bool is_python(std::string_view interpreter);

}  // namespace pm::cli
