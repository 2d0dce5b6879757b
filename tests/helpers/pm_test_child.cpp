// pm_test_child: deterministic child program for pm/pmd integration tests.
// argv is a sequence of steps run in order, e.g. `pidfile /tmp/p print 3 exit 7`.

#include <cerrno>
#include <charconv>
#include <climits>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

volatile sig_atomic_t g_term_exit_code = 0;
std::vector<char*> g_allocations;

// Writes the whole buffer; returns false on any write error.
bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

[[noreturn]] void bad_step(std::string_view step) {
    std::string msg = "pm_test_child: bad step '" + std::string(step) + "'\n";
    write_all(2, msg);
    _exit(64);
}

[[noreturn]] void fail(const std::string& what) {
    write_all(2, "pm_test_child: " + what + "\n");
    _exit(70);
}

bool parse_number(std::string_view text, long long& out) {
    if (text.empty()) {
        return false;
    }
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

void sleep_ms(long long ms) {
    timespec req{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
    timespec rem{};
    while (nanosleep(&req, &rem) != 0 && errno == EINTR) {
        req = rem;
    }
}

[[noreturn]] void sleep_forever() {
    for (;;) {
        pause();
    }
}

// Forked helpers start from a clean signal state regardless of earlier steps.
void reset_signals() {
    struct sigaction sa{};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            sigaction(sig, &sa, nullptr);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Writes content to path.tmp then renames it over path.
bool write_file_atomic(const std::string& path, const std::string& content) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return false;
    }
    bool ok = write_all(fd, content);
    ok = (::close(fd) == 0) && ok;
    return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

void write_pid_file(const std::string& path, pid_t pid) {
    if (!write_file_atomic(path, std::to_string(pid) + "\n")) {
        fail("cannot write '" + path + "'");
    }
}

void on_term(int) {
    static const char msg[] = "got SIGTERM\n";
    ssize_t ignored = ::write(1, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(g_term_exit_code);
}

void print_lines(int fd, const char* prefix, long long n) {
    for (long long i = 1; i <= n; ++i) {
        write_all(fd, std::string(prefix) + std::to_string(i) + "\n");
    }
}

[[noreturn]] void spew(long long bytes_per_line) {
    signal(SIGPIPE, SIG_IGN);
    for (long long counter = 1;; ++counter) {
        char head[32];
        int len = std::snprintf(head, sizeof(head), "%09lld ", counter);
        std::string line(head, static_cast<size_t>(len));
        if (static_cast<long long>(line.size()) < bytes_per_line - 1) {
            line.append(static_cast<size_t>(bytes_per_line - 1) - line.size(), 'x');
        }
        line.push_back('\n');
        if (!write_all(1, line)) {
            _exit(0);
        }
    }
}

// Forks child -> grandchild; the grandchild writes its pid to path, then
// sleeps forever (linger_ms < 0) or for linger_ms and exits.
void double_fork(const std::string& path, long long linger_ms) {
    ::unlink(path.c_str());
    pid_t child = fork();
    if (child < 0) {
        fail("fork failed");
    }
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            reset_signals();
            write_pid_file(path, getpid());
            if (linger_ms < 0) {
                sleep_forever();
            }
            sleep_ms(linger_ms);
            _exit(0);
        }
        _exit(grandchild < 0 ? 1 : 0);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    struct stat st{};
    for (int i = 0; i < 1000; ++i) {
        if (::stat(path.c_str(), &st) == 0) {
            return;
        }
        sleep_ms(5);
    }
    fail("timed out waiting for '" + path + "'");
}

void fork_tree(long long n, const std::string& path) {
    std::string pids;
    for (long long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0) {
            fail("fork failed");
        }
        if (pid == 0) {
            reset_signals();
            sleep_forever();
        }
        pids += std::to_string(pid) + "\n";
    }
    if (!write_file_atomic(path, pids)) {
        fail("cannot write '" + path + "'");
    }
}

void alloc_mb(long long mb) {
    size_t bytes = static_cast<size_t>(mb) * 1024 * 1024;
    char* block = static_cast<char*>(std::malloc(bytes == 0 ? 1 : bytes));
    if (block == nullptr) {
        fail("malloc failed");
    }
    std::memset(block, 0x5a, bytes);
    g_allocations.push_back(block);
}

void busy(long long ms) {
    auto start = std::chrono::steady_clock::now();
    volatile unsigned long long sink = 0;
    for (;;) {
        for (int i = 0; i < 10000; ++i) {
            sink = sink + static_cast<unsigned long long>(i);
        }
        if (ms > 0 && std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(ms)) {
            return;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    int i = 1;
    // Fetches the next argument of the current step or fails.
    auto next_arg = [&](std::string_view step) -> std::string {
        if (i >= argc) {
            bad_step(step);
        }
        return argv[i++];
    };
    // Fetches a number in [lo, hi] or fails.
    auto next_num = [&](std::string_view step, long long lo, long long hi) -> long long {
        long long value = 0;
        if (!parse_number(next_arg(step), value) || value < lo || value > hi) {
            bad_step(step);
        }
        return value;
    };
    constexpr long long big = 1LL << 40;

    while (i < argc) {
        std::string_view step = argv[i++];
        if (step == "print") {
            print_lines(1, "line ", next_num(step, 0, big));
        } else if (step == "print-err") {
            print_lines(2, "err ", next_num(step, 0, big));
        } else if (step == "print-both") {
            long long n = next_num(step, 0, big);
            for (long long k = 1; k <= n; ++k) {
                write_all(1, "out " + std::to_string(k) + "\n");
                write_all(2, "err " + std::to_string(k) + "\n");
            }
        } else if (step == "spew") {
            spew(next_num(step, 1, 1LL << 30));
        } else if (step == "text") {
            write_all(1, next_arg(step));
        } else if (step == "line") {
            write_all(1, next_arg(step) + "\n");
        } else if (step == "invalid-utf8") {
            write_all(1, "bad \xff\xfe utf8 \xc3\x28 end\n");
        } else if (step == "long-line") {
            std::string line(static_cast<size_t>(next_num(step, 0, 1LL << 32)), 'a');
            line.push_back('\n');
            write_all(1, line);
        } else if (step == "env") {
            std::string name = next_arg(step);
            const char* value = std::getenv(name.c_str());
            write_all(1, value != nullptr ? name + "=" + value + "\n" : name + " unset\n");
        } else if (step == "cwd") {
            std::vector<char> buf(PATH_MAX + 1);
            if (getcwd(buf.data(), buf.size()) == nullptr) {
                fail("getcwd failed");
            }
            write_all(1, std::string("cwd=") + buf.data() + "\n");
        } else if (step == "argv") {
            std::string out = "argc=" + std::to_string(argc) + "\n";
            for (int k = 0; k < argc; ++k) {
                out += "argv[" + std::to_string(k) + "]=" + argv[k] + "\n";
            }
            write_all(1, out);
        } else if (step == "sleep-ms") {
            sleep_ms(next_num(step, 0, big));
        } else if (step == "sleep") {
            sleep_forever();
        } else if (step == "exit") {
            _exit(static_cast<int>(next_num(step, 0, 255)));
        } else if (step == "kill-self") {
            int sig = static_cast<int>(next_num(step, 1, NSIG - 1));
            rlimit no_core{0, 0};
            setrlimit(RLIMIT_CORE, &no_core);
            signal(sig, SIG_DFL);
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, sig);
            sigprocmask(SIG_UNBLOCK, &set, nullptr);
            raise(sig);
        } else if (step == "ignore-term") {
            signal(SIGTERM, SIG_IGN);
        } else if (step == "on-term-exit") {
            g_term_exit_code = static_cast<int>(next_num(step, 0, 255));
            struct sigaction sa{};
            sa.sa_handler = on_term;
            sigemptyset(&sa.sa_mask);
            sigaction(SIGTERM, &sa, nullptr);
        } else if (step == "pidfile") {
            write_pid_file(next_arg(step), getpid());
        } else if (step == "fork-tree") {
            long long n = next_num(step, 0, 4096);
            fork_tree(n, next_arg(step));
        } else if (step == "double-fork") {
            double_fork(next_arg(step), -1);
        } else if (step == "double-fork-exit") {
            std::string path = next_arg(step);
            double_fork(path, next_num(step, 0, big));
        } else if (step == "listen") {
            // listen PORT: accept-ready on 127.0.0.1:PORT for the rest of the run.
            int port = static_cast<int>(next_num(step, 1, 65535));
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(static_cast<std::uint16_t>(port));
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
                fail("cannot listen on port " + std::to_string(port));
            }
        } else if (step == "ready-fd") {
            int fd = static_cast<int>(next_num(step, 0, 1 << 20));
            write_all(fd, "ready\n");
            ::close(fd);
        } else if (step == "alloc") {
            alloc_mb(next_num(step, 0, 1 << 20));
        } else if (step == "busy") {
            busy(next_num(step, 0, big));
        } else if (step == "close-stdout") {
            ::close(1);
        } else if (step == "stamps") {
            // N lines "stamp <realtime microseconds>", one every MS ms (benchmarks).
            long long n = next_num(step, 0, big);
            long long ms = next_num(step, 0, big);
            for (long long k = 0; k < n; ++k) {
                timespec ts{};
                clock_gettime(CLOCK_REALTIME, &ts);
                write_all(1, "stamp " + std::to_string(ts.tv_sec * 1000000LL + ts.tv_nsec / 1000) + "\n");
                sleep_ms(ms);
            }
        } else {
            bad_step(step);
        }
    }
    return 0;
}
