// Loop-level tests of the Sampler's cumulative CPU time: a child in its own
// process group spinning on a CPU, sampled on a real loop.
#include "daemon/metrics/sampler.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "daemon/metrics/proc_parse.hpp"
#include "loop_support.hpp"

using namespace pm;

namespace {

// A child leading its own process group (as pmd's children do), spinning
// until killed.
struct Spinner {
    pid_t pid = -1;
    Spinner() {
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::setpgid(0, 0);
            volatile unsigned long n = 0;
            for (;;) {
                n = n + 1;
            }
        }
        ::setpgid(pid, pid);  // either side may win the race; both set the same group
    }
    ~Spinner() {
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
    Spinner(const Spinner&) = delete;
    Spinner& operator=(const Spinner&) = delete;
};

}  // namespace

TEST_SUITE("metrics") {

TEST_CASE("the sampler's CPU seconds of a spinning process group only grow and track the time it spent") {
    test::Loop loop;
    Spinner spin;
    std::vector<metrics::Target> targets{metrics::Target{1, spin.pid, 0}};
    metrics::Sampler sampler{loop.get(), metrics::SamplerOptions{}, [&] { return targets; },
                             [](std::uint64_t, std::uint64_t, std::uint64_t) {}};
    CHECK_FALSE(sampler.cpu_seconds_total(1).has_value());  // not sampled yet

    double last = 0;
    bool monotonic = true;
    REQUIRE(test::run_until(
        loop.get(),
        [&] {
            sampler.tick();
            auto cpu = sampler.cpu_seconds_total(1);
            if (!cpu) {
                return false;
            }
            monotonic = monotonic && *cpu >= last;
            last = *cpu;
            return *cpu >= 0.3;
        },
        20000));
    CHECK(monotonic);
    CHECK_FALSE(sampler.cpu_seconds_total(2).has_value());  // an id it never sampled

    // What the sampler counted lies between what /proc reported for the
    // child just before and just after the tick: all of its CPU time since
    // it started, none lost between ticks.
    auto proc_cpu = [&] {
        auto st = metrics::read_proc_stat(spin.pid);
        REQUIRE(st);
        return static_cast<double>(st->utime + st->stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    };
    double before = proc_cpu();
    sampler.tick();
    double after = proc_cpu();
    auto cpu = sampler.cpu_seconds_total(1);
    REQUIRE(cpu);
    CHECK(*cpu >= last);
    CHECK(*cpu >= before);
    CHECK(*cpu <= after);

    // The target gone: its history and its count are dropped.
    targets.clear();
    sampler.tick();
    CHECK_FALSE(sampler.cpu_seconds_total(1).has_value());
}

TEST_CASE("a process the sampler has not seen has its open fds counted in its first sample, not 0") {
    test::Loop loop;
    std::vector<metrics::Target> targets;
    metrics::Sampler sampler{loop.get(), metrics::SamplerOptions{}, [&] { return targets; },
                             [](std::uint64_t, std::uint64_t, std::uint64_t) {}};
    sampler.tick();  // tick 0, an fd-counting one, with nothing to sample
    Spinner spin;    // inherits at least stdin, stdout and stderr
    targets.push_back(metrics::Target{1, spin.pid, 0});
    sampler.tick();  // tick 1: fds are counted on every 5th tick only
    json history = sampler.history_json(1);
    REQUIRE(history.size() == 1);
    CHECK(history[0]["fds"].get<int>() >= 3);
    sampler.tick();  // a tick between counts repeats the count
    history = sampler.history_json(1);
    REQUIRE(history.size() == 2);
    CHECK(history[1]["fds"] == history[0]["fds"]);
}

}  // TEST_SUITE("metrics")
