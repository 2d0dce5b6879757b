// PM2's command spellings and habits: startOrRestart / startOrReload FILE,
// restart|reload FILE --env NAME, logs --raw --lines N --nostream, and names
// PM2 accepts that pm refuses with the rename to make.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "harness.hpp"

using namespace pm::test;

namespace {

std::string write_apps(const TempHome& home, const std::vector<json>& apps) {
    std::string dir = home.file("proj");
    std::filesystem::create_directories(dir);
    json doc = json::object();
    doc["apps"] = json(apps);
    write_text(dir + "/ecosystem.json", doc.dump(2));
    return dir + "/ecosystem.json";
}

// An app printing its STAGE variable, then sleeping.
json stage_app(const std::string& name) {
    return json{{"name", name},
                {"script", PM_TEST_CHILD},
                {"args", json::array({"env", "STAGE", "sleep"})},
                {"env", {{"STAGE", "dev"}}},
                {"env_production", {{"STAGE", "prod"}}}};
}

std::string env_of(const TempHome& home, const std::string& name, const std::string& key) {
    RunResult r = run_pm(home, {"--json", "env", name});
    json j = json::parse(r.out, nullptr, false);
    if (!j.is_object() || j["processes"].empty()) {
        return "<none>";
    }
    return j["processes"][0]["env"].value(key, "<unset>");
}

}  // namespace

TEST_SUITE("integration/pm2-commands") {

TEST_CASE("startOrRestart starts the file's new apps and restarts the known ones with the file's env") {
    TempHome home;
    std::string file = write_apps(home, {stage_app("api")});
    RunResult first = run_pm(home, {"startOrRestart", file});
    REQUIRE_MESSAGE(first.exit_code == 0, describe(first));
    json api = wait_instance(
        home, "api", [](const json& i) { return i["state"] == "online"; }, "api online");
    CHECK(env_of(home, "api", "STAGE") == "dev");

    write_apps(home, {stage_app("api"), stage_app("worker")});
    RunResult second = run_pm(home, {"startOrRestart", file, "--env", "production"});
    REQUIRE_MESSAGE(second.exit_code == 0, describe(second));
    json again = instance(home, "api");
    CHECK(again["pid"] != api["pid"]);  // restarted
    CHECK(env_of(home, "api", "STAGE") == "prod");
    CHECK(env_of(home, "worker", "STAGE") == "prod");  // started with env_production
    CHECK(list_json(home)["processes"].size() == 2);
}

TEST_CASE("startOrReload reloads the known apps, and refuses what is not an ecosystem file") {
    TempHome home;
    std::string file = write_apps(home, {stage_app("web")});
    REQUIRE(run_pm(home, {"startOrReload", file}).exit_code == 0);
    json web = wait_instance(
        home, "web", [](const json& i) { return i["state"] == "online"; }, "web online");
    RunResult r = run_pm(home, {"startOrReload", file});
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(instance(home, "web")["pid"] != web["pid"]);

    RunResult bad = run_pm(home, {"startOrReload", PM_TEST_CHILD});
    CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
    CHECK_MESSAGE(contains(bad.err, "startOrReload takes an ecosystem file"), describe(bad));
}

TEST_CASE("restart and reload FILE --env NAME apply the env_NAME blocks, and --env with a name is refused") {
    TempHome home;
    std::string file = write_apps(home, {stage_app("svc")});
    REQUIRE(run_pm(home, {"start", file}).exit_code == 0);
    CHECK(env_of(home, "svc", "STAGE") == "dev");
    RunResult r = run_pm(home, {"restart", file, "--env", "production"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(env_of(home, "svc", "STAGE") == "prod");
    RunResult back = run_pm(home, {"reload", file, "--update-env"});
    REQUIRE_MESSAGE(back.exit_code == 0, describe(back));
    CHECK(env_of(home, "svc", "STAGE") == "dev");

    RunResult bad = run_pm(home, {"restart", "svc", "--env", "production"});
    CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
    CHECK_MESSAGE(contains(bad.err, "--env applies to ecosystem files; svc is not one"), describe(bad));
}

TEST_CASE("logs --raw --lines N --nostream prints the last N lines with no prefix and exits") {
    TempHome home;
    REQUIRE(start_child(home, "talker", {"print", "5", "sleep"}).exit_code == 0);
    wait_until([&] { return read_file(home.out_log("talker")).size() > 0; }, 10s, "talker's lines");
    RunResult r;
    wait_until(
        [&] {
            r = run_pm(home, {"logs", "talker", "--raw", "--lines", "2", "--nostream"});
            return std::count(r.out.begin(), r.out.end(), '\n') == 2;
        },
        10s, "two raw lines");
    CHECK_MESSAGE(r.exit_code == 0, describe(r));
    CHECK_MESSAGE(!contains(r.out, "talker"), describe(r));  // no "talker |" prefix
    CHECK_MESSAGE(!contains(r.out, "|"), describe(r));
    RunResult both = run_pm(home, {"logs", "talker", "--follow", "--nostream"});
    CHECK_MESSAGE(both.exit_code == 2, describe(both));
}

TEST_CASE("a name with a space is refused with the rename to make, from the command line and a file") {
    TempHome home;
    RunResult cli = run_pm(home, {"start", "--name", "my app", PM_TEST_CHILD, "sleep"});
    CHECK_MESSAGE(cli.exit_code == 2, describe(cli));
    CHECK_MESSAGE(contains(cli.err, "invalid name 'my app': it has a space"), describe(cli));
    CHECK_MESSAGE(contains(cli.err, "use \"my-app\""), describe(cli));
    json app{{"name", "Billing API (v2)"}, {"script", PM_TEST_CHILD}, {"args", "sleep"}};
    std::string file = write_apps(home, {app});
    RunResult eco = run_pm(home, {"validate", file});
    CHECK_MESSAGE(eco.exit_code == 2, describe(eco));
    CHECK_MESSAGE(contains(eco.err, "apps[0].name: invalid name 'Billing API (v2)': it has a space"), describe(eco));
    CHECK_MESSAGE(contains(eco.err, "use \"Billing-API-v2\""), describe(eco));
    CHECK(list_json(home)["processes"].empty());
}

}  // TEST_SUITE("integration/pm2-commands")
