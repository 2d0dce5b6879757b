// Runs node on a loader that prints a JS ecosystem file's export as JSON.
#include "cli/ecosystem_js.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <string_view>
#include <thread>
#include <vector>

namespace pm::cli {
namespace {

// process.argv[1] is the file. Errors go to stderr (stack, trimmed) with
// exit status 1; the JSON goes to stdout only on success.
constexpr const char* k_loader = R"JS(
'use strict';
const path = require('path');
const { pathToFileURL } = require('url');
const abs = path.resolve(process.argv[1]);
async function importDefault() {
  const ns = await import(pathToFileURL(abs).href);
  return ns.default;
}
async function load() {
  let mod;
  if (abs.endsWith('.mjs')) {
    mod = await importDefault();
  } else {
    try {
      mod = require(abs);
    } catch (e) {
      if (e && e.code === 'ERR_REQUIRE_ESM') {
        mod = await importDefault();
      } else {
        throw e;
      }
    }
  }
  // require() of an ES module (newer node) gives its namespace object.
  if (mod !== null && typeof mod === 'object' && 'default' in mod &&
      (mod[Symbol.toStringTag] === 'Module' || mod.__esModule === true)) {
    mod = mod.default;
  }
  if (typeof mod === 'function') {
    mod = mod();
  }
  mod = await mod;
  const out = JSON.stringify(mod);
  if (out === undefined) {
    throw new Error('the file exports nothing that JSON can hold');
  }
  process.stdout.write(out);
}
load().catch((e) => {
  let text = (e && e.stack) ? String(e.stack) : String(e);
  if (e && e.message && !text.includes(String(e.message))) {
    text = String(e.message) + '\n' + text;
  }
  const lines = text.split('\n');
  const kept = [];
  let frames = 0;
  for (const line of lines) {
    if (/^\s+at /.test(line)) {
      if (++frames > 1) continue;
    }
    kept.push(line);
    if (kept.length >= 8) break;
  }
  process.stderr.write(kept.join('\n') + '\n');
  process.exitCode = 1;
});
)JS";

constexpr std::size_t k_max_stdout = 16U * 1024U * 1024U;
constexpr std::size_t k_max_stderr = 64U * 1024U;
constexpr std::size_t k_max_message = 2048;
constexpr int k_message_lines = 8;

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }
    void reset() {
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }

private:
    int m_fd = -1;
};

std::string find_on_path(const std::string& name) {
    const char* env = std::getenv("PATH");
    std::string_view paths = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        auto colon = paths.find(':');
        std::string dir(paths.substr(0, colon));
        if (dir.empty()) {
            dir = ".";
        }
        std::string candidate = dir + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        if (colon == std::string_view::npos) {
            return {};
        }
        paths.remove_prefix(colon + 1);
    }
}

// Node's message, trimmed: first few lines, at most ~2 KB.
std::string trim_message(const std::string& text) {
    std::string out;
    int lines = 0;
    std::size_t pos = 0;
    while (pos < text.size() && lines < k_message_lines) {
        auto nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
            line.pop_back();
        }
        if (line.empty() && out.empty()) {
            continue;
        }
        if (!out.empty()) {
            out += '\n';
        }
        out += line;
        ++lines;
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    if (out.size() > k_max_message) {
        out.resize(k_max_message);
        out += "...";
    }
    return out;
}

void kill_and_reap(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Result<json> eval_js_ecosystem(const std::string& path) {
    return eval_js_ecosystem(path, 10000);
}

Result<json> eval_js_ecosystem(const std::string& path, int timeout_ms) {
    std::string node = find_on_path("node");
    if (node.empty()) {
        return fail(ErrorCode::not_found,
                    fmt::format("node is needed to read {}: install Debian's nodejs package (apt-get install nodejs)",
                                path));
    }

    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        return fail(ErrorCode::spawn_failed, fmt::format("{}: pipe: {}", path, std::strerror(errno)));
    }
    Fd out_read(out_pipe[0]);
    Fd out_write(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        return fail(ErrorCode::spawn_failed, fmt::format("{}: pipe: {}", path, std::strerror(errno)));
    }
    Fd err_read(err_pipe[0]);
    Fd err_write(err_pipe[1]);
    Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));

    // Everything the child needs is built before fork.
    std::string arg_e = "-e";
    std::string loader = k_loader;
    std::string file = path;
    std::vector<char*> argv{node.data(), arg_e.data(), loader.data(), file.data(), nullptr};

    pid_t pid = ::fork();
    if (pid < 0) {
        return fail(ErrorCode::spawn_failed, fmt::format("{}: fork: {}", path, std::strerror(errno)));
    }
    if (pid == 0) {
        if (dev_null.get() >= 0) {
            ::dup2(dev_null.get(), STDIN_FILENO);
        }
        ::dup2(out_write.get(), STDOUT_FILENO);
        ::dup2(err_write.get(), STDERR_FILENO);
        ::execv(argv[0], argv.data());
        static constexpr char k_msg[] = "cannot run node\n";
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, k_msg, sizeof k_msg - 1);
        ::_exit(127);
    }
    out_write.reset();
    err_write.reset();
    dev_null.reset();

    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    auto timed_out = [&] {
        kill_and_reap(pid);
        return fail(ErrorCode::timeout,
                    fmt::format("{}: node did not finish within {} s; stopped it", path, timeout_ms / 1000.0));
    };

    std::string out;
    std::string err;
    bool out_open = true;
    bool err_open = true;
    char buf[65536];
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            return timed_out();
        }
        pollfd fds[2];
        nfds_t n = 0;
        if (out_open) {
            fds[n++] = pollfd{out_read.get(), POLLIN, 0};
        }
        if (err_open) {
            fds[n++] = pollfd{err_read.get(), POLLIN, 0};
        }
        int r = ::poll(fds, n, static_cast<int>(std::min<long long>(left, 100)));
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            kill_and_reap(pid);
            return fail(ErrorCode::io_error, fmt::format("{}: poll: {}", path, std::strerror(e)));
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            bool is_out = fds[i].fd == out_read.get();
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
                continue;
            }
            if (got <= 0) {
                (is_out ? out_open : err_open) = false;
                continue;
            }
            std::string& dst = is_out ? out : err;
            dst.append(buf, static_cast<std::size_t>(got));
            if (is_out && out.size() > k_max_stdout) {
                kill_and_reap(pid);
                return fail(ErrorCode::limit_reached,
                            fmt::format("{}: node printed more than {} MiB", path, k_max_stdout / (1024 * 1024)));
            }
            if (!is_out && err.size() > k_max_stderr) {
                err.resize(k_max_stderr);
            }
        }
    }
    out_read.reset();
    err_read.reset();

    int status = 0;
    while (true) {
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            return fail(ErrorCode::internal, fmt::format("{}: waitpid: {}", path, std::strerror(errno)));
        }
        if (Clock::now() >= deadline) {
            return timed_out();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string msg = trim_message(err);
        if (msg.empty()) {
            msg = WIFSIGNALED(status) ? fmt::format("node was killed by signal {}", WTERMSIG(status))
                                      : fmt::format("node exited with status {}", WEXITSTATUS(status));
        }
        return fail(ErrorCode::bad_args, fmt::format("{}: {}", path, msg));
    }
    json parsed = json::parse(out, nullptr, false);
    if (parsed.is_discarded()) {
        return fail(ErrorCode::invalid_json, fmt::format("{}: node's output is not JSON", path));
    }
    return parsed;
}

}  // namespace pm::cli
