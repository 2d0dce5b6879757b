// Integration test harness implementation. See harness.hpp.
#include "harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace pm::test {
namespace {

// ------------------------------------------------------------ failure count
// Counts failed assertions and failing messages so a TempHome knows whether
// the test case that owns it failed (keep the dir, print pmd.log).
std::atomic<int> g_failures{0};

struct FailureCounter : doctest::IReporter {
    explicit FailureCounter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override { ++g_failures; }
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData& ad) override {
        if (ad.m_failed) {
            ++g_failures;
        }
    }
    void log_message(const doctest::MessageData& md) override {
        if ((md.m_severity & doctest::assertType::is_warn) == 0) {
            ++g_failures;
        }
    }
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("pm_failure_counter", 1, FailureCounter);

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

std::string env_key(std::string_view entry) {
    auto eq = entry.find('=');
    return std::string(eq == std::string_view::npos ? entry : entry.substr(0, eq));
}

// posix_spawn with stdin from /dev/null and the given fds as stdout/stderr.
pid_t spawn_with_fds(const std::string& path, const std::vector<std::string>& args,
                     const std::vector<std::string>& env, int out_fd, int err_fd) {
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

// Fields of /proc/PID/stat after the command name: state and ppid.
bool read_stat(pid_t pid, char& state, pid_t& ppid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) {
        return false;
    }
    std::istringstream rest(stat.substr(close + 2));
    int pp = 0;
    if (!(rest >> state >> pp)) {
        return false;
    }
    ppid = pp;
    return true;
}

std::vector<pid_t> all_pids() {
    std::vector<pid_t> out;
    DIR* d = opendir("/proc");
    if (d == nullptr) {
        return out;
    }
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
            out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
        }
    }
    closedir(d);
    return out;
}

bool environ_has(pid_t pid, std::string_view entry) {
    std::string env = read_file("/proc/" + std::to_string(pid) + "/environ");
    std::size_t pos = 0;
    while (pos < env.size()) {
        std::size_t end = env.find('\0', pos);
        if (end == std::string::npos) {
            end = env.size();
        }
        if (std::string_view(env).substr(pos, end - pos) == entry) {
            return true;
        }
        pos = end + 1;
    }
    return false;
}

std::string canonical_or_same(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : p.string();
}

}  // namespace

// ---------------------------------------------------------------- waiting

bool wait_until_impl(const std::function<bool(std::string&)>& pred, Ms timeout, std::string_view what) {
    auto deadline = Clock::now() + timeout;
    std::string observed;
    for (;;) {
        observed.clear();
        if (pred(observed)) {
            return true;
        }
        if (Clock::now() >= deadline) {
            FAIL_CHECK("timed out after " << timeout.count() << "ms waiting until: " << what
                                          << "\n  last observed: "
                                          << (observed.empty() ? "(nothing recorded)" : observed));
            return false;
        }
        std::this_thread::sleep_for(10ms);  // the poll interval, not a timing assumption
    }
}

// ---------------------------------------------------------------- processes

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

RunResult finish(Spawned& p, Ms timeout) {
    RunResult r;
    auto deadline = p.started + timeout;
    bool timed_out = false;
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
            timed_out = true;
            break;
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
    int status = 0;
    bool reaped = false;
    while (p.pid > 0 && !timed_out) {
        pid_t w = ::waitpid(p.pid, &status, WNOHANG);
        if (w == p.pid) {
            reaped = true;
            break;
        }
        if (w < 0 && errno != EINTR) {
            break;
        }
        if (Clock::now() >= deadline) {
            timed_out = true;
            break;
        }
        std::this_thread::sleep_for(2ms);
    }
    if (timed_out && p.pid > 0) {
        FAIL_CHECK("process " << p.pid << " did not finish within " << timeout.count()
                              << "ms; killing it");
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

bool pid_exists(pid_t pid) {
    struct stat st{};
    return pid > 0 && ::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0;
}

bool is_zombie(pid_t pid) {
    char state = 0;
    pid_t ppid = 0;
    return read_stat(pid, state, ppid) && state == 'Z';
}

bool pid_alive(pid_t pid) {
    char state = 0;
    pid_t ppid = 0;
    return pid > 0 && read_stat(pid, state, ppid) && state != 'Z' && state != 'X';
}

std::vector<pid_t> zombies_of(pid_t parent) {
    std::vector<pid_t> out;
    for (pid_t pid : all_pids()) {
        char state = 0;
        pid_t ppid = 0;
        if (read_stat(pid, state, ppid) && ppid == parent && state == 'Z') {
            out.push_back(pid);
        }
    }
    return out;
}

int fd_count(pid_t pid) {
    DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (d == nullptr) {
        return -1;
    }
    int n = 0;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] != '.') {
            ++n;
        }
    }
    closedir(d);
    return n;
}

