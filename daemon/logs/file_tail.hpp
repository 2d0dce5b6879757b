// Reads the last lines of a log file (and its rotations) for `pm logs --lines`
// when the ring holds fewer. Bounded by a byte budget. Called on the loop
// thread; reads backwards in blocks.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pm::logs {

// The last `n` lines of path, then path.1, ... path.K (oldest first in the
// result), reading at most `max_bytes`.
// Blocks the loop: file reads, at most `max_bytes` (3 MiB for a logs request).
std::vector<std::string> tail_lines(const std::string& path, int keep, std::size_t n,
                                    std::size_t max_bytes);

}  // namespace pm::logs
