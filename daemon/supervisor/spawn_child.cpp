// spawn_child: argv, environment and stdio for uv_spawn, and the open-file
// limit swap around it.
#include "daemon/supervisor/spawn_child.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

#include "daemon/supervisor/listen_sockets.hpp"
#include "daemon/supervisor/nofile.hpp"

namespace pm::sup {
namespace {

// pmd raises its open-file soft limit to the hard limit (many processes, two
// pipes and two files each); children must get the original limit back, as
// some programs misbehave with a huge one. libuv has no pre-exec hook, so the
// soft limit is lowered around the fork in uv_spawn.
int spawn_with_original_nofile(uv_loop_t* loop, uv_process_t* proc, const uv_process_options_t* opts) {
    rlimit current{};
    const rlimit& original = original_nofile_limit();
    bool swap = getrlimit(RLIMIT_NOFILE, &current) == 0 && current.rlim_cur != original.rlim_cur;
    if (swap) {
        // uv_spawn needs a few new fds (pipes); they take the lowest free
        // numbers. Lower the limit only while those stay under it.
        int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        swap = probe >= 0 && static_cast<rlim_t>(probe) + 16 < original.rlim_cur;
        if (probe >= 0) {
            ::close(probe);
        }
    }
    if (swap) {
        setrlimit(RLIMIT_NOFILE, &original);
    }
    int rc = uv_spawn(loop, proc, opts);
    if (swap) {
        setrlimit(RLIMIT_NOFILE, &current);
    }
    return rc;
}

// Why uv_spawn failed. A cwd the child cannot enter comes back as the
// program's ENOENT; the message says it is the directory.
std::string spawn_failure(std::string_view program, const char* cwd, int rc) {
    struct stat st {};
    int cwd_err = 0;
    if (::stat(cwd, &st) != 0) {
        cwd_err = uv_translate_sys_error(errno);
    } else if (!S_ISDIR(st.st_mode)) {
        cwd_err = UV_ENOTDIR;
    }
    if (cwd_err != 0) {
        return fmt::format("unable to spawn \"{}\": cwd {}: {} ({})", program, cwd, uv_err_name(cwd_err),
                           uv_strerror(cwd_err));
    }
    return fmt::format("unable to spawn \"{}\": {} ({})", program, uv_err_name(rc), uv_strerror(rc));
}

}  // namespace

std::vector<std::string> child_environment(const ProcessSpec& spec, std::uint32_t index, std::uint64_t id) {
    std::vector<std::string> env;
    env.reserve(spec.env.size() + 2);
    const std::string& var = spec.options.increment_var;
    for (const auto& e : spec.env) {
        std::string_view kv = e.view();
        if (kv.starts_with("PM_INSTANCE=") || kv.starts_with("PM_ID=")) {
            continue;  // pmd's own, below: one value, the one pm env shows
        }
        if (!var.empty() && kv.size() > var.size() && kv.substr(0, var.size()) == var && kv[var.size()] == '=') {
            long long base = std::atoll(e.c_str() + var.size() + 1);
            env.push_back(fmt::format("{}={}", var, base + index));  // PORT=3002 for instance 2 of 3000
            continue;
        }
        env.emplace_back(kv);
    }
    if (spec.listen) {
        add_listen_environment(env, *spec.listen);
    }
    env.push_back(fmt::format("PM_INSTANCE={}", index));
    env.push_back(fmt::format("PM_ID={}", id));
    return env;
}

Result<int> spawn_child(uv_loop_t* loop, uv_process_t* proc, const ProcessSpec& spec,
                        const std::vector<std::string>& env, const ChildStdio& stdio, uv_exit_cb on_exit) {
    std::vector<std::string> argv = strings_of(spec.argv);
    std::size_t sockets = spec.listen ? spec.listen->sockets.size() : 0;
    // Through the LISTEN_PID trampoline only when the program can be run: a
    // missing one is then spawned directly, and uv_spawn fails as without
    // sockets (a shell would exit 127 instead).
    if (sockets > 0 && check_executable(argv[0], spec.cwd.str(), env) == 0) {
        argv = with_listen_pid(argv);
    }
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);

    // fds 0..2, the listening sockets from 3, and up to the readiness fd
    // when one is configured (parse_listen_urls keeps the two apart).
    uv_stdio_container_t fds[64];
    int ready_fd = static_cast<int>(spec.options.ready_fd);
    int fd_count = std::max(ready_fd > 0 ? ready_fd + 1 : 3, k_listen_fds_start + static_cast<int>(sockets));
    for (int k = 3; k < fd_count; ++k) {
        fds[k].flags = UV_IGNORE;
    }
    for (std::size_t k = 0; k < sockets; ++k) {
        fds[k_listen_fds_start + k].flags = UV_INHERIT_FD;
        fds[k_listen_fds_start + k].data.fd = spec.listen->sockets[k]->fd.get();
    }
    const auto pipe_flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    if (ready_fd > 0) {
        fds[ready_fd].flags = pipe_flags;
        fds[ready_fd].data.stream = stdio.ready;
    }
    fds[0].flags = UV_IGNORE;
    fds[1].flags = pipe_flags;
    fds[1].data.stream = stdio.out;
    fds[2].flags = pipe_flags;
    fds[2].data.stream = stdio.err;

    uv_process_options_t opts{};
    opts.exit_cb = on_exit;
    opts.file = args[0];
    opts.args = args.data();
    opts.env = envp.data();
    opts.cwd = spec.cwd.c_str();
    opts.flags = UV_PROCESS_DETACHED;  // setsid(): own session and process group
    opts.stdio_count = fd_count;
    opts.stdio = fds;

    int rc = spawn_with_original_nofile(loop, proc, &opts);
    if (rc != 0) {
        return fail(ErrorCode::spawn_failed, spawn_failure(spec.argv[0].view(), opts.cwd, rc));
    }
    return proc->pid;
}

}  // namespace pm::sup
