// pm_sse_bench: N Server-Sent Events clients of pmd's web view, for
// scripts/bench (not a test). One thread, plain sockets and epoll: an HTTP
// or SSE library would add its own buffering and threads to the figures.
//
//   pm_sse_bench PORT TOKEN SELECTOR N WINDOW_MS PMD_PID LOGFILE
//
// Opens N streams `GET /api/v1/logs/SELECTOR/stream` on 127.0.0.1:PORT (at
// most 64 handshakes at a time, so the listen backlog never drops a SYN),
// then follows them for WINDOW_MS. The process behind SELECTOR is expected
// to print `stamp <realtime microseconds>` lines (pm_test_child stamps).
// The lines "written in the window" are those of LOGFILE (pmd's log file of
// that process) stamped inside it; a client is a success when it got
// exactly those, no `gap` event, and its stream stayed open. Prints one line.
//
//   pm_sse_bench --floor N ROUNDS
//
// The floor of any serial fan-out on this machine, with no pmd: one process
// writes a 160-byte event to N loopback TCP sockets in turn, every 50 ms,
// ROUNDS times; a second process (as the clients are) reads them with epoll
// and times each receipt against the round's start. Prints one line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::int64_t now_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "pm_sse_bench: %s\n", what.c_str());
    std::exit(1);
}

// Digits after `key` in text, or -1.
std::int64_t number_after(std::string_view text, std::string_view key) {
    auto at = text.find(key);
    if (at == std::string_view::npos) {
        return -1;
    }
    std::int64_t v = 0;
    bool any = false;
    for (std::size_t i = at + key.size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        v = v * 10 + (text[i] - '0');
        any = true;
    }
    return any ? v : -1;
}

enum class Phase { waiting, connecting, headers, streaming, refused, failed, closed };

struct Client {
    int fd = -1;
    Phase phase = Phase::waiting;
    std::int64_t t_connect = 0, t_first_bytes = 0, t_first_log = 0;
    std::string buf;                   // bytes not yet parsed (headers, or a partial SSE line)
    std::string event, data;           // the event being read
    std::vector<std::int64_t> stamps;  // of the log events received, in order
    std::vector<std::int64_t> lat_us;  // receipt minus stamp, of those in the window
    std::int64_t last_seq = -1;
    bool seq_hole = false;
    int gaps = 0;
};

struct Args {
    int port = 0;
    std::string token, selector, logfile;
    int n = 0;
    std::int64_t window_ms = 0;
    int pmd_pid = 0;
};

struct Bench {
    Args a;
    int ep = -1;
    std::vector<Client> clients;
    std::size_t next_to_start = 0;
    int in_handshake = 0;
    std::int64_t w0 = 0, w1 = 0;  // the window, realtime us (0 before it starts)
    std::string request;

