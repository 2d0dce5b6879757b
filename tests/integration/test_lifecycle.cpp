// CLI lifecycle: start, list, show, stop, restart, delete, and their exit codes.
#include <doctest/doctest.h>

#include "harness.hpp"

using namespace pm::test;

namespace {

// Starts NAME as `pm_test_child sleep` and returns its pid.
pid_t start_sleeper(const TempHome& home, const std::string& name) {
    RunResult r = start_child(home, name, {"sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = instance(home, name);
    REQUIRE(inst.is_object());
    REQUIRE(inst["pid"].is_number_integer());
    return inst["pid"].get<pid_t>();
}

}  // namespace

TEST_SUITE("integration/lifecycle") {

TEST_CASE("start exits 0 and list --json shows the process online with a live pid") {
    TempHome home;
    RunResult r = start_child(home, "web", {"sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));

    json list = list_json(home);
    REQUIRE(list["processes"].is_array());
    REQUIRE(list["processes"].size() == 1);
    const json& p = list["processes"][0];
    CHECK(p["name"] == "web");
    CHECK(p["state"] == "online");
    REQUIRE(p["pid"].is_number_integer());
    CHECK(pid_alive(p["pid"].get<pid_t>()));
    CHECK(p["restarts"] == 0);
}

TEST_CASE("start --json replies with the new instance and its pid") {
    TempHome home;
    RunResult r = run_pm(home, {"--json", "start", "--name", "api", PM_TEST_CHILD, "sleep"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = json::parse(r.out, nullptr, false);
    REQUIRE(reply.is_object());
    CHECK(reply["name"] == "api");
    REQUIRE(reply["instances"].size() == 1);
    CHECK(reply["instances"][0]["state"] == "online");
    REQUIRE(reply["instances"][0]["pid"].is_number_integer());
    CHECK(pid_alive(reply["instances"][0]["pid"].get<pid_t>()));
}

TEST_CASE("show prints the spec and the instances of one process") {
    TempHome home;
    start_sleeper(home, "shown");

    RunResult text = run_pm(home, {"show", "shown"});
    REQUIRE_MESSAGE(text.exit_code == 0, describe(text));
    CHECK(text.out.find("shown") != std::string::npos);
    CHECK(text.out.find(PM_TEST_CHILD) != std::string::npos);

    RunResult r = run_pm(home, {"--json", "show", "shown"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json j = json::parse(r.out, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["spec"]["name"] == "shown");
    CHECK(j["spec"]["argv"] == json::array({PM_TEST_CHILD, "sleep"}));
    REQUIRE(j["instances"].size() == 1);
    CHECK(j["instances"][0]["state"] == "online");
}

TEST_CASE("show of an unknown name exits 3") {
    TempHome home;
    RunResult r = run_pm(home, {"show", "ghost"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
}

TEST_CASE("stop leaves the process stopped with its last exit recorded") {
    TempHome home;
    pid_t pid = start_sleeper(home, "svc");

    RunResult r = run_pm(home, {"--json", "stop", "svc"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = json::parse(r.out, nullptr, false);
    REQUIRE(reply.is_object());
    REQUIRE(reply["instances"].size() == 1);
    CHECK(reply["instances"][0]["state"] == "stopped");

    json inst = instance(home, "svc");
    REQUIRE(inst.is_object());
    CHECK(inst["state"] == "stopped");
    CHECK(inst["pid"].is_null());
    REQUIRE(inst["last_exit"].is_object());
    CHECK(inst["last_exit"]["signal"] == "SIGTERM");
    CHECK(inst["last_exit"]["code"].is_null());
    CHECK(inst["last_exit"]["escalated"] == false);
    CHECK(wait_until([&] { return !pid_exists(pid); }, 2s, "the stopped process is gone"));
}

TEST_CASE("restart gives the process a new pid and the old one is gone") {
    TempHome home;
    pid_t old_pid = start_sleeper(home, "svc");

    RunResult r = run_pm(home, {"--json", "restart", "svc"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json reply = json::parse(r.out, nullptr, false);
    REQUIRE(reply.is_object());
    REQUIRE(reply["instances"].size() == 1);
    CHECK(reply["instances"][0]["state"] == "online");
    REQUIRE(reply["instances"][0]["pid"].is_number_integer());
    pid_t new_pid = reply["instances"][0]["pid"].get<pid_t>();
    CHECK(new_pid != old_pid);
    CHECK(pid_alive(new_pid));

    json inst = instance(home, "svc");
    REQUIRE(inst.is_object());
    CHECK(inst["state"] == "online");
    CHECK(inst["pid"] == new_pid);
    CHECK(wait_until([&] { return !pid_exists(old_pid); }, 2s, "the old process is gone"));
}

TEST_CASE("restart of a stopped process starts it") {
    TempHome home;
    start_sleeper(home, "svc");
    REQUIRE(run_pm(home, {"stop", "svc"}).exit_code == 0);

    RunResult r = run_pm(home, {"restart", "svc"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = instance(home, "svc");
    REQUIRE(inst.is_object());
    CHECK(inst["state"] == "online");
    REQUIRE(inst["pid"].is_number_integer());
    CHECK(pid_alive(inst["pid"].get<pid_t>()));
}

TEST_CASE("delete stops the process and removes it from the list") {
    TempHome home;
    pid_t pid = start_sleeper(home, "gone");
    start_sleeper(home, "kept");

    RunResult r = run_pm(home, {"delete", "gone"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out.find("deleted gone") != std::string::npos);

    json list = list_json(home);
    REQUIRE(list["processes"].size() == 1);
    CHECK(list["processes"][0]["name"] == "kept");
    CHECK(wait_until([&] { return !pid_exists(pid); }, 2s, "the deleted process is gone"));
    CHECK(run_pm(home, {"show", "gone"}).exit_code == 3);
}

TEST_CASE("starting a running name with a different command fails with exit 1") {
    TempHome home;
    pid_t pid = start_sleeper(home, "dup");

    RunResult r = start_child(home, "dup", {"print", "1", "sleep"});
    CHECK_MESSAGE(r.exit_code == 1, describe(r));
    CHECK(r.err.find("already running") != std::string::npos);

    json list = list_json(home);
    CHECK(list["processes"].size() == 1);
    json inst = instance(home, "dup");
    CHECK(inst["pid"] == pid);
    CHECK(inst["state"] == "online");
}

TEST_CASE("pm start NAME starts a stopped process again") {
    TempHome home;
    pid_t first = start_sleeper(home, "again");
    REQUIRE(run_pm(home, {"stop", "again"}).exit_code == 0);
    REQUIRE(instance(home, "again")["state"] == "stopped");

    RunResult r = run_pm(home, {"start", "again"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json inst = instance(home, "again");
    REQUIRE(inst.is_object());
    CHECK(inst["state"] == "online");
    REQUIRE(inst["pid"].is_number_integer());
    CHECK(inst["pid"] != first);
    CHECK(pid_alive(inst["pid"].get<pid_t>()));
    CHECK(list_json(home)["processes"].size() == 1);
}

TEST_CASE("pm start NAME of an unknown name fails") {
    TempHome home;
    RunResult r = run_pm(home, {"start", "--name", "nosuch"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK(list_json(home)["processes"].empty());
}

TEST_CASE("stop of an unknown name exits 3") {
    TempHome home;
    RunResult r = run_pm(home, {"stop", "nosuch"});
    CHECK_MESSAGE(r.exit_code == 3, describe(r));
    CHECK(r.err.find("nosuch") != std::string::npos);

    RunResult j = run_pm(home, {"--json", "stop", "nosuch"});
    CHECK(j.exit_code == 3);
    json reply = json::parse(j.out, nullptr, false);
    REQUIRE(reply.is_object());
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == "not_found");
}

}  // TEST_SUITE
