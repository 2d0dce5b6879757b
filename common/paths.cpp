// PM_HOME resolution.
#include "common/paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace pm {

Paths resolve_paths() {
    if (const char* h = std::getenv("PM_HOME"); h != nullptr && *h != '\0') {
        return Paths{h};
    }
    if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
        return Paths{std::string(h) + "/.pm"};
    }
    return Paths{"/tmp/pm-" + std::to_string(getuid())};
}

}  // namespace pm