    void start_one(std::size_t i) {
        Client& c = clients[i];
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) {
            die(std::string("socket: ") + std::strerror(errno));
        }
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(a.port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c.t_connect = now_us();
        c.phase = Phase::connecting;
        ++in_handshake;
        if (::connect(c.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
            finish(c, Phase::failed);
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }

    void finish(Client& c, Phase p) {
        if (c.phase == Phase::connecting || c.phase == Phase::headers) {
            --in_handshake;
        }
        c.phase = p;
        if (c.fd >= 0) {
            ::close(c.fd);  // also leaves the epoll set
            c.fd = -1;
        }
    }

    void top_up() {
        while (next_to_start < clients.size() && in_handshake < 64) {
            start_one(next_to_start++);
        }
    }

    void on_writable(std::size_t i) {
        Client& c = clients[i];
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || ::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
            finish(c, Phase::failed);
            return;
        }
        c.phase = Phase::headers;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
    }

    void on_event(Client& c, std::int64_t t) {
        if (c.event == "gap") {
            ++c.gaps;
        } else if (c.event == "log") {
            std::int64_t stamp = number_after(c.data, "\"line\":\"stamp ");
            std::int64_t seq = number_after(c.data, "\"seq\":");
            if (c.last_seq >= 0 && seq != c.last_seq + 1) {
                c.seq_hole = true;
            }
            c.last_seq = seq;
            if (c.t_first_log == 0) {
                c.t_first_log = t;
            }
            if (stamp >= 0) {
                c.stamps.push_back(stamp);
                if (w0 != 0 && stamp >= w0 && stamp < w1) {
                    c.lat_us.push_back(t - stamp);
                }
            }
        }
        c.event.clear();
        c.data.clear();
    }

    // SSE framing (the WHATWG rules pmd's stream needs: field lines, a
    // blank line ends an event, ':' starts a comment).
    void parse_sse(Client& c, std::int64_t t) {
        std::size_t start = 0;
        for (std::size_t nl; (nl = c.buf.find('\n', start)) != std::string::npos; start = nl + 1) {
            std::string_view line(c.buf.data() + start, nl - start);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            if (line.empty()) {
                on_event(c, t);
            } else if (line.rfind("event: ", 0) == 0) {
                c.event.assign(line.substr(7));
            } else if (line.rfind("data: ", 0) == 0) {
                c.data.append(line.substr(6));
            }
        }
        c.buf.erase(0, start);
    }

    void on_readable(std::size_t i) {
        Client& c = clients[i];
        char chunk[65536];
        for (;;) {
            ssize_t got = ::recv(c.fd, chunk, sizeof chunk, 0);
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return;
            }
            if (got <= 0) {
                finish(c, c.phase == Phase::streaming ? Phase::closed : Phase::failed);
                return;
            }
            std::int64_t t = now_us();
            if (c.t_first_bytes == 0) {
                c.t_first_bytes = t;
            }
            c.buf.append(chunk, static_cast<std::size_t>(got));
            if (c.phase == Phase::headers) {
                auto end = c.buf.find("\r\n\r\n");
                if (end == std::string::npos) {
                    continue;
                }
                if (c.buf.rfind("HTTP/1.1 200", 0) != 0) {
                    finish(c, Phase::refused);
                    return;
                }
                --in_handshake;
                c.phase = Phase::streaming;
                c.buf.erase(0, end + 4);
            }
            parse_sse(c, t);
        }
    }

    void poll_once(int timeout_ms) {
        epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, timeout_ms);
        for (int k = 0; k < n; ++k) {
            std::size_t i = evs[k].data.u64;
            Client& c = clients[i];
            if (c.fd < 0) {
                continue;
            }
            if (c.phase == Phase::connecting) {
                on_writable(i);
            } else {
                on_readable(i);
            }
        }
    }
};

long rss_kb(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    long v = -1;
    while (f >> key) {
        if (key == "VmRSS:") {
            f >> v;
            break;
        }
    }
    return v;
}

long cpu_ticks(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string all;
    std::getline(f, all);
    auto rp = all.rfind(')');
    if (rp == std::string::npos) {
        return -1;
    }
    // Fields after "pid (comm)": state is field 3; utime and stime are 14 and 15.
    std::vector<std::string> fields;
    std::size_t p = rp + 2;
    while (p < all.size() && fields.size() < 13) {
        auto sp = all.find(' ', p);
        fields.push_back(all.substr(p, sp - p));
        p = sp + 1;
    }
    return fields.size() == 13 ? std::stol(fields[11]) + std::stol(fields[12]) : -1;
}

double pct(std::vector<std::int64_t>& v, double q) {
    if (v.empty()) {
        return -1;
    }
    std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return static_cast<double>(v[k]) / 1000.0;
}

void raise_nofile(int n) {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < static_cast<rlim_t>(n) + 32) {
        die("the open-file limit " + std::to_string(lim.rlim_cur) + " is too low for " + std::to_string(n) +
            " clients");
    }
}

// Stamps of LOGFILE inside [w0, w1): the lines written in the window.
std::vector<std::int64_t> expected_stamps(const std::string& path, std::int64_t w0, std::int64_t w1) {
    std::ifstream f(path);
    std::vector<std::int64_t> out;
    for (std::string line; std::getline(f, line);) {
        std::int64_t s = number_after(line, "stamp ");
        if (s >= w0 && s < w1) {
            out.push_back(s);
        }
    }
    return out;
}