std::vector<pid_t> pids_with_env(std::string_view entry) {
    std::vector<pid_t> out;
    pid_t self = ::getpid();
    for (pid_t pid : all_pids()) {
        if (pid != self && pid_alive(pid) && environ_has(pid, entry)) {
            out.push_back(pid);
        }
    }
    return out;
}

std::vector<pid_t> pids_of_exe_with_env(const std::string& exe, std::string_view env_entry) {
    std::vector<pid_t> out;
    std::string want = canonical_or_same(exe);
    for (pid_t pid : all_pids()) {
        char buf[4096];
        ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf - 1);
        if (n <= 0 || std::string(buf, static_cast<std::size_t>(n)) != want) {
            continue;
        }
        if (pid_alive(pid) && environ_has(pid, env_entry)) {
            out.push_back(pid);
        }
    }
    return out;
}

std::string describe_pids(const std::vector<pid_t>& pids) {
    std::string out;
    for (pid_t pid : pids) {
        std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
        for (auto& c : cmd) {
            if (c == '\0') {
                c = ' ';
            }
        }
        char state = '?';
        pid_t ppid = 0;
        read_stat(pid, state, ppid);
        out += "\n    pid " + std::to_string(pid) + " state " + state + " ppid " + std::to_string(ppid) +
               ": " + cmd;
    }
    return out.empty() ? "(none)" : out;
}

// ---------------------------------------------------------------- files

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {};
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool file_exists(const std::string& path) {
    struct stat st{};
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<pid_t> read_pids(const std::string& path) {
    std::vector<pid_t> out;
    std::istringstream in(read_file(path));
    long pid = 0;
    while (in >> pid) {
        out.push_back(static_cast<pid_t>(pid));
    }
    return out;
}

std::string tail_lines(const std::string& text, std::size_t n) {
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') {
        --pos;
    }
    for (std::size_t count = 0; pos > 0; --pos) {
        if (text[pos - 1] == '\n' && ++count == n) {
            break;
        }
    }
    return text.substr(pos);
}

// ---------------------------------------------------------------- home

TempHomeOptions no_daemon() {
    TempHomeOptions o;
    o.start_pmd = false;
    return o;
}

TempHomeOptions with_pmd_args(std::vector<std::string> args) {
    TempHomeOptions o;
    o.pmd_args = std::move(args);
    return o;
}

TempHomeOptions with_pmd_env(std::vector<std::string> env) {
    TempHomeOptions o;
    o.pmd_env = std::move(env);
    return o;
}

TempHome::TempHome(TempHomeOptions opts) : m_opts(std::move(opts)) {
    m_failures_at_start = g_failures.load();
    static std::atomic<int> counter{0};
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
    m_tag = "pmit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
            std::to_string(ns);
    char tmpl[] = "/tmp/pm-it-XXXXXX";
    char* dir = ::mkdtemp(tmpl);
    REQUIRE_MESSAGE(dir != nullptr, "mkdtemp: " << std::strerror(errno));
    m_path = dir;
    if (m_opts.start_pmd) {
        try {
            start_pmd(m_opts.pmd_args);
        } catch (...) {
            teardown();  // the destructor does not run when a constructor throws
            throw;
        }
    }
}

