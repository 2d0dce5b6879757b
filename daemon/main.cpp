// pmd entry point: parse flags, prepare PM_HOME, take the lock, detach unless
// --foreground, build the Daemon and run it. Nothing else.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "common/cron.hpp"
#include "common/fd.hpp"
#include "common/paths.hpp"
#include "common/units.hpp"
#include "daemon/daemon.hpp"
#include "daemon/http/http_security.hpp"
#include "daemon/log.hpp"
#include "daemon/store/live_groups.hpp"
#include "daemon/supervisor/nofile.hpp"

namespace {

// A start-up failure: pmd logs the message and exits with `exit_code`.
struct Fatal : std::runtime_error {
    explicit Fatal(const std::string& what, int code = 1) : std::runtime_error(what), exit_code(code) {}
    int exit_code;
};

// Creates PM_HOME 0700, or checks an existing one is a real directory of ours.
void prepare_home(const pm::Paths& paths) {
    if (::mkdir(paths.home.c_str(), 0700) != 0 && errno != EEXIST) {
        throw Fatal(fmt::format("unable to create {}: {}", paths.home, std::strerror(errno)));
    }
    struct stat st {};
    if (::lstat(paths.home.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        // A symlink could point our socket and logs at someone else's place.
        throw Fatal(fmt::format("{} is {}", paths.home,
                                S_ISLNK(st.st_mode) ? "a symbolic link, not a real directory" : "not a directory"));
    }
    if (st.st_uid != geteuid()) {
        throw Fatal(fmt::format("{} is owned by uid {}, not us", paths.home, st.st_uid));
    }
    if ((st.st_mode & 077) != 0) {
        ::chmod(paths.home.c_str(), 0700);
    }
    if (::mkdir(paths.logs_dir().c_str(), 0700) != 0 && errno != EEXIST) {
        throw Fatal(fmt::format("unable to create {}: {}", paths.logs_dir(), std::strerror(errno)));
    }
}

// Takes the daemon lock or explains who holds it.
pm::UniqueFd take_lock(const pm::Paths& paths) {
    pm::UniqueFd fd(::open(paths.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) {
        throw Fatal(fmt::format("unable to open {}: {}", paths.lock(), std::strerror(errno)));
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        std::string pid = "unknown";
        std::ifstream in(paths.pid());
        in >> pid;
        throw Fatal(fmt::format("already running (pid {})", pid), pm::k_pmd_exit_already_running);
    }
    return fd;
}

void write_pid(const pm::Paths& paths) {
    std::string tmp = paths.pid() + ".tmp";
    std::ofstream out(tmp, std::ios::trunc);
    out << getpid() << "\n";
    out.close();
    ::rename(tmp.c_str(), paths.pid().c_str());
}

// Forks; the parent waits for the child to report "ok" or an error on a pipe
// and exits accordingly, so `pmd` without --foreground reports failures. A
// child that failed is reaped and its exit code passed on (already running).
int detach(int& report_fd) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
        throw Fatal(fmt::format("pipe: {}", std::strerror(errno)));
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        throw Fatal(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (pid > 0) {
        ::close(p[1]);
        std::string msg;
        char buf[512];
        ssize_t n = 0;
        while ((n = ::read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
            if (n > 0) {
                msg.append(buf, static_cast<std::size_t>(n));
            }
        }
        if (msg == "ok") {
            return 0;
        }
        std::cerr << "pmd: " << (msg.empty() ? "daemon exited during start-up" : msg) << "\n";
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1;
    }
    ::close(p[0]);
    ::setsid();
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::close(devnull);
    report_fd = p[1];
    return -1;
}

void report(int& fd, std::string_view msg) {
    if (fd >= 0) {
        ssize_t rc = ::write(fd, msg.data(), msg.size());
        (void)rc;
        ::close(fd);
        fd = -1;
    }
}

// Logs a fatal start-up error and tells whoever waits for it: the parent of
// a detached pmd through the report pipe, else stderr.
void fail_start_up(int& report_fd, const char* what) {
    PM_LOG(error, "{}", what);
    if (report_fd >= 0) {
        report(report_fd, what);
    } else {
        std::cerr << "pmd: " << what << "\n";
    }
}

// <home>/pmd.conf, with home from --home if given, else $PM_HOME or ~/.pm
// (the config file cannot itself choose where it is read from).
std::string default_config_path(int argc, char** argv) {
    std::string home;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--home" && i + 1 < argc) {
            home = argv[i + 1];
        } else if (a.rfind("--home=", 0) == 0) {
            home = std::string(a.substr(7));
        }
    }
    if (home.empty()) {
        home = pm::resolve_paths().home;
    }
    return home + "/pmd.conf";
}

// What pmd's flags and pmd.conf ask for.
struct StartUp {
    bool foreground = false;
    std::string home;
    pm::DaemonOptions daemon;
    std::string level = "info";
    bool resurrect = false;
};

// The flags whose text is parsed after CLI11 has read them.
struct RawFlags {
    std::string client_timeout = "60s";
    std::string sample_interval = "1s";
    std::string log_rotate_cron;
    std::string http;  // [ADDR:]PORT
};

void add_flags(CLI::App& app, StartUp& opts, RawFlags& raw) {
    app.add_flag("--foreground,-f", opts.foreground, "stay in the foreground (tests, containers, systemd)");
    app.add_option("--home", opts.home, "state directory (default: $PM_HOME, else ~/.pm)");
    app.add_option("--max-connections", opts.daemon.server.max_connections, "concurrent clients")
        ->capture_default_str()
        ->check(CLI::Range(1, 65536));
    app.add_option("--max-processes", opts.daemon.table.max_instances, "managed instances")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_option("--max-followers", opts.daemon.max_followers, "concurrent log followers")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_option("--client-timeout", raw.client_timeout,
                   "disconnect a client without a complete request for this long (0: never)")
        ->capture_default_str();
    app.add_option("--sample-interval", raw.sample_interval, "metrics sampling interval")->capture_default_str();
    app.add_option("--log-rotate-cron", raw.log_rotate_cron,
                   "also rotate every log file on this cron schedule, e.g. \"0 0 * * *\" (daily)");
    app.add_option("--http", raw.http,
                   "serve the web view, /metrics and the HTTP API on [ADDR:]PORT (ADDR: 127.0.0.1 unless given)");
    app.add_flag("--http-allow-remote", opts.daemon.http.allow_remote,
                 "let --http bind an address other machines can reach");
    app.add_flag("--http-read-only", opts.daemon.http.read_only, "refuse actions (start, stop...) over HTTP");
    app.add_flag("--http-metrics-open", opts.daemon.http.metrics_open, "serve /metrics without the token");
    app.add_option("--http-max-connections", opts.daemon.http.limits.max_connections,
                   "concurrent HTTP connections, event streams included (past it: 503)")
        ->capture_default_str()
        ->check(CLI::Range(1, 65536));
    app.add_option("--http-host", opts.daemon.http.hosts,
                   "a name the Host header may carry besides the address (repeatable; for a proxy)");
    app.add_flag("--resurrect", opts.resurrect, "start the saved process list (pm save) once running");
    app.add_option("--log-level", opts.level, "debug, info, warn or error")
        ->capture_default_str()
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
    app.set_version_flag("--version", std::string("pmd ") + PM_VERSION);
}

// Parses the flags CLI11 kept as text into `opts`; false (with a message on
// stderr) when one is not valid.
bool apply_raw_flags(const RawFlags& raw, StartUp& opts) {
    // The command line's one duration rule (common/units): a bare number
    // other than 0 needs its unit, here as for pm's flags and in pmd.conf.
    auto interval = pm::parse_flag_duration_ms("--sample-interval", raw.sample_interval);
    if (!interval || *interval < 10) {
        std::cerr << "pmd: " << (interval ? "--sample-interval must be a duration of at least 10ms"
                                          : interval.error().message) << "\n";
        return false;
    }
    opts.daemon.sampler.interval_ms = *interval;
    auto idle = pm::parse_flag_duration_ms("--client-timeout", raw.client_timeout);
    if (!idle) {
        std::cerr << "pmd: " << idle.error().message << "\n";
        return false;
    }
    opts.daemon.server.idle_timeout_ms = static_cast<std::uint64_t>(*idle);
    if (!raw.log_rotate_cron.empty()) {
        auto rule = pm::parse_cron_rule(raw.log_rotate_cron);
        if (!rule) {
            std::cerr << "pmd: --log-rotate-cron: " << rule.error().message << "\n";
            return false;
        }
        opts.daemon.log_rotate_cron = std::move(*rule);
    }
    if (!raw.http.empty()) {
        auto addr = pm::http::parse_listen_address(raw.http);
        if (!addr) {
            std::cerr << "pmd: --http: " << addr.error().message << "\n";
            return false;
        }
        if (!opts.daemon.http.allow_remote && !pm::http::is_loopback(addr->host)) {
            std::cerr << "pmd: --http " << raw.http
                      << ": not a loopback address; the web view would be reachable from other machines: "
                         "add --http-allow-remote to mean it\n";
            return false;
        }
        opts.daemon.http.listen = *addr;
        opts.daemon.http_enabled = true;
    }
    return true;
}

// Reads the command line, then pmd.conf. Returns the exit code when pmd
// stops here (--help, --version, a usage error), else nothing.
std::optional<int> parse_options(int argc, char** argv, StartUp& opts) {
    CLI::App app{"pmd: the pm process manager daemon"};
    RawFlags raw;
    add_flags(app, opts, raw);
    // Settings file: CLI11 reads INI/TOML whose keys are the long option
    // names (`resurrect = true`, `max-processes = 2000`); flags on the
    // command line win. Optional unless named with --config.
    app.set_config("--config", default_config_path(argc, argv),
                   "settings file (default: pmd.conf in the state directory, if present)");
    app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error, not ignored
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : pm::k_exit_usage;
    }
    if (!apply_raw_flags(raw, opts)) {
        return pm::k_exit_usage;
    }
    return std::nullopt;
}

pm::LogLevel log_level(const std::string& level) {
    return level == "debug"   ? pm::LogLevel::debug
           : level == "warn"  ? pm::LogLevel::warn
           : level == "error" ? pm::LogLevel::error
                              : pm::LogLevel::info;
}

// Opens pmd's log, takes the lock, clears what a killed pmd left and runs
// the Daemon until it stops; returns pmd's exit code. Throws Fatal.
int run_daemon(const pm::Paths& paths, const StartUp& opts, int& report_fd) {
    pm::UniqueFd log_fd(
        ::open(paths.daemon_log().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    pm::log_init(log_fd.get(), log_level(opts.level), paths.daemon_log(), pm::k_daemon_log_max);
    pm::UniqueFd lock = take_lock(paths);
    write_pid(paths);
    // Children of a previous pmd that was killed (SIGKILL, OOM) still run:
    // stop them first, so a resurrect does not run any service twice.
    pm::store::stop_leftover_groups(paths.live(), 3000);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    rlim_t nofile = pm::sup::raise_nofile_limit();
    PM_LOG(info, "open-file limit {} (children get {})", nofile, pm::sup::original_nofile_limit().rlim_cur);
    int exit_code = 0;
    {
        pm::Daemon daemon(paths, opts.daemon);
        if (auto ok = daemon.start(); !ok) {
            throw Fatal(ok.error().message);
        }
        PM_LOG(info, "pmd {} started in {} (pid {})", PM_VERSION, paths.home, getpid());
        if (opts.resurrect) {
            daemon.resurrect();
        }
        report(report_fd, "ok");
        exit_code = daemon.run();
    }
    ::unlink(paths.sock().c_str());
    ::unlink(paths.pid().c_str());
    PM_LOG(info, "pmd stopped");
    return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    StartUp opts;
    if (auto rc = parse_options(argc, argv, opts)) {
        return *rc;
    }
    if (!opts.home.empty()) {
        ::setenv("PM_HOME", opts.home.c_str(), 1);
    }
    std::signal(SIGPIPE, SIG_IGN);
    ::umask(077);
    pm::Paths paths = pm::resolve_paths();
    int report_fd = -1;
    try {
        prepare_home(paths);
        if (!opts.foreground) {
            if (int rc = detach(report_fd); rc >= 0) {
                return rc;
            }
        }
        return run_daemon(paths, opts, report_fd);
    } catch (const Fatal& e) {
        fail_start_up(report_fd, e.what());
        return e.exit_code;
    } catch (const std::exception& e) {
        fail_start_up(report_fd, e.what());
        return 1;
    }
}
