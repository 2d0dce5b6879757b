// Client: connect/autostart, request/reply over NDJSON with a deadline.
#include "cli/client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <thread>

extern char** environ;

namespace pm::cli {
namespace {

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

std::string find_pmd() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        std::string self(buf, static_cast<std::size_t>(n));
        auto slash = self.rfind('/');
        std::string candidate = self.substr(0, slash + 1) + "pmd";
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return "pmd";
}

Client::Client(ClientOptions opts) : m_opts(std::move(opts)) {
    m_deadline = std::chrono::steady_clock::now() + m_opts.timeout;
}

Result<void> Client::try_connect() {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        return fail(ErrorCode::unreachable, fmt::format("socket: {}", std::strerror(errno)));
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = m_opts.paths.sock();
    if (path.size() >= sizeof addr.sun_path) {
        return fail(ErrorCode::unreachable, fmt::format("socket path too long: {}", path));
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        return fail(ErrorCode::unreachable,
                    fmt::format("pmd is not running ({}: {})", path, std::strerror(errno)));
    }
    m_fd = std::move(fd);
    return {};
}

Result<void> Client::start_daemon() {
    std::string pmd = find_pmd();
    // pmd detaches and exits once its socket is bound (or on failure); losing
    // the lock race to another pm's pmd is fine: we connect to the winner.
    std::vector<char*> argv{pmd.data(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    // pmd's start-up errors (bad PM_HOME, ...) come back on a pipe.
    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return fail(ErrorCode::unreachable, fmt::format("pipe: {}", std::strerror(errno)));
    }
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, pmd.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(err_pipe[1]);
    UniqueFd err_read(err_pipe[0]);
    if (rc != 0) {
        return fail(ErrorCode::unreachable,
                    fmt::format("unable to start pmd ({}): {}", pmd, std::strerror(rc)));
    }
    std::string message;
    char buf[1024];
    ssize_t n = 0;
    while ((n = ::read(err_read.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0 && message.size() < 4096) {
            message.append(buf, static_cast<std::size_t>(n));
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // Losing the start race to another pm's pmd is fine: we use the winner.
    bool lost_race = WIFEXITED(status) && WEXITSTATUS(status) == k_pmd_exit_already_running;
    bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    if (failed && !lost_race) {
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
            message.pop_back();
        }
        return fail(ErrorCode::unreachable,
                    message.empty() ? std::string("pmd failed to start") : message);
    }
    return {};
}

Result<void> Client::connect() {
    if (try_connect()) {
        return {};
    }
    if (!m_opts.autostart) {
        return try_connect();
    }
    if (auto started = start_daemon(); !started) {
        return started;
    }
    auto delay = std::chrono::milliseconds(2);
    for (;;) {
        auto ok = try_connect();
        if (ok || remaining_ms(m_deadline) == 0) {
            return ok;
        }
        std::this_thread::sleep_for(delay);  // connect retry backoff, bounded by the deadline
        delay = std::min(delay * 2, std::chrono::milliseconds(100));
    }
}

Result<void> Client::send_all(std::string_view bytes) {
    while (!bytes.empty()) {
        pollfd p{m_fd.get(), POLLOUT, 0};
        int pr = ::poll(&p, 1, remaining_ms(m_deadline));
        if (pr == 0) {
            return fail(ErrorCode::timeout, "timed out writing to pmd");
        }
        ssize_t n = ::send(m_fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return fail(ErrorCode::unreachable, fmt::format("lost pmd: {}", std::strerror(errno)));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

Result<std::string> Client::read_line(bool forever) {
    std::string line;
    for (;;) {
        auto st = m_framer.next(line);
        if (st == LineFramer::Status::line) {
            return line;
        }
        if (st == LineFramer::Status::overflow) {
            return fail(ErrorCode::internal, "reply from pmd is too long");
        }
        pollfd p{m_fd.get(), POLLIN, 0};
        int pr = ::poll(&p, 1, forever ? -1 : remaining_ms(m_deadline));
        if (pr == 0) {
            return fail(ErrorCode::timeout,
                        fmt::format("pmd did not answer within {}ms", m_opts.timeout.count()));
        }
        if (pr < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail(ErrorCode::unreachable, std::strerror(errno));
        }
        if (auto ok = fill(); !ok) {
            return ok.error();
        }
    }
}

Result<json> Client::call_raw(std::string_view line) {
    if (auto ok = send_all(line); !ok) {
        return ok.error();
    }
    return read_message(false);
}

Result<std::int64_t> Client::send_request(std::string_view cmd, const json& args) {
    std::int64_t id = m_next_id++;
    if (auto ok = send_all(to_line(make_request(id, cmd, args))); !ok) {
        return ok.error();
    }
    return id;
}

Result<json> Client::read_message(bool forever) {
    auto line = read_line(forever);
    if (!line) {
        return line.error();
    }
    json msg = json::parse(*line, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) {
        return fail(ErrorCode::internal, "pmd sent a line that is not JSON");
    }
    return msg;
}

// One read of what the socket has into the framer; EINTR and EAGAIN read
// nothing and are not errors (the caller polls again).
Result<void> Client::fill() {
    char buf[65536];
    ssize_t n = ::read(m_fd.get(), buf, sizeof buf);
    if (n == 0) {
        return fail(ErrorCode::unreachable, "pmd closed the connection");
    }
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            return {};
        }
        return fail(ErrorCode::unreachable, fmt::format("lost pmd: {}", std::strerror(errno)));
    }
    m_framer.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    return {};
}

std::optional<json> Client::take_buffered() {
    std::string line;
    while (m_framer.next(line) == LineFramer::Status::line) {
        json msg = json::parse(line, nullptr, false);
        if (msg.is_object()) {
            return msg;
        }
    }
    return std::nullopt;
}

Error reply_error(const json& m) {
    Error err{ErrorCode::internal, "malformed error reply"};
    if (auto it = m.find("error"); it != m.end() && it->is_object()) {
        err.code = error_code_from_string(it->value("code", "internal")).value_or(ErrorCode::internal);
        err.message = it->value("message", "");
    }
    return err;
}

Result<json> Client::call(std::string_view cmd, const json& args) {
    auto msg = call_raw(to_line(make_request(m_next_id++, cmd, args)));
    if (!msg) {
        return msg.error();
    }
    const json& m = *msg;
    if (m.value("ok", false)) {
        return m.contains("result") ? m["result"] : json::object();
    }
    return reply_error(m);
}

}  // namespace pm::cli
