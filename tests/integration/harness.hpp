// Integration test harness: a private PM_HOME with its own pmd, the pm CLI run
// through posix_spawn, a raw control-socket client, /proc probes, and
// wait_until() instead of sleeps (STYLE.md section 7).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pm::test {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

// ---------------------------------------------------------------- waiting

// Polls `pred` every 10 ms until it holds or `timeout` passes. `pred` may
// write what it saw into `observed`; on timeout the check fails with the
// description and that last observation. Returns whether it held.
bool wait_until_impl(const std::function<bool(std::string& observed)>& pred, Ms timeout,
                     std::string_view what);

template <typename Pred>
bool wait_until(Pred&& pred, Ms timeout, std::string_view what) {
    if constexpr (std::is_invocable_r_v<bool, Pred&, std::string&>) {
        return wait_until_impl(std::function<bool(std::string&)>(pred), timeout, what);
    } else {
        return wait_until_impl([&pred](std::string&) { return static_cast<bool>(pred()); }, timeout,
                               what);
    }
}

// ---------------------------------------------------------------- processes

struct RunResult {
    int exit_code = -1;  // exit status; 128+N if killed by signal N; -1 if it timed out
    std::string out, err;
    Ms elapsed{0};
};

// A process started with captured stdout/stderr, not yet waited for.
struct Spawned {
    pid_t pid = -1;
    int out_fd = -1;
    int err_fd = -1;
    Clock::time_point started;
};

// posix_spawn of `path` with argv[0] = path, the given environment ("K=V"
// entries), stdin from /dev/null and stdout/stderr on pipes.
Spawned spawn_captured(const std::string& path, const std::vector<std::string>& args,
                       const std::vector<std::string>& env);
// Reads both pipes to EOF and reaps the process; SIGKILLs it after `timeout`.
RunResult finish(Spawned& p, Ms timeout = 30s);
RunResult run_process(const std::string& path, const std::vector<std::string>& args,
                      const std::vector<std::string>& env, Ms timeout = 30s);

// Alive and not a zombie.
bool pid_alive(pid_t pid);
bool is_zombie(pid_t pid);
// /proc/PID exists at all (alive or zombie).
bool pid_exists(pid_t pid);
// Children of `parent` in state Z.
std::vector<pid_t> zombies_of(pid_t parent);
// Entries in /proc/PID/fd (-1 when unreadable).
int fd_count(pid_t pid);
// Live (non-zombie) processes whose environment has the entry NAME=VALUE.
std::vector<pid_t> pids_with_env(std::string_view entry);
// Live processes running `exe` with `env_entry` in their environment.
std::vector<pid_t> pids_of_exe_with_env(const std::string& exe, std::string_view env_entry);
std::string describe_pids(const std::vector<pid_t>& pids);

// ---------------------------------------------------------------- files

std::string read_file(const std::string& path);  // "" if missing
bool file_exists(const std::string& path);
// Pids written one per line (pm_test_child's pidfile / fork-tree files).
std::vector<pid_t> read_pids(const std::string& path);
std::string tail_lines(const std::string& text, std::size_t n);

// A private directory under /tmp (mkdtemp), removed with its content.
class TempDir {
public:
    explicit TempDir(std::string_view prefix = "pm-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return m_path; }
    std::string file(std::string_view name) const { return m_path + "/" + std::string(name); }

private:
    std::string m_path;
};

// Writes `content` to `path` (replacing it); false on error.
bool write_file(const std::string& path, std::string_view content);
// The same, failing the test (REQUIRE) on error.
void write_text(const std::string& path, const std::string& text);
// A NUL-separated /proc/PID file (environ, cmdline) split into its entries.
std::vector<std::string> proc_strings(pid_t pid, const char* what);

// ---------------------------------------------------------------- home

struct TempHomeOptions {
    bool start_pmd = true;                 // false: autostart and race tests
    std::vector<std::string> pmd_args;     // extra flags for pmd --foreground
    std::vector<std::string> pmd_env;      // extra K=V for pmd only
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
RunResult start_child(const TempHome& home, const std::string& name,
                      const std::vector<std::string>& steps,
                      const std::vector<std::string>& opts = {},
                      const std::vector<std::string>& extra_env = {});
std::string describe(const RunResult& r);

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
// pid of pmd from pmd.pid (-1 if missing).
pid_t pmd_pid(const TempHome& home);

// ---------------------------------------------------------------- socket

// A raw NDJSON client on <home>/pmd.sock.
class RawClient {
public:
    enum class Read { line, eof, timeout };

    explicit RawClient(const std::string& sock_path);
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    bool connected() const { return m_fd >= 0; }
    int fd() const { return m_fd; }
    // Sends every byte (false if the peer is gone or `timeout` passed).
    bool send(std::string_view bytes, Ms timeout = 5s);
    // Next line without its newline. ECONNRESET counts as eof.
    Read read_line(std::string& line, Ms timeout = 5s);
    // Next line parsed as JSON (null on eof, timeout or bad JSON).
    json read_json(Ms timeout = 5s);
    // Sends {"id":id,"cmd":cmd,"args":args} and reads one reply.
    json request(std::string_view cmd, const json& args = json::object(), int id = 1);
    // Bytes sent that the daemon has not read yet (SIOCOUTQ).
    int unread_by_peer() const;
    // Waits for the daemon to close its side.
    bool wait_eof(Ms timeout = 5s);
    // Half-closes, then waits until the daemon has closed its side too, so the
    // daemon no longer holds a descriptor for this client.
    bool close_and_wait(Ms timeout = 5s);
    void close();

private:
    int m_fd = -1;
    std::string m_buf;
    std::size_t m_pos = 0;  // start of the first unread line in m_buf
};

// One request on a fresh connection; the whole reply ({id, ok, result|error}).
json request(const TempHome& home, std::string_view cmd, const json& args = json::object());

}  // namespace pm::test
