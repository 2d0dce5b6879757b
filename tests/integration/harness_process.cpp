// Spawning, output capture and reaping for the integration harness.
#include "harness_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <doctest/doctest.h>
#include <thread>

namespace pm::test {

pid_t spawn_with_fds(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env,
                     int out_fd, int err_fd) {
    std::vector<std::string> argv_store;
    argv_store.push_back(path);
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_store) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_store = env;
    std::vector<char*> envp;
    for (auto& e : env_store) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        FAIL_CHECK("posix_spawn " << path << ": " << std::strerror(rc));
        return -1;
    }
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

Spawned spawn_captured(const std::string& path, const std::vector<std::string>& args,
                       const std::vector<std::string>& env) {
    Spawned s;
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        FAIL_CHECK("pipe2: " << std::strerror(errno));
        return s;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
        FAIL_CHECK("pipe2: " << std::strerror(errno));
        ::close(out[0]);
        ::close(out[1]);
        return s;
    }
    s.started = Clock::now();
    s.pid = spawn_with_fds(path, args, env, out[1], err[1]);
    ::close(out[1]);
    ::close(err[1]);
    s.out_fd = out[0];
    s.err_fd = err[0];
    return s;
}

namespace {

// Reads both pipes into `r` until EOF on each; false if `deadline` came first.
bool drain_pipes(Spawned& p, RunResult& r, Clock::time_point deadline) {
    while (p.out_fd >= 0 || p.err_fd >= 0) {
        pollfd fds[2];
        int n = 0;
        int* owners[2];
        std::string* sinks[2];
        if (p.out_fd >= 0) {
            fds[n] = pollfd{p.out_fd, POLLIN, 0};
            owners[n] = &p.out_fd;
            sinks[n++] = &r.out;
        }
        if (p.err_fd >= 0) {
            fds[n] = pollfd{p.err_fd, POLLIN, 0};
            owners[n] = &p.err_fd;
            sinks[n++] = &r.err;
        }
        int pr = ::poll(fds, static_cast<nfds_t>(n), remaining_ms(deadline));
        if (pr < 0 && errno == EINTR) {
            continue;
        }
        if (pr <= 0) {
            return false;
        }
        for (int i = 0; i < n; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            char buf[65536];
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(got));
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                ::close(fds[i].fd);
                *owners[i] = -1;
            }
        }
    }
    return true;
}

// Reaps `pid` into `status`; false if `deadline` came first (`timed_out` set).
bool reap_until(pid_t pid, int& status, Clock::time_point deadline, bool& timed_out) {
    while (pid > 0 && !timed_out) {
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            return true;
        }
        if (w < 0 && errno != EINTR) {
            return false;
        }
        if (Clock::now() >= deadline) {
            timed_out = true;
            return false;
        }
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

}  // namespace

RunResult finish(Spawned& p, Ms timeout) {
    RunResult r;
    auto deadline = p.started + timeout;
    bool timed_out = !drain_pipes(p, r, deadline);
    int status = 0;
    bool reaped = reap_until(p.pid, status, deadline, timed_out);
    if (timed_out && p.pid > 0) {
        FAIL_CHECK("process " << p.pid << " did not finish within " << timeout.count() << "ms; killing it");
        ::kill(p.pid, SIGKILL);
        while (::waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    for (int* fd : {&p.out_fd, &p.err_fd}) {
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
    }
    r.exit_code = reaped ? decode_status(status) : -1;
    r.elapsed = std::chrono::duration_cast<Ms>(Clock::now() - p.started);
    p.pid = -1;
    return r;
}

RunResult run_process(const std::string& path, const std::vector<std::string>& args,
                      const std::vector<std::string>& env, Ms timeout) {
    Spawned s = spawn_captured(path, args, env);
    return finish(s, timeout);
}

std::string describe(const RunResult& r) {
    return "exit " + std::to_string(r.exit_code) + " after " + std::to_string(r.elapsed.count()) +
           "ms\n  stdout: " + r.out + "\n  stderr: " + r.err;
}

}  // namespace pm::test
