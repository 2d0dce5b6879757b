// Instance spawning: the child's argv, environment and stdio, uv_spawn with
// the original open-file limit, and what a spawn failure means.
#include "daemon/supervisor/instance.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>
#include <fmt/format.h>

#include "daemon/error_log.hpp"
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

}  // namespace

std::vector<std::string> Instance::environment() const {
    std::vector<std::string> env;
    env.reserve(m_spec->env.size() + 2);
    const std::string& var = m_spec->increment_var;
    for (const auto& e : m_spec->env) {
        std::string_view kv = e.view();
        if (kv.starts_with("PM_INSTANCE=") || kv.starts_with("PM_ID=")) {
            continue;  // pmd's own, below: one value, the one pm env shows
        }
        if (!var.empty() && kv.size() > var.size() && kv.substr(0, var.size()) == var && kv[var.size()] == '=') {
            long long base = std::atoll(e.c_str() + var.size() + 1);
            env.push_back(fmt::format("{}={}", var, base + m_index));  // PORT=3002 for instance 2 of 3000
            continue;
        }
        env.emplace_back(kv);
    }
    env.push_back(fmt::format("PM_INSTANCE={}", m_index));
    env.push_back(fmt::format("PM_ID={}", m_id));
    return env;
}

void Instance::spawn() {
    kill_leftovers();
    bool respawn = std::exchange(m_respawn, false);
    // stdout/stderr go through pipes into the log pipeline (ring, files, followers).
    auto pipes = m_hub.make_pipes(m_id);
    std::vector<char*> args;
    for (const auto& a : m_spec->argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    std::vector<std::string> env_strings = environment();
    std::vector<char*> env;
    for (auto& e : env_strings) {
        env.push_back(e.data());
    }
    env.push_back(nullptr);

    // fds 0..2, and up to the readiness fd when one is configured.
    uv_stdio_container_t stdio[64];
    int stdio_count = m_spec->ready_fd > 0 ? m_spec->ready_fd + 1 : 3;
    for (int k = 3; k < stdio_count; ++k) {
        stdio[k].flags = UV_IGNORE;
    }
    if (m_spec->ready_fd > 0) {
        m_ready_pipe.close(true);
        uv_pipe_init(m_loop, m_ready_pipe.get(), 0);
        m_ready_pipe.initialised();
        m_ready_pipe.get()->data = this;
        stdio[m_spec->ready_fd].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
        stdio[m_spec->ready_fd].data.stream = reinterpret_cast<uv_stream_t*>(m_ready_pipe.get());
    }
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(pipes.first->pipe());
    stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(pipes.second->pipe());

    uv_process_options_t opts{};
    opts.exit_cb = exit_cb;
    opts.file = args[0];
    opts.args = args.data();
    opts.env = env.data();
    opts.cwd = m_spec->cwd.c_str();
    opts.flags = UV_PROCESS_DETACHED;  // setsid(): own session and process group
    opts.stdio_count = stdio_count;
    opts.stdio = stdio;

    m_proc.close(true);
    int rc = spawn_with_original_nofile(m_loop, m_proc.get(), &opts);
    m_proc.initialised();  // uv_spawn initialises the handle even when it fails
    if (rc != 0) {
        m_ready_pipe.close();
        m_hub.discard_pipes(pipes);
        m_proc.close(true);
        m_last_error = fmt::format("unable to spawn \"{}\": {} ({})", m_spec->argv[0].view(),
                                   uv_err_name(rc), uv_strerror(rc));
        report_error(ErrorKind::spawn_failed, fmt::format("{}: {}", display_name(), m_last_error));
        if (respawn) {
            respawn_failed();
        } else {
            handle(ProcEvent::spawn_failed);  // the user's start: fail at once, no retry loop
        }
        return;
    }
    m_hub.start_pipes(pipes);
    m_last_error.clear();  // a spawn failure of an automatic restart is over
    m_proc.get()->data = this;
    m_escalated = false;
    m_stable = m_spec->restart.min_uptime_ms == 0;
    m_pid = m_proc.get()->pid;
    // The loop's cached time dates from the start of this iteration; the
    // spawn floor is measured from here, so it must not start early.
    uv_update_time(m_loop);
    m_started_ms = static_cast<std::int64_t>(uv_now(m_loop));
    if (m_spec->needs_ready()) {
        start_readiness();
        handle(ProcEvent::spawn_ok_unready);
        return;
    }
    handle(ProcEvent::spawn_ok);
}

}  // namespace pm::sup