TempHome::~TempHome() {
    try {
        teardown();
    } catch (...) {
        std::fprintf(stderr, "pm harness: teardown of %s threw\n", m_path.c_str());
    }
}

std::string TempHome::out_log(std::string_view name) const {
    return m_path + "/logs/" + std::string(name) + "-out.log";
}

std::vector<std::string> TempHome::env(const std::vector<std::string>& extra) const {
    std::vector<std::string> out;
    std::vector<std::string> overridden{"PM_HOME", "PMD_TEST_TAG", "PM_NO_AUTOSTART"};
    for (const auto& e : extra) {
        overridden.push_back(env_key(e));
    }
    for (char** e = environ; *e != nullptr; ++e) {
        std::string key = env_key(*e);
        if (std::find(overridden.begin(), overridden.end(), key) == overridden.end()) {
            out.emplace_back(*e);
        }
    }
    out.push_back("PM_HOME=" + m_path);
    out.push_back("PMD_TEST_TAG=" + m_tag);
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

pid_t TempHome::start_pmd(const std::vector<std::string>& extra_args) {
    REQUIRE_MESSAGE(m_pmd < 0, "this home's pmd is already running");
    std::string err_path = file("pmd.stderr");
    int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    REQUIRE_MESSAGE(fd >= 0, "open " << err_path << ": " << std::strerror(errno));
    std::vector<std::string> args{"--foreground"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    m_pmd = spawn_with_fds(PMD_BIN, args, env(m_opts.pmd_env), fd, fd);
    ::close(fd);
    REQUIRE(m_pmd > 0);
    std::string exited;
    bool ready = wait_until(
        [&](std::string& observed) {
            int status = 0;
            if (::waitpid(m_pmd, &status, WNOHANG) == m_pmd) {
                m_pmd = -1;
                exited = "pmd exited with status " + std::to_string(decode_status(status)) +
                         "; stderr: " + read_file(err_path);
                return true;
            }
            RawClient c(sock());
            if (!c.connected()) {
                observed = "the socket does not accept connections";
                return false;
            }
            json reply = c.request("ping");
            if (reply.is_object() && reply.value("ok", false)) {
                c.close_and_wait();
                return true;
            }
            observed = "ping reply: " + reply.dump();
            return false;
        },
        10s, "pmd answers ping on its socket");
    REQUIRE_MESSAGE(exited.empty(), exited);
    REQUIRE(ready);
    return m_pmd;
}

std::optional<int> TempHome::wait_pmd_exit(Ms timeout) {
    if (m_pmd < 0) {
        return std::nullopt;
    }
    auto deadline = Clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t w = ::waitpid(m_pmd, &status, WNOHANG);
        if (w == m_pmd || (w < 0 && errno == ECHILD)) {
            m_pmd = -1;
            return status;
        }
        if (Clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(10ms);
    }
}

std::vector<pid_t> TempHome::daemons() const {
    return pids_of_exe_with_env(PMD_BIN, "PM_HOME=" + m_path);
}

std::vector<pid_t> TempHome::tagged() const { return pids_with_env("PMD_TEST_TAG=" + m_tag); }

void TempHome::teardown() {
    if (m_path.empty()) {
        return;
    }
    if (m_pmd > 0 || !daemons().empty()) {
        RunResult r = run_pm(*this, {"--timeout", "30s", "kill"}, {}, 40s);
        if (r.exit_code != 0) {
            // pm kill could not reach it: fall back to SIGTERM.
            if (m_pmd > 0) {
                ::kill(m_pmd, SIGTERM);
            }
            for (pid_t pid : daemons()) {
                ::kill(pid, SIGTERM);
            }
        }
        if (m_pmd > 0) {
            auto status = wait_pmd_exit(30s);
            if (!status) {
                FAIL_CHECK("pmd " << m_pmd << " did not exit after `pm kill`; sending SIGKILL");
                ::kill(m_pmd, SIGKILL);
                status = wait_pmd_exit(10s);
            } else if (r.exit_code == 0) {
                CHECK_MESSAGE((WIFEXITED(*status) && WEXITSTATUS(*status) == 0),
                              "pmd exited with status " << decode_status(*status) << " after `pm kill`");
            }
        }
        if (!wait_until([&](std::string& observed) {
                auto d = daemons();
                observed = describe_pids(d);
                return d.empty();
            },
            30s, "every pmd of this home has exited")) {
            for (pid_t pid : daemons()) {
                ::kill(pid, SIGKILL);
            }
        }
    }
    bool clean = wait_until(
        [&](std::string& observed) {
            auto t = tagged();
            observed = describe_pids(t);
            return t.empty();
        },
        5s, "no process of this test is alive after the daemon stopped (PMD_TEST_TAG scan)");
    if (!clean) {
        for (pid_t pid : tagged()) {
            ::kill(pid, SIGKILL);
        }
    }
    bool failed = g_failures.load() != m_failures_at_start || std::uncaught_exceptions() > 0;
    if (failed) {
        std::fprintf(stderr,
                     "\n==== pm harness: test failed; keeping %s\n---- tail of pmd.log:\n%s\n"
                     "---- pmd.stderr:\n%s\n====\n",
                     m_path.c_str(), tail_lines(read_file(log_file()), 40).c_str(),
                     tail_lines(read_file(file("pmd.stderr")), 20).c_str());
    } else {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    m_path.clear();
}

RunResult run_pm(const TempHome& home, const std::vector<std::string>& args,
                 const std::vector<std::string>& extra_env, Ms timeout) {
    return run_process(PM_BIN, args, home.env(extra_env), timeout);
}

Spawned spawn_pm(const TempHome& home, const std::vector<std::string>& args,
                 const std::vector<std::string>& extra_env) {
    return spawn_captured(PM_BIN, args, home.env(extra_env));
}

RunResult start_child(const TempHome& home, const std::string& name, const std::vector<std::string>& steps,
                      const std::vector<std::string>& opts, const std::vector<std::string>& extra_env) {
    std::vector<std::string> args{"start", "--name", name};
    args.insert(args.end(), opts.begin(), opts.end());
    args.push_back(PM_TEST_CHILD);  // no "--": see test_command.cpp for that form
    args.insert(args.end(), steps.begin(), steps.end());
    return run_pm(home, args, extra_env);
}

std::string describe(const RunResult& r) {
    return "exit " + std::to_string(r.exit_code) + " after " + std::to_string(r.elapsed.count()) +
           "ms\n  stdout: " + r.out + "\n  stderr: " + r.err;
}

json list_json(const TempHome& home) {
    RunResult r = run_pm(home, {"--json", "list"});
    CHECK_MESSAGE(r.exit_code == 0, "pm --json list: " << describe(r));
    json j = json::parse(r.out, nullptr, false);
    CHECK_MESSAGE(j.is_object(), "pm --json list printed: " << r.out);
    return j.is_object() ? j : json::object();
}

json instance(const TempHome& home, std::string_view name, int index) {
    json reply = request(home, "list");
    if (!reply.is_object() || !reply.value("ok", false)) {
        return nullptr;
    }
    for (const auto& p : reply["result"].value("processes", json::array())) {
        if (p.value("name", "") == name && p.value("index", -1) == index) {
            return p;
        }
    }
    return nullptr;
}

json wait_instance(const TempHome& home, std::string_view name, const std::function<bool(const json&)>& pred,
                   std::string_view what, Ms timeout, int index) {
    json last;
    wait_until(
        [&](std::string& observed) {
            last = instance(home, name, index);
            observed = last.dump();
            return last.is_object() && pred(last);
        },
        timeout, what);
    return last;
}

json instances_named(const TempHome& home, std::string_view name) {
    json out = json::array();
    json list = list_json(home);
    for (const auto& p : list.value("processes", json::array())) {
        if (p.value("name", "") == name) {
            out.push_back(p);
        }
    }
    return out;
}

json raw_instances_named(const TempHome& home, std::string_view name) {
    json out = json::array();
    json reply = request(home, "list");
    if (!reply.is_object() || !reply.value("ok", false)) {
        return out;
    }
    for (const auto& p : reply["result"].value("processes", json::array())) {
        if (p.value("name", "") == name) {
            out.push_back(p);
        }
    }
    return out;
}

TempDir::TempDir(std::string_view prefix) {
    std::string tmpl = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    m_path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

bool write_file(const std::string& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    return out.good();
}

void write_text(const std::string& path, const std::string& text) {
    REQUIRE_MESSAGE(write_file(path, text), "unable to write " << path);
}

std::vector<std::string> proc_strings(pid_t pid, const char* what) {
    std::string raw = read_file("/proc/" + std::to_string(pid) + "/" + what);
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t end = raw.find('\0', pos);
        if (end == std::string::npos) {
            end = raw.size();
        }
        out.push_back(raw.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

pid_t pmd_pid(const TempHome& home) {
    auto pids = read_pids(home.pid_file());
    return pids.empty() ? -1 : pids[0];
}

// ---------------------------------------------------------------- socket

RawClient::RawClient(const std::string& sock_path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (sock_path.size() >= sizeof addr.sun_path) {
        ::close(fd);
        return;
    }
    std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    m_fd = fd;
}

RawClient::~RawClient() { close(); }

void RawClient::close() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

bool RawClient::send(std::string_view bytes, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
        if (m_fd < 0) {
            return false;
        }
        ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            pollfd p{m_fd, POLLOUT, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) == 0) {
                return false;
            }
            continue;
        }
        return false;  // EPIPE, ECONNRESET: the daemon closed us
    }
    return true;
}

RawClient::Read RawClient::read_line(std::string& line, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        auto nl = m_buf.find('\n', m_pos);
        if (nl != std::string::npos) {
            line.assign(m_buf, m_pos, nl - m_pos);
            m_pos = nl + 1;
            if (m_pos * 2 >= m_buf.size()) {  // drop consumed bytes now and then: linear overall
                m_buf.erase(0, m_pos);
                m_pos = 0;
            }
            return Read::line;
        }
        if (m_fd < 0) {
            return Read::eof;
        }
        pollfd p{m_fd, POLLIN, 0};
        int pr = ::poll(&p, 1, remaining_ms(deadline));
        if (pr < 0 && errno == EINTR) {
            continue;
        }
        if (pr == 0) {
            return Read::timeout;
        }
        char buf[65536];
        ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n > 0) {
            m_buf.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            return Read::eof;  // includes ECONNRESET: closed with our bytes unread
        }
    }
}

json RawClient::read_json(Ms timeout) {
    std::string line;
    if (read_line(line, timeout) != Read::line) {
        return nullptr;
    }
    json j = json::parse(line, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

json RawClient::request(std::string_view cmd, const json& args, int id) {
    json req{{"id", id}, {"cmd", cmd}, {"args", args}};
    if (!send(req.dump() + "\n")) {
        return nullptr;
    }
    return read_json();
}

int RawClient::unread_by_peer() const {
    int n = -1;
    if (m_fd >= 0 && ::ioctl(m_fd, SIOCOUTQ, &n) != 0) {
        return -1;
    }
    return n;
}

bool RawClient::wait_eof(Ms timeout) {
    auto deadline = Clock::now() + timeout;
    std::string line;
    for (;;) {
        auto r = read_line(line, Ms(remaining_ms(deadline)));
        if (r == Read::eof) {
            return true;
        }
        if (r == Read::timeout) {
            return false;
        }
    }
}

bool RawClient::close_and_wait(Ms timeout) {
    if (m_fd < 0) {
        return true;
    }
    ::shutdown(m_fd, SHUT_WR);
    bool ok = wait_eof(timeout);
    close();
    return ok;
}

json request(const TempHome& home, std::string_view cmd, const json& args) {
    RawClient c(home.sock());
    if (!c.connected()) {
        return nullptr;
    }
    return c.request(cmd, args);
}

}  // namespace pm::test
