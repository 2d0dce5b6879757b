// Paths under PM_HOME (default ~/.pm): socket, pid, lock, daemon log, logs dir.
// Pure string composition plus environment lookup; creation happens in pmd.
#pragma once

#include <string>

namespace pm {

struct Paths {
    std::string home;
    std::string sock() const { return home + "/pmd.sock"; }
    std::string pid() const { return home + "/pmd.pid"; }
    std::string lock() const { return home + "/pmd.lock"; }
    std::string daemon_log() const { return home + "/pmd.log"; }
    std::string logs_dir() const { return home + "/logs"; }
    std::string dump() const { return home + "/dump.json"; }
    std::string live() const { return home + "/pmd.live"; }  // running groups, for crash recovery
};

// PM_HOME if set and non-empty, else $HOME/.pm, else /tmp/pm-<uid>.
Paths resolve_paths();

}  // namespace pm
