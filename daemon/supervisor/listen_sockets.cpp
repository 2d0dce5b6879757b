// Listening sockets: bind (TCP v4/v6, unix), the protocol's environment, the
// LISTEN_PID trampoline and the executable check that goes with it.
#include "daemon/supervisor/listen_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace pm::sup {
namespace {

Error bind_error(const ListenUrl& url, std::string_view action, int err) {
    int uv = uv_translate_sys_error(err);
    return Error{ErrorCode::io_error,
                 fmt::format("listen {}: unable to {}: {} ({})", url.canonical(), action, uv_err_name(uv), uv_strerror(uv))};
}

// socket() + bind() + listen() on `addr`; the fd, or the failed step's error.
Result<UniqueFd> bind_and_listen(const ListenUrl& url, const sockaddr* addr, socklen_t len) {
    UniqueFd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        return bind_error(url, "create a socket", errno);
    }
    if (addr->sa_family != AF_UNIX) {
        // As every server does: a restarted pmd rebinds while old
        // connections of the port sit in TIME_WAIT.
        int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (::bind(fd.get(), addr, len) != 0) {
        return bind_error(url, "bind", errno);
    }
    // The backlog is where connections wait while no instance accepts (a
    // reload of a single instance): the kernel's largest.
    if (::listen(fd.get(), SOMAXCONN) != 0) {
        return bind_error(url, "listen", errno);
    }
    return fd;
}

Result<std::shared_ptr<ListenSocket>> bind_tcp(const ListenUrl& url) {
    auto s = std::make_shared<ListenSocket>();
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (url.host.find(':') != std::string::npos) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(static_cast<std::uint16_t>(url.port));
        inet_pton(AF_INET6, url.host.c_str(), &a6->sin6_addr);  // checked by parse_listen_url
        len = sizeof *a6;
    } else {
        auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
        a4->sin_family = AF_INET;
        a4->sin_port = htons(static_cast<std::uint16_t>(url.port));
        inet_pton(AF_INET, url.host.c_str(), &a4->sin_addr);
        len = sizeof *a4;
    }
    PM_TRY_ASSIGN(s->fd, bind_and_listen(url, reinterpret_cast<sockaddr*>(&ss), len));
    int port = url.port;
    if (::getsockname(s->fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    }
    s->url = url;
    ListenUrl real = url;
    real.port = port;
    s->bound = real.canonical();
    s->name = listen_fd_name(url, port);
    return s;
}

// A socket file left by a server that is gone refuses connections: it is
// removed and bound again. One that still answers, or any other file, is
// EADDRINUSE.
Result<std::shared_ptr<ListenSocket>> bind_unix(const ListenUrl& url) {
    auto s = std::make_shared<ListenSocket>();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, url.path.c_str(), url.path.size() + 1);  // length checked by parse_listen_url
    struct stat st {};
    if (::lstat(url.path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return bind_error(url, "bind (the path exists and is not a socket)", EADDRINUSE);
        }
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        bool stale = probe.valid() && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
                     errno == ECONNREFUSED;
        if (!stale) {
            return bind_error(url, "bind (a server answers on it)", EADDRINUSE);
        }
        ::unlink(url.path.c_str());
    }
    PM_TRY_ASSIGN(s->fd, bind_and_listen(url, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    if (::stat(url.path.c_str(), &st) == 0) {
        s->dev = st.st_dev;
        s->ino = st.st_ino;
    }
    s->url = url;
    s->bound = url.canonical();
    s->name = listen_fd_name(url, 0);
    return s;
}

}  // namespace

ListenSocket::~ListenSocket() {
    struct stat st {};
    if (url.kind == ListenUrl::Kind::unix_path && ino != 0 && ::stat(url.path.c_str(), &st) == 0 &&
        st.st_dev == dev && st.st_ino == ino) {
        ::unlink(url.path.c_str());
    }
}

Result<std::shared_ptr<const ListenSet>> bind_listen_set(const std::vector<ListenUrl>& urls, const ListenSet* current,
                                                         std::string node_preload) {
    auto set = std::make_shared<ListenSet>();
    set->node_preload = std::move(node_preload);
    for (const auto& url : urls) {
        std::shared_ptr<const ListenSocket> kept;
        if (current != nullptr && !(url.kind == ListenUrl::Kind::tcp && url.port == 0)) {
            for (const auto& s : current->sockets) {
                if (s->url == url) {
                    kept = s;
                }
            }
        }
        if (kept) {
            set->sockets.push_back(std::move(kept));
            continue;
        }
        // On an error `set` goes, closing what this call bound.
        auto bound = url.kind == ListenUrl::Kind::tcp ? bind_tcp(url) : bind_unix(url);
        if (!bound) {
            return bound.error();
        }
        set->sockets.push_back(std::move(*bound));
    }
    return std::shared_ptr<const ListenSet>(std::move(set));
}

void add_listen_environment(std::vector<std::string>& env, const ListenSet& set) {
    std::string names;
    for (const auto& s : set.sockets) {
        names += (names.empty() ? "" : ":") + s->name;
    }
    std::string node_options;
    std::erase_if(env, [&](const std::string& kv) {
        if (kv.starts_with("NODE_OPTIONS=")) {
            node_options = kv.substr(13);
            return !set.node_preload.empty();
        }
        return kv.starts_with("LISTEN_FDS=") || kv.starts_with("LISTEN_FDNAMES=") || kv.starts_with("LISTEN_PID=");
    });
    env.push_back(fmt::format("LISTEN_FDS={}", set.sockets.size()));
    env.push_back("LISTEN_FDNAMES=" + names);
    if (!set.node_preload.empty()) {
        // NODE_OPTIONS takes a double-quoted value with backslash escapes.
        std::string quoted;
        for (char c : set.node_preload) {
            if (c == '"' || c == '\\') {
                quoted += '\\';
            }
            quoted += c;
        }
        env.push_back(fmt::format("NODE_OPTIONS={}{}--require \"{}\"", node_options, node_options.empty() ? "" : " ",
                                  quoted));
    }
}

std::vector<std::string> with_listen_pid(const std::vector<std::string>& argv) {
    // exec keeps the shell's pid, so $$ is the program's pid too.
    std::vector<std::string> out{"/bin/sh", "-c", "LISTEN_PID=$$; export LISTEN_PID; exec \"$@\"", "pm-listen"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

int check_executable(const std::string& program, const std::string& cwd, const std::vector<std::string>& env) {
    auto runnable = [](const std::string& path) -> int {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            return UV_ENOENT;
        }
        return S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0 ? 0 : UV_EACCES;
    };
    if (program.find('/') != std::string::npos) {
        return runnable(program[0] == '/' ? program : cwd + "/" + program);
    }
    std::string path = "/bin:/usr/bin";  // execvp's default
    for (const auto& kv : env) {
        if (kv.starts_with("PATH=")) {
            path = kv.substr(5);
        }
    }
    int result = UV_ENOENT;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::string full = dir.empty() ? cwd + "/" + program : (dir[0] == '/' ? dir : cwd + "/" + dir) + "/" + program;
        int rc = runnable(full);
        if (rc == 0) {
            return 0;
        }
        if (rc == UV_EACCES) {
            result = UV_EACCES;  // as execvp: EACCES when one was found but not runnable
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return result;
}

}  // namespace pm::sup
