// The saved process list ($PM_HOME/dump.json): atomic writes (temp file,
// fsync, rename, directory fsync) keeping the previous copy as .bak, and a
// loader that falls back to the backup when the dump is corrupt.
#pragma once

#include <string>

#include "common/protocol.hpp"
#include "common/result.hpp"

namespace pm::store {

// Writes `doc` to `path` atomically; the previous file becomes path.bak.
Result<void> write_dump(const std::string& path, const json& doc);

struct Loaded {
    json doc;
    std::string source;   // the file actually read
    std::string warning;  // set when the dump was unusable and .bak was used
};

// Reads `path`, or path.bak when `path` is missing, corrupt or not a dump.
Result<Loaded> read_dump(const std::string& path);

}  // namespace pm::store
