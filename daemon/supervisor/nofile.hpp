// The open-file limit pmd started with (children get it back) and raising
// pmd's own soft limit to the hard limit. Called once at start-up.
#pragma once

#include <sys/resource.h>

namespace pm::sup {

// Records the current limit as the original, then raises the soft limit.
// Returns the new soft limit.
rlim_t raise_nofile_limit();
const rlimit& original_nofile_limit();

}  // namespace pm::sup
