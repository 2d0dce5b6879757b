// pm_bench: protocol-level measurements for scripts/bench (not a test).
//   pm_bench ping N              N sequential pings on one connection
//   pm_bench start N CMD...      N starts on one connection until all online
//   pm_bench follow F NAME N     F followers of NAME; N "stamp <us>" lines;
//                                prints write-to-receipt latency percentiles
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/line_framer.hpp"
#include "common/paths.hpp"

namespace {

using json = nlohmann::json;

int connect_pmd() {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = pm::resolve_paths().sock();
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("connect");
        std::exit(1);
    }
    return fd;
}

void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n <= 0) {
            std::perror("write");
            std::exit(1);
        }
        off += static_cast<std::size_t>(n);
    }
}

struct Reader {
    int fd;
    pm::LineFramer framer{1 << 26};
    bool next(std::string& line) {
        for (;;) {
            if (framer.next(line) == pm::LineFramer::Status::line) {
                return true;
            }
            char buf[65536];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) {
                return false;
            }
            framer.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        }
    }
};

double pct(std::vector<double>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::int64_t now_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

int bench_ping(int n) {
    int fd = connect_pmd();
    Reader r{fd};
    std::vector<double> lat;
    lat.reserve(static_cast<std::size_t>(n));
    auto start = std::chrono::steady_clock::now();
    std::string line;
    for (int i = 0; i < n; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        send_all(fd, "{\"id\":" + std::to_string(i) + ",\"cmd\":\"ping\"}\n");
        if (!r.next(line)) {
            return 1;
        }
        lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("ping: %d requests in %.3f s = %.0f req/s; latency p50 %.1f us, p99 %.1f us\n", n, secs,
                n / secs, pct(lat, 0.5), pct(lat, 0.99));
    return 0;
}

// N start requests on one connection, then list until every instance is online.
int bench_start(int n, const std::vector<std::string>& argv) {
    int fd = connect_pmd();
    Reader r{fd};
    std::string line;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        std::string name = "b";
        name += std::to_string(i);
        json req{{"id", i}, {"cmd", "start"}, {"args", {{"name", name}, {"argv", argv}, {"cwd", "/"}}}};
        send_all(fd, req.dump() + "\n");
    }
    for (int i = 0; i < n; ++i) {
        if (!r.next(line)) {
            return 1;
        }
    }
    for (;;) {
        send_all(fd, "{\"id\":\"l\",\"cmd\":\"list\"}\n");
        if (!r.next(line)) {
            return 1;
        }
        auto j = json::parse(line, nullptr, false);
        int online = 0;
        for (const auto& p : j["result"]["processes"]) {
            online += p.value("state", "") == "online" ? 1 : 0;
        }
        if (online >= n) {
            break;
        }
        if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(30)) {
            std::fprintf(stderr, "start: only %d of %d online after 30 s\n", online, n);
            return 1;
        }
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("start: %d processes on one connection until all online: %.1f ms\n", n, ms);
    return 0;
}

int bench_follow(int followers, const std::string& name, int lines) {
    std::vector<int> fds;
    for (int f = 0; f < followers; ++f) {
        int fd = connect_pmd();
        send_all(fd, "{\"id\":1,\"cmd\":\"logs\",\"args\":{\"selector\":\"" + name +
                         "\",\"lines\":0,\"follow\":true}}\n");
        fds.push_back(fd);
    }
    std::vector<Reader> readers;
    for (int fd : fds) {
        readers.push_back(Reader{fd});
    }
    // Wait for every subscription reply.
    std::string line;
    for (auto& r : readers) {
        while (r.next(line) && line.find("\"ok\"") == std::string::npos) {
        }
    }
    std::printf("ready\n");
    std::fflush(stdout);
    std::vector<double> lat;
    std::vector<pollfd> pfds;
    for (int fd : fds) {
        pfds.push_back(pollfd{fd, POLLIN, 0});
    }
    std::vector<int> got(static_cast<std::size_t>(followers), 0);
    int done = 0;
    while (done < followers) {
        if (::poll(pfds.data(), pfds.size(), 10000) <= 0) {
            break;
        }
        for (std::size_t k = 0; k < pfds.size(); ++k) {
            if (!(pfds[k].revents & POLLIN)) {
                continue;
            }
            char buf[65536];
            ssize_t n = ::read(pfds[k].fd, buf, sizeof buf);
            std::int64_t t = now_us();
            if (n <= 0) {
                pfds[k].fd = -1;
                ++done;
                continue;
            }
            readers[k].framer.feed(std::string_view(buf, static_cast<std::size_t>(n)));
            while (readers[k].framer.next(line) == pm::LineFramer::Status::line) {
                auto j = json::parse(line, nullptr, false);
                std::string text = j.is_object() ? j["data"].value("line", "") : "";
                if (text.rfind("stamp ", 0) == 0) {
                    lat.push_back(static_cast<double>(t - std::atoll(text.c_str() + 6)) / 1000.0);
                    if (++got[k] == lines) {
                        pfds[k].fd = -1;
                        ++done;
                    }
                }
            }
        }
    }
    std::size_t total = lat.size();
    std::printf("follow: %d followers, %zu of %d lines received; latency median %.3f ms, p99 %.3f ms\n",
                followers, total, followers * lines, pct(lat, 0.5), pct(lat, 0.99));
    return total == static_cast<std::size_t>(followers * lines) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::string(argv[1]) == "ping") {
        return bench_ping(std::atoi(argv[2]));
    }
    if (argc >= 4 && std::string(argv[1]) == "start") {
        return bench_start(std::atoi(argv[2]), std::vector<std::string>(argv + 3, argv + argc));
    }
    if (argc >= 5 && std::string(argv[1]) == "follow") {
        return bench_follow(std::atoi(argv[2]), argv[3], std::atoi(argv[4]));
    }
    std::fprintf(stderr, "usage: pm_bench ping N | pm_bench follow FOLLOWERS NAME LINES\n");
    return 2;
}
