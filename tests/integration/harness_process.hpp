// Integration harness: processes started with posix_spawn, their output
// captured on pipes, and their exit status decoded.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "harness_wait.hpp"

namespace pm::test {

struct RunResult {
    int exit_code = -1;  // exit status; 128+N if killed by signal N; -1 if it timed out
    std::string out, err;
    Ms elapsed{0};
};

// A process started with captured stdout/stderr, not yet waited for.
struct Spawned {
    pid_t pid = -1;
    int out_fd = -1;
    int err_fd = -1;
    Clock::time_point started;
};

// posix_spawn of `path` with argv[0] = path, the given environment ("K=V"
// entries), stdin from /dev/null and stdout/stderr on pipes.
Spawned spawn_captured(const std::string& path, const std::vector<std::string>& args,
                       const std::vector<std::string>& env);
// Reads both pipes to EOF and reaps the process; SIGKILLs it after `timeout`.
RunResult finish(Spawned& p, Ms timeout = 30s);
RunResult run_process(const std::string& path, const std::vector<std::string>& args,
                      const std::vector<std::string>& env, Ms timeout = 30s);
std::string describe(const RunResult& r);

// posix_spawn with stdin from /dev/null and the given fds as stdout/stderr
// (TempHome starts pmd this way, onto its pmd.stderr file).
pid_t spawn_with_fds(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                     int out_fd, int err_fd);
// A wait status as RunResult::exit_code reports it.
int decode_status(int status);

}  // namespace pm::test
