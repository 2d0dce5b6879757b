// Instance on a real loop, spawning pm_test_child: one on_change per start,
// what restart does in every state, a stop winning over a pending restart,
// removal while stopping, and a spawn failure. Each test ends with the loop
// drained and closed.
#include <doctest/doctest.h>

#include <memory>

#include "daemon/supervisor/instance.hpp"
#include "loop_support.hpp"
#include "temp_dir.hpp"

namespace {

using pm::ProcessState;
using pm::sup::Instance;
using pm::test::child_spec;
using pm::test::run_until;

struct InstanceFixture {
    pm::test::TempDir dir{"pm-instance"};
    pm::test::Loop loop;
    pm::StringPool pool;
    std::unique_ptr<pm::logs::LogHub> hub = pm::test::make_log_hub(loop.get(), dir.path);
    int changes = 0;
    std::unique_ptr<Instance> inst;

    void make(const std::vector<std::string>& steps, pm::json extra = pm::json::object()) {
        auto spec = child_spec(pool, "web", steps, std::move(extra));
        hub->open_channel(pm::logs::ChannelIdentity{1, spec->name(), 0}, 1, spec->logs);
        inst = std::make_unique<Instance>(loop.get(), 1, 0, spec, *hub, [this](Instance&) { ++changes; });
    }
    bool running() const { return pm::is_running(inst->state()); }
    int pid() const { return inst->pid().value_or(0); }
    std::int64_t restarts_for(const char* reason) const {
        return inst->to_json()["restarts_by_reason"][reason].get<std::int64_t>();
    }

    // Never leaves a child behind: stop (the full ladder) and wait for the exit.
    ~InstanceFixture() {
        if (inst) {
            inst->stop();
            CHECK(run_until(loop.get(), [this] { return !running(); }));
        }
        inst.reset();
        hub.reset();
    }
};

}  // namespace

