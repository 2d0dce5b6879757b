// PM2's dump (`pm2 save` writes ~/.pm2/dump.pm2: a JSON array with one
// pm2_env object per instance) turned into ecosystem apps for `pm import`,
// with a note for each thing that does not carry over. Pure.
#pragma once

#include <string>
#include <vector>

#include "common/protocol.hpp"

namespace pm::cli {

struct Pm2Import {
    json apps = json::array();         // ecosystem app objects (PM2's keys), one per app
    std::vector<std::string> stopped;  // apps (pm names) that were stopped under PM2
    std::vector<std::string> notes;    // "my job: renamed to \"my-job\" ...", one per thing not carried over
};

// `dump`: the parsed dump.pm2; `shell_env`: the importing shell's
// environment (a dumped variable with the same value is left to it).
// Errors: bad_args when `dump` is not an array of objects.
Result<Pm2Import> convert_pm2_dump(const json& dump, const json& shell_env);

}  // namespace pm::cli
