// The node preload pm ships for cluster mode: a script loaded into node apps
// with `listen` sockets (NODE_OPTIONS=--require) so that their own
// server.listen(PORT) adopts pmd's socket for PORT. Embedded in pmd and
// written to PM_HOME; no spawning here.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace pm::sup {

// The preload's source (tests read it to check what node runs).
extern const std::string_view k_node_preload_source;

// Writes <home>/pm-cluster-preload.js (mode 0644, tmp + rename) unless it
// already holds this source; its path. Called when an app with `listen`
// starts; blocks on a small write.
Result<std::string> install_node_preload(const std::string& home);

}  // namespace pm::sup
