// ProcessTable on a real loop, spawning pm_test_child: waiters that
// complete, time out or do not fit, retire (stop for good, wait, then act),
// the instance limit, selection, and the memory-limit reaction. Each test
// ends with the loop drained and closed.
#include <doctest/doctest.h>

#include <memory>

#include "daemon/supervisor/process_table.hpp"
#include "loop_support.hpp"
#include "temp_dir.hpp"

namespace {

using pm::ProcessState;
using pm::sup::Instance;
using pm::sup::ProcessTable;
using pm::test::child_spec;
using pm::test::run_until;

bool is_online(const Instance& i) { return i.state() == ProcessState::online; }

struct TableFixture {
    pm::test::TempDir dir{"pm-table"};
    pm::test::Loop loop;
    pm::StringPool pool;
    std::unique_ptr<pm::logs::LogHub> hub = pm::test::make_log_hub(loop.get(), dir.path);
    std::unique_ptr<ProcessTable> table;

    explicit TableFixture(pm::sup::TableLimits limits = {}) {
        table = std::make_unique<ProcessTable>(loop.get(), *hub, limits);
    }
    pm::sup::App* add(const std::string& name, int instances, const std::vector<std::string>& steps = {"sleep"}) {
        auto app = table->add_app(child_spec(pool, name, steps, {{"instances", instances}}));
        REQUIRE(app.has_value());
        return *app;
    }
    std::vector<std::uint64_t> ids_of(const pm::sup::App& app) const {
        std::vector<std::uint64_t> ids;
        for (const auto& i : app.instances) {
            ids.push_back(i->id());
        }
        return ids;
    }
    bool none_running() {
        for (auto* i : table->all()) {
            if (pm::is_running(i->state())) {
                return false;
            }
        }
        return true;
    }

    // Never leaves a child behind: stop everything and wait for the exits.
    ~TableFixture() {
        for (auto* i : table->all()) {
            i->stop();
        }
        CHECK(run_until(loop.get(), [this] { return none_running(); }));
        table.reset();
        hub.reset();
    }
};

struct SmallTableFixture : TableFixture {
    SmallTableFixture() : TableFixture(pm::sup::TableLimits{3, 2}) {}
};

}  // namespace

