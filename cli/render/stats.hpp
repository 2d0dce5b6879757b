// Human output of the self-observation commands: pmd's memory per
// subsystem, its request and loop figures, and its recent errors.
#pragma once

#include "common/protocol.hpp"

namespace pm::cli {

void render_memory(const json& result);
void render_performance(const json& result);
void render_errors(const json& result);

}  // namespace pm::cli
