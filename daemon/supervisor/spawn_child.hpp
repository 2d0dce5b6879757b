// spawn_child: starts one child of a spec (argv, environment, cwd, stdio) in
// its own session with the original open-file limit. Knows nothing of
// instances, states or logs; the caller owns the pipes and the handle.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "daemon/supervisor/process_spec.hpp"

namespace pm::sup {

struct ChildStdio {
    uv_stream_t* out = nullptr;    // stdout's pipe (the child gets the write end)
    uv_stream_t* err = nullptr;    // stderr's pipe
    uv_stream_t* ready = nullptr;  // the readiness pipe, placed at spec.options.ready_fd
};

// The environment an instance is spawned with: the spec's, its increment_var
// moved up by the index, then PM_INSTANCE and PM_ID. Pure.
std::vector<std::string> child_environment(const ProcessSpec& spec, std::uint32_t index, std::uint64_t id);

// Calls uv_spawn; `proc` is initialised either way (the caller closes it, in
// exit_cb after a success). Returns the pid, or spawn_failed saying
// `unable to spawn "<argv0>": <NAME> (<strerror>)`. Loop thread.
Result<int> spawn_child(uv_loop_t* loop, uv_process_t* proc, const ProcessSpec& spec,
                        const std::vector<std::string>& env, const ChildStdio& stdio, uv_exit_cb on_exit);

}  // namespace pm::sup
