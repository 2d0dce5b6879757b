// --instances and the selectors: name, name:index, numeric id, all.
#include <doctest/doctest.h>

#include <set>

#include "harness.hpp"

using namespace pm::test;

namespace {

void start_three(const TempHome& home) {
    RunResult r = start_child(home, "multi", {"sleep"}, {"--instances", "3"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
}

}  // namespace

TEST_SUITE("integration/selectors") {

TEST_CASE("--instances 3 starts three online instances with distinct ids and pids") {
    TempHome home;
    start_three(home);
    json insts = instances_named(home, "multi");
    REQUIRE(insts.size() == 3);
    std::set<int> ids, indexes, pids;
    for (const auto& i : insts) {
        CHECK(i["state"] == "online");
        REQUIRE(i["pid"].is_number_integer());
        CHECK(pid_alive(i["pid"].get<pid_t>()));
        ids.insert(i["id"].get<int>());
        indexes.insert(i["index"].get<int>());
        pids.insert(i["pid"].get<int>());
    }
    CHECK(ids.size() == 3);
    CHECK(pids.size() == 3);
    CHECK(indexes == std::set<int>{0, 1, 2});
}

TEST_CASE("the name:index selector stops only that instance") {
    TempHome home;
    start_three(home);
    RunResult r = run_pm(home, {"stop", "multi:1"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(instance(home, "multi", 0)["state"] == "online");
    CHECK(instance(home, "multi", 1)["state"] == "stopped");
    CHECK(instance(home, "multi", 2)["state"] == "online");
}

TEST_CASE("a numeric id selector stops only the instance with that id") {
    TempHome home;
    start_three(home);
    json target = instance(home, "multi", 2);
    REQUIRE(target.is_object());
    RunResult r = run_pm(home, {"stop", std::to_string(target["id"].get<int>())});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(instance(home, "multi", 0)["state"] == "online");
    CHECK(instance(home, "multi", 1)["state"] == "online");
    CHECK(instance(home, "multi", 2)["state"] == "stopped");
}

TEST_CASE("the name selector stops every instance of that name only") {
    TempHome home;
    start_three(home);
    REQUIRE(start_child(home, "other", {"sleep"}).exit_code == 0);
    RunResult r = run_pm(home, {"stop", "multi"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    for (int i = 0; i < 3; ++i) {
        CHECK(instance(home, "multi", i)["state"] == "stopped");
    }
    CHECK(instance(home, "other")["state"] == "online");
}

TEST_CASE("the all selector stops every process") {
    TempHome home;
    start_three(home);
    REQUIRE(start_child(home, "other", {"sleep"}).exit_code == 0);
    RunResult r = run_pm(home, {"--json", "stop", "all"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = json::parse(r.out, nullptr, false);
    REQUIRE(reply.is_object());
    CHECK(reply["instances"].size() == 4);
    json list = list_json(home);
    REQUIRE(list["processes"].size() == 4);
    for (const auto& p : list["processes"]) {
        CHECK(p["state"] == "stopped");
        CHECK(p["pid"].is_null());
    }
}

TEST_CASE("an index that does not exist exits 3") {
    TempHome home;
    start_three(home);
    RunResult r = run_pm(home, {"stop", "multi:7"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    RunResult id = run_pm(home, {"stop", "999"});
    CHECK_MESSAGE(id.exit_code == 3, describe(id));
    for (int i = 0; i < 3; ++i) {
        CHECK(instance(home, "multi", i)["state"] == "online");
    }
}

TEST_CASE("pm show all with no process exits 3 and the daemon keeps answering") {
    TempHome home;
    RunResult r = run_pm(home, {"show", "all"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK_MESSAGE(r.err.find("no processes") != std::string::npos, describe(r));
    RunResult ping = run_pm(home, {"ping"});
    CHECK_MESSAGE(ping.exit_code == 0, describe(ping));
}

}  // TEST_SUITE