// --floor: the reading side, in a child process. Connects n sockets to
// `port`, then reads until every one is closed; writes "median p99 max"
// (ms) of the receipt latencies to `out`.
[[noreturn]] void floor_reader(int port, int n, int out) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < n; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            die(std::string("floor: connect: ") + std::strerror(errno));
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    std::vector<std::int64_t> lat;
    char buf[4096];
    for (int open = n; open > 0;) {
        epoll_event evs[64];
        int k = epoll_wait(ep, evs, 64, 1000);
        for (int j = 0; j < k; ++j) {
            ssize_t r = ::read(evs[j].data.fd, buf, sizeof buf);
            if (r <= 0) {
                ::close(evs[j].data.fd);
                --open;
                continue;
            }
            std::int64_t t = now_us();
            // Each event carries its round's start; several may arrive at once.
            for (std::string_view rest(buf, static_cast<std::size_t>(r));;) {
                std::int64_t sent = number_after(rest, "t=");
                if (sent < 0) {
                    break;
                }
                lat.push_back(t - sent);
                rest.remove_prefix(rest.find("t=") + 2);
            }
        }
    }
    std::string line = std::to_string(pct(lat, 0.5)) + " " + std::to_string(pct(lat, 0.99)) + " " +
                       std::to_string(pct(lat, 1.0)) + "\n";
    (void)!::write(out, line.data(), line.size());
    std::exit(0);
}

