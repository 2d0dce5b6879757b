// Human output of the daemon-level commands: ping, version, kill, save,
// resurrect.
#pragma once

#include "common/protocol.hpp"

namespace pm::cli {

void render_pong(const json& result);
// pm's own version, then pmd's from the `hello` reply.
void render_version(const json& result);
void render_killed(const json& result);
void render_saved(const json& result);
// pm web: the URL to open (with its token), and how the view was reached.
void render_web(const json& result);
// What was restored, skipped and failed; the reply's warning on stderr.
void render_resurrected(const json& result);

}  // namespace pm::cli