TEST_SUITE("daemon/instance") {

TEST_CASE_FIXTURE(InstanceFixture, "a start goes online at once and tells its owner once") {
    make({"sleep"});
    REQUIRE(inst->start());
    CHECK(changes == 1);
    CHECK(inst->state() == ProcessState::online);
    CHECK(pid() > 0);
    CHECK_FALSE(inst->start());  // already online
    CHECK(changes == 1);
}

TEST_CASE_FIXTURE(InstanceFixture, "a spawn failure ends in errored with the reason and tells its owner once") {
    auto spec = child_spec(pool, "web", {"sleep"});
    pm::json args = spec->to_args();
    args["argv"] = pm::json::array({dir / "no-such-program"});
    auto bad = pm::sup::spec_from_json(args, "web", pool);
    REQUIRE(bad.has_value());
    hub->open_channel(pm::logs::ChannelIdentity{1, "web", 0}, 1, bad->logs);
    inst = std::make_unique<Instance>(loop.get(), 1, 0, std::make_shared<const pm::sup::ProcessSpec>(*bad), *hub,
                                      [this](Instance&) { ++changes; });
    REQUIRE(inst->start());
    CHECK(changes == 1);
    CHECK(inst->state() == ProcessState::errored);
    CHECK(inst->last_error().find("unable to spawn") != std::string::npos);
    CHECK_FALSE(inst->pid().has_value());
}

TEST_CASE_FIXTURE(InstanceFixture, "restart while online stops the child and starts a new one") {
    make({"sleep"});
    REQUIRE(inst->start());
    int first = pid();
    changes = 0;
    inst->restart();
    CHECK(changes == 1);
    CHECK(inst->state() == ProcessState::stopping);
    CHECK(inst->restart_pending());
    REQUIRE(run_until(loop.get(), [&] { return inst->state() == ProcessState::online && pid() != first; }));
    CHECK_FALSE(inst->restart_pending());
    CHECK(inst->restarts() == 1);
    CHECK(restarts_for("manual") == 1);
}

TEST_CASE_FIXTURE(InstanceFixture, "restart while starting waits for the exit and starts again") {
    // A readiness fd the child never writes to: it stays starting.
    make({"sleep"}, {{"ready_fd", 3}});
    REQUIRE(inst->start());
    REQUIRE(inst->state() == ProcessState::starting);
    int first = pid();
    inst->restart(pm::sup::RestartReason::watch);
    CHECK(inst->state() == ProcessState::stopping);
    CHECK(inst->restart_pending());
    REQUIRE(run_until(loop.get(), [&] { return pid() != 0 && pid() != first; }));
    CHECK(inst->state() == ProcessState::starting);
    CHECK(restarts_for("watch") == 1);
}

TEST_CASE_FIXTURE(InstanceFixture, "restart while stopping starts again once the stop ladder is over") {
    make({"ignore-term", "ready-fd", "3", "sleep"}, {{"kill_timeout", 200}, {"ready_fd", 3}});
    REQUIRE(inst->start());
    REQUIRE(run_until(loop.get(), [&] { return inst->state() == ProcessState::online; }));  // SIGTERM ignored now
    int first = pid();
    inst->stop();
    REQUIRE(inst->state() == ProcessState::stopping);
    CHECK_FALSE(inst->restart_pending());
    inst->restart();
    CHECK(inst->state() == ProcessState::stopping);
    CHECK(inst->restart_pending());
    REQUIRE(run_until(loop.get(), [&] { return inst->state() == ProcessState::online && pid() != first; }));
    REQUIRE(inst->last_exit().has_value());
    CHECK(inst->last_exit()->escalated);  // it ignored SIGTERM: SIGKILL after kill_timeout
    CHECK(restarts_for("manual") == 1);
}

TEST_CASE_FIXTURE(InstanceFixture, "a stop wins over a pending restart") {
    make({"sleep"});
    REQUIRE(inst->start());
    inst->restart();
    REQUIRE(inst->restart_pending());
    inst->stop();
    CHECK_FALSE(inst->restart_pending());
    REQUIRE(run_until(loop.get(), [&] { return !running(); }));
    CHECK(inst->state() == ProcessState::stopped);
    CHECK_FALSE(inst->pid().has_value());
}

TEST_CASE_FIXTURE(InstanceFixture, "restart while in backoff starts at once without counting a restart") {
    make({"exit", "1"}, {{"min_uptime", 60000}, {"max_backoff", 60000}});
    REQUIRE(inst->start());
    REQUIRE(run_until(loop.get(), [&] { return inst->state() == ProcessState::backoff; }));
    std::int64_t before = inst->restarts();  // the crash
    changes = 0;
    inst->restart();
    CHECK(changes == 1);
    CHECK(inst->state() == ProcessState::online);  // spawned now, not after the delay
    CHECK(restarts_for("manual") == 0);
    CHECK(inst->restarts() == before);
    REQUIRE(run_until(loop.get(), [&] { return inst->state() == ProcessState::backoff; }));
}

TEST_CASE_FIXTURE(InstanceFixture, "restart while stopped starts it without counting a restart") {
    make({"sleep"});
    inst->restart();
    CHECK(inst->state() == ProcessState::online);
    CHECK(pid() > 0);
    CHECK(inst->restarts() == 0);
    CHECK(changes == 1);
}

TEST_CASE_FIXTURE(InstanceFixture, "removal while stopping ends stopped for good") {
    make({"ignore-term", "ready-fd", "3", "sleep"}, {{"kill_timeout", 200}, {"ready_fd", 3}});
    REQUIRE(inst->start());
    REQUIRE(run_until(loop.get(), [&] { return inst->state() == ProcessState::online; }));  // SIGTERM ignored now
    inst->stop();
    REQUIRE(inst->state() == ProcessState::stopping);
    inst->remove();
    CHECK(inst->removing());
    CHECK(inst->state() == ProcessState::stopping);
    inst->restart();  // ignored from now on
    CHECK_FALSE(inst->restart_pending());
    auto again = inst->start();
    REQUIRE_FALSE(again);
    CHECK(again.error().code == pm::ErrorCode::busy);
    REQUIRE(run_until(loop.get(), [&] { return !running(); }));
    CHECK(inst->state() == ProcessState::stopped);
    CHECK(inst->removing());
    inst->restart();
    CHECK(inst->state() == ProcessState::stopped);
    CHECK_FALSE(inst->pid().has_value());
    CHECK(inst->restarts() == 0);
}

}  // TEST_SUITE("daemon/instance")