int floor_main(int n, int rounds) {
    raise_nofile(2 * n);
    int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(ls, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(ls, 4096) != 0 ||
        ::getsockname(ls, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        die(std::string("floor: listen: ") + std::strerror(errno));
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        die("floor: pipe");
    }
    pid_t child = ::fork();
    if (child == 0) {
        ::close(pipe_fds[0]);
        floor_reader(ntohs(sa.sin_port), n, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) {
        int fd = ::accept4(ls, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            die(std::string("floor: accept: ") + std::strerror(errno));
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as pmd's connections
        fds.push_back(fd);
    }
    std::vector<std::int64_t> round_us;
    for (int r = 0; r < rounds; ++r) {
        std::int64_t t0 = now_us();
        // The shape of one SSE log event (about 160 bytes).
        std::string ev = "event: log\ndata: {\"id\":0,\"name\":\"stamper\",\"stream\":\"out\",\"line\":\"stamp t=" +
                         std::to_string(t0) + "\"}\nid: 1764870000000:0.1234\n\n";
        for (int fd : fds) {
            if (::write(fd, ev.data(), ev.size()) != static_cast<ssize_t>(ev.size())) {
                die("floor: short write");
            }
        }
        round_us.push_back(now_us() - t0);
        timespec gap{0, 50 * 1000000L};
        nanosleep(&gap, nullptr);
    }
    for (int fd : fds) {
        ::close(fd);
    }
    char buf[256] = {};
    ssize_t got = ::read(pipe_fds[0], buf, sizeof buf - 1);
    int status = 0;
    ::waitpid(child, &status, 0);
    double med = 0, p99 = 0, mx = 0;
    if (got <= 0 || std::sscanf(buf, "%lf %lf %lf", &med, &p99, &mx) != 3) {
        die("floor: the reader reported nothing");
    }
    std::printf(
        "floor, %d loopback sockets written in turn (no pmd): one round of writes median %.2f ms, p99 %.2f ms "
        "(%.1f us a write); receipt latency of %d events: median %.2f ms, p99 %.2f ms, max %.2f ms\n",
        n, pct(round_us, 0.5), pct(round_us, 0.99), pct(round_us, 0.5) * 1000.0 / n, n * rounds, med, p99, mx);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string_view(argv[1]) == "--floor") {
        return floor_main(std::atoi(argv[2]), std::atoi(argv[3]));
    }
    if (argc != 8) {
        die("usage: pm_sse_bench PORT TOKEN SELECTOR N WINDOW_MS PMD_PID LOGFILE");
    }
    Bench b;
    b.a = Args{std::atoi(argv[1]),  argv[2],           argv[3], argv[7], std::atoi(argv[4]),
               std::atoll(argv[5]), std::atoi(argv[6])};
    raise_nofile(b.a.n);
    b.request = "GET /api/v1/logs/" + b.a.selector + "/stream HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(b.a.port) +
                "\r\nAuthorization: Bearer " + b.a.token + "\r\nAccept: text/event-stream\r\n\r\n";
    b.ep = epoll_create1(EPOLL_CLOEXEC);
    b.clients.resize(static_cast<std::size_t>(b.a.n));

    long rss0 = rss_kb(b.a.pmd_pid);
    std::int64_t t_open0 = now_us();
    std::int64_t connect_deadline = t_open0 + 60000000;
    b.top_up();
    while ((b.next_to_start < b.clients.size() || b.in_handshake > 0) && now_us() < connect_deadline) {
        b.poll_once(50);
        b.top_up();
    }
    std::int64_t t_open1 = now_us();

    // The window: every client that will stream is streaming.
    long tick0 = cpu_ticks(b.a.pmd_pid);
    b.w0 = now_us();
    b.w1 = b.w0 + b.a.window_ms * 1000;
    while (now_us() < b.w1) {
        b.poll_once(10);
    }
    long tick1 = cpu_ticks(b.a.pmd_pid);
    long rss1 = rss_kb(b.a.pmd_pid);
    std::int64_t grace = now_us() + 500000;  // lines stamped just before w1 still on their way
    while (now_us() < grace) {
        b.poll_once(10);
    }

    std::vector<std::int64_t> want = expected_stamps(b.a.logfile, b.w0, b.w1);
    int streaming = 0, refused = 0, failed = 0, closed = 0, ok = 0, with_gap = 0;
    std::vector<std::int64_t> lat, first_bytes, first_log;
    std::map<std::int64_t, std::int64_t> first_copy;  // stamp -> its earliest receipt latency
    for (Client& c : b.clients) {
        refused += c.phase == Phase::refused;
        failed += c.phase == Phase::failed || c.phase == Phase::connecting || c.phase == Phase::headers;
        closed += c.phase == Phase::closed;
        if (c.phase != Phase::streaming && c.phase != Phase::closed) {
            continue;
        }
        streaming += c.phase == Phase::streaming;
        with_gap += c.gaps > 0 || c.seq_hole;
        first_bytes.push_back(c.t_first_bytes - c.t_connect);
        if (c.t_first_log != 0) {
            first_log.push_back(c.t_first_log - c.t_connect);
        }
        std::vector<std::int64_t> got;
        for (auto s : c.stamps) {
            if (s >= b.w0 && s < b.w1) {
                got.push_back(s);
            }
        }
        std::sort(got.begin(), got.end());
        ok += c.phase == Phase::streaming && c.gaps == 0 && !c.seq_hole && got == want;
        lat.insert(lat.end(), c.lat_us.begin(), c.lat_us.end());
        for (std::size_t k = 0, j = 0; k < c.stamps.size(); ++k) {
            std::int64_t s = c.stamps[k];
            if (s >= b.w0 && s < b.w1 && j < c.lat_us.size()) {
                auto [it, fresh] = first_copy.emplace(s, c.lat_us[j]);
                it->second = fresh ? it->second : std::min(it->second, c.lat_us[j]);
                ++j;
            }
        }
    }
    // The first client to get each line: pmd's own delay, before the fan-out
    // to the others (and this one-thread client's reading) adds to it.
    std::vector<std::int64_t> first_lat;
    for (const auto& [s, l] : first_copy) {
        first_lat.push_back(l);
    }
    long hz = sysconf(_SC_CLK_TCK);
    double cpu_ms = static_cast<double>(tick1 - tick0) * 1000.0 / static_cast<double>(hz);
    double wall_ms = static_cast<double>(b.w1 - b.w0) / 1000.0;
    std::printf(
        "clients %d: %d/%d got every line (%zu lines in %.0f s), %d streaming, %d refused (non-200), "
        "%d failed, %d closed by pmd, %d with a gap; open all: %.0f ms; connect to response head: median %.2f ms, "
        "p99 %.2f ms; connect to first log event: median %.1f ms, p99 %.1f ms; line latency (stamp to "
        "receipt) of %zu events: median %.2f ms, p99 %.2f ms, max %.2f ms (first copy of each line: median %.2f ms, "
        "p99 %.2f ms); pmd RSS %ld -> %ld kB (+%ld kB); "
        "pmd CPU %.0f ms in %.0f s (%.1f %% of a core)\n",
        b.a.n, ok, b.a.n, want.size(), wall_ms / 1000, streaming, refused, failed, closed, with_gap,
        static_cast<double>(t_open1 - t_open0) / 1000.0, pct(first_bytes, 0.5), pct(first_bytes, 0.99),
        pct(first_log, 0.5), pct(first_log, 0.99), lat.size(), pct(lat, 0.5), pct(lat, 0.99), pct(lat, 1.0),
        pct(first_lat, 0.5), pct(first_lat, 0.99), rss0, rss1, rss1 - rss0, cpu_ms, wall_ms / 1000,
        cpu_ms / wall_ms * 100.0);
    return 0;
}
