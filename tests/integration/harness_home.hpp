// Integration harness: TempHome, a private PM_HOME with its own pmd that is
// stopped and checked for leftover processes at the end of the test, and the
// helpers that run pm or query pmd for one home.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness_process.hpp"
#include "harness_wait.hpp"

namespace pm::test {

struct TempHomeOptions {
    bool start_pmd = true;              // false: autostart and race tests
    std::vector<std::string> pmd_args;  // extra flags for pmd --foreground
    std::vector<std::string> pmd_env;   // extra K=V for pmd only
};

// Shorthands: TempHome home(no_daemon());
TempHomeOptions no_daemon();
TempHomeOptions with_pmd_args(std::vector<std::string> args);
TempHomeOptions with_pmd_env(std::vector<std::string> env);

// A private PM_HOME (mkdtemp under /tmp) with a unique PMD_TEST_TAG. Nothing
// global is set: every process the harness starts gets PM_HOME and the tag in
// its own environment, and pm passes its environment on to the children pmd
// starts, so everything the test created carries the tag.
class TempHome {
public:
    explicit TempHome(TempHomeOptions opts = {});
    ~TempHome();
    TempHome(const TempHome&) = delete;
    TempHome& operator=(const TempHome&) = delete;

    const std::string& path() const { return m_path; }
    const std::string& tag() const { return m_tag; }
    std::string file(std::string_view name) const { return m_path + "/" + std::string(name); }
    std::string sock() const { return file("pmd.sock"); }
    std::string pid_file() const { return file("pmd.pid"); }
    std::string log_file() const { return file("pmd.log"); }
    std::string out_log(std::string_view name) const;  // logs/<name>-out.log

    // Environment for processes of this test: environ + PM_HOME + tag + extra.
    std::vector<std::string> env(const std::vector<std::string>& extra = {}) const;

    // Starts `pmd --foreground` and waits until its socket answers a ping.
    // pmd runs under pm_die_with_parent: it dies with this test process.
    pid_t start_pmd(const std::vector<std::string>& extra_args = {});
    // pid of the pmd this harness spawned and has not reaped yet, else -1.
    pid_t pmd_child() const { return m_pmd; }
    // Reaps our pmd; its wait status, or nullopt after `timeout`.
    std::optional<int> wait_pmd_exit(Ms timeout);
    // Every pmd process serving this home (by exe and PM_HOME in environ).
    std::vector<pid_t> daemons() const;
    // Processes carrying this test's tag.
    std::vector<pid_t> tagged() const;

private:
    void teardown();

    TempHomeOptions m_opts;
    std::string m_path;
    std::string m_tag;
    pid_t m_pmd = -1;
    int m_failures_at_start = 0;
};

// Runs pm with PM_HOME and the tag set (plus extra_env), capturing output.
RunResult run_pm(const TempHome& home, const std::vector<std::string>& args,
                 const std::vector<std::string>& extra_env = {}, Ms timeout = 30s);
Spawned spawn_pm(const TempHome& home, const std::vector<std::string>& args,
                 const std::vector<std::string>& extra_env = {});
// `pm start --name NAME OPTS... pm_test_child STEPS...`
RunResult start_child(const TempHome& home, const std::string& name, const std::vector<std::string>& steps,
                      const std::vector<std::string>& opts = {}, const std::vector<std::string>& extra_env = {});

// `pm --json list` parsed (the result object: {"processes": [...]}).
json list_json(const TempHome& home);
// One instance from a `list` request made on the raw socket (cheap enough to
// poll); null when absent.
json instance(const TempHome& home, std::string_view name, int index = 0);
// Every instance of `name` from `pm --json list`, in id order.
json instances_named(const TempHome& home, std::string_view name);
// The same from a raw `list` request (cheap enough to poll); [] on error.
json raw_instances_named(const TempHome& home, std::string_view name);
// Polls instance(home, name, index) until `pred` holds for it; returns the
// last one seen (null when it never existed). Fails the check on timeout.
json wait_instance(const TempHome& home, std::string_view name, const std::function<bool(const json&)>& pred,
                   std::string_view what, Ms timeout = 10s, int index = 0);
// Creates home/DIR (and its parents); the path.
std::string make_dir(const TempHome& home, const std::string& dir);
// pid of pmd from pmd.pid (-1 if missing).
pid_t pmd_pid(const TempHome& home);
// One request on a fresh connection; the whole reply ({id, ok, result|error}).
json request(const TempHome& home, std::string_view cmd, const json& args = json::object());

}  // namespace pm::test
