// TempHome and the per-home helpers of the integration harness.
#include "harness_home.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <doctest/doctest.h>
#include <exception>
#include <filesystem>
#include <thread>

#include "harness_files.hpp"
#include "harness_proc.hpp"
#include "harness_socket.hpp"

extern char** environ;

namespace pm::test {
namespace {

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

std::string env_key(std::string_view entry) {
    auto eq = entry.find('=');
    return std::string(eq == std::string_view::npos ? entry : entry.substr(0, eq));
}

// A failed test keeps its home and prints the tails of pmd's logs; a passed
// one removes it.
void keep_or_remove(const TempHome& home, bool failed) {
    if (failed) {
        std::fprintf(stderr,
                     "\n==== pm harness: test failed; keeping %s\n---- tail of pmd.log:\n%s\n"
                     "---- pmd.stderr:\n%s\n====\n",
                     home.path().c_str(), tail_lines(read_file(home.log_file()), 40).c_str(),
                     tail_lines(read_file(home.file("pmd.stderr")), 20).c_str());
    } else {
        std::error_code ec;
        std::filesystem::remove_all(home.path(), ec);
    }
}

}  // namespace

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
    m_tag = "pmit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(ns);
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
    // Through pm_die_with_parent, which execs pmd in place (same pid): the
    // kernel SIGKILLs pmd when this test process dies without a teardown.
    std::vector<std::string> args{std::to_string(::getpid()), PMD_BIN, "--foreground"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    m_pmd = spawn_with_fds(PM_DIE_WITH_PARENT, args, env(m_opts.pmd_env), fd, fd);
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

std::vector<pid_t> TempHome::daemons() const { return pids_of_exe_with_env(PMD_BIN, "PM_HOME=" + m_path); }

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
        if (!wait_until(
                [&](std::string& observed) {
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
    keep_or_remove(*this, g_failures.load() != m_failures_at_start || std::uncaught_exceptions() > 0);
    m_path.clear();
}

RunResult run_pm(const TempHome& home, const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
                 Ms timeout) {
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

pid_t pmd_pid(const TempHome& home) {
    auto pids = read_pids(home.pid_file());
    return pids.empty() ? -1 : pids[0];
}

json request(const TempHome& home, std::string_view cmd, const json& args) {
    RawClient c(home.sock());
    if (!c.connected()) {
        return nullptr;
    }
    return c.request(cmd, args);
}

std::string make_dir(const TempHome& home, const std::string& dir) {
    std::string path = home.file(dir);
    std::filesystem::create_directories(path);
    return path;
}

}  // namespace pm::test