TEST_SUITE("daemon/process_table") {

TEST_CASE_FIXTURE(TableFixture, "a wait completes once every instance satisfies the predicate") {
    auto* app = add("web", 2);
    int done = 0;
    REQUIRE(table->wait(ids_of(*app), is_online, [&] { ++done; }));
    CHECK(table->waiter_count() == 1);
    uv_run(loop.get(), UV_RUN_NOWAIT);
    CHECK(done == 0);  // both stopped
    REQUIRE(app->instances[0]->start());
    uv_run(loop.get(), UV_RUN_NOWAIT);  // the deferred check runs
    CHECK(done == 0);  // one of two
    CHECK(table->waiter_count() == 1);
    REQUIRE(app->instances[1]->start());
    REQUIRE(run_until(loop.get(), [&] { return done == 1; }));
    CHECK(table->waiter_count() == 0);
}

TEST_CASE_FIXTURE(TableFixture, "a wait on instances that are gone completes") {
    auto* app = add("web", 1);
    auto ids = ids_of(*app);
    int done = 0;
    REQUIRE(table->wait(ids, is_online, [&] { ++done; }));
    table->remove(ids);
    CHECK(table->find_app("web") == nullptr);
    REQUIRE(run_until(loop.get(), [&] { return done == 1; }));
}

TEST_CASE_FIXTURE(TableFixture, "a wait with a deadline runs expired instead of done when it times out") {
    auto* app = add("web", 1);
    int done = 0;
    int expired = 0;
    uv_update_time(loop.get());
    std::uint64_t t0 = uv_now(loop.get());
    REQUIRE(table->wait(ids_of(*app), is_online, [&] { ++done; }, 100, [&] { ++expired; }));
    REQUIRE(run_until(loop.get(), [&] { return expired == 1; }));
    CHECK(uv_now(loop.get()) - t0 >= 100);
    CHECK(done == 0);
    CHECK(table->waiter_count() == 0);
    // A deadline that is met runs done, never expired.
    REQUIRE(table->wait(ids_of(*app), is_online, [&] { ++done; }, 5000, [&] { ++expired; }));
    REQUIRE(app->instances[0]->start());
    REQUIRE(run_until(loop.get(), [&] { return done == 1; }));
    CHECK(expired == 1);
}

TEST_CASE_FIXTURE(SmallTableFixture, "a full waiter table refuses the next wait") {
    auto* app = add("web", 1);
    auto never = [](const Instance&) { return false; };
    int done = 0;
    REQUIRE(table->wait(ids_of(*app), never, [&] { ++done; }));
    REQUIRE(table->wait(ids_of(*app), never, [&] { ++done; }, 60000, [&] { ++done; }));
    auto third = table->wait(ids_of(*app), never, [&] { ++done; });
    REQUIRE_FALSE(third);
    CHECK(third.error().code == pm::ErrorCode::limit_reached);
    CHECK(table->waiter_count() == 2);
    // retire needs a waiter too: it fails, but the instances stop anyway.
    REQUIRE(app->instances[0]->start());
    auto retired = table->retire(ids_of(*app), [&] { ++done; });
    REQUIRE_FALSE(retired);
    CHECK(retired.error().code == pm::ErrorCode::limit_reached);
    REQUIRE(run_until(loop.get(), [&] { return none_running(); }));
    CHECK(done == 0);
}

TEST_CASE_FIXTURE(SmallTableFixture, "the instance limit holds for add, update and resize") {
    auto* app = add("web", 2);
    auto over = table->add_app(child_spec(pool, "api", {"sleep"}, {{"instances", 2}}));
    REQUIRE_FALSE(over);
    CHECK(over.error().code == pm::ErrorCode::limit_reached);
    CHECK(table->find_app("api") == nullptr);
    auto grown = table->resize(*app, 4);
    REQUIRE_FALSE(grown);
    CHECK(grown.error().code == pm::ErrorCode::limit_reached);
    auto updated = table->update_spec(*app, child_spec(pool, "web", {"sleep"}, {{"instances", 4}}));
    REQUIRE_FALSE(updated);
    CHECK(updated.error().code == pm::ErrorCode::limit_reached);
    CHECK(table->instance_count() == 2);
    REQUIRE(table->resize(*app, 3));
    CHECK(table->instance_count() == 3);
}

TEST_CASE_FIXTURE(TableFixture, "retire stops the instances for good and acts once none runs") {
    auto* app = add("web", 2);
    for (auto& i : app->instances) {
        REQUIRE(i->start());
    }
    auto ids = ids_of(*app);
    int done = 0;
    bool all_present = false;
    REQUIRE(table->retire(ids, [&] {
        ++done;
        all_present = table->find_id(ids[0]) != nullptr && table->find_id(ids[1]) != nullptr;
    }));
    for (auto& i : app->instances) {
        CHECK(i->removing());
        CHECK(i->state() == ProcessState::stopping);
        i->restart();  // nothing starts a retired instance again
        CHECK_FALSE(i->restart_pending());
    }
    REQUIRE(run_until(loop.get(), [&] { return done == 1; }));
    CHECK(all_present);
    for (auto id : ids) {
        Instance* i = table->find_id(id);
        REQUIRE(i != nullptr);
        CHECK(i->state() == ProcessState::stopped);
        auto again = i->start();
        REQUIRE_FALSE(again);
        CHECK(again.error().code == pm::ErrorCode::busy);
    }
    table->remove(ids);
    CHECK(table->find_app("web") == nullptr);
    CHECK(table->instance_count() == 0);
}

TEST_CASE_FIXTURE(TableFixture, "selectors pick instances by all, name, name:index and id") {
    add("web", 2);
    auto* api = add("api", 1);
    auto pick = [&](const char* text) {
        auto sel = pm::parse_selector(text);
        REQUIRE(sel.has_value());
        return table->select(*sel);
    };
    CHECK(pick("all")->size() == 3);
    CHECK(pick("web")->size() == 2);
    auto one = pick("web:1");
    REQUIRE(one.has_value());
    REQUIRE(one->size() == 1);
    CHECK((*one)[0]->index() == 1);
    auto by_id = pick(std::to_string(api->instances[0]->id()).c_str());
    REQUIRE(by_id.has_value());
    CHECK((*by_id)[0] == api->instances[0].get());
    CHECK(pick("web:2").error().code == pm::ErrorCode::not_found);
    CHECK(pick("db").error().code == pm::ErrorCode::not_found);
    CHECK(pick("99").error().code == pm::ErrorCode::not_found);
}

TEST_CASE_FIXTURE(TableFixture, "an instance over its memory limit is restarted only while online") {
    auto* app = add("web", 2);
    Instance& online = *app->instances[0];
    Instance& stopped = *app->instances[1];
    REQUIRE(online.start());
    int first = online.pid().value_or(0);
    table->on_memory_over_limit(online.id(), 300, 200);
    table->on_memory_over_limit(stopped.id(), 300, 200);
    table->on_memory_over_limit(12345, 300, 200);  // gone meanwhile: nothing
    CHECK(online.restart_pending());
    CHECK(stopped.state() == ProcessState::stopped);
    REQUIRE(run_until(loop.get(), [&] { return online.state() == ProcessState::online && online.pid() != first; }));
    CHECK(online.to_json()["restarts_by_reason"]["memory"] == 1);
    CHECK(stopped.restarts() == 0);
}

}  // TEST_SUITE("daemon/process_table")
