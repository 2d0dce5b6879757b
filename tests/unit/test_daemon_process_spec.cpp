// Unit tests for ProcessSpec: defaults, validation of start arguments,
// durations with units, environment merging and signal names.
#include "daemon/supervisor/process_spec.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

namespace {

using pm::json;
using pm::sup::ProcessSpec;
namespace sup = pm::sup;

json minimal() { return json{{"argv", {"/bin/true"}}}; }

json with(json args, const std::string& key, json value) {
    args[key] = std::move(value);
    return args;
}

std::string code_of(const pm::Error& e) { return std::string(pm::to_string(e.code)); }

pm::StringPool g_pool;

}  // namespace

TEST_SUITE("supervisor") {

TEST_CASE("spec_from_json applies every default once") {
    auto r = sup::spec_from_json(minimal(), "web", g_pool);
    REQUIRE(r.has_value());
    const ProcessSpec& s = *r;
    CHECK(s.name() == "web");
    CHECK(sup::strings_of(s.argv) == std::vector<std::string>{"/bin/true"});
    CHECK(s.options.shell == false);
    CHECK(s.cwd.str() == "/");
    CHECK(s.env.empty());
    CHECK(s.options.instances == 1);
    CHECK(s.restart.mode == sup::RestartMode::always);
    CHECK(s.restart.max_restarts == 16);
    CHECK(s.restart.min_uptime_ms == 1000);
    CHECK(s.restart.restart_delay_ms == 0);
    CHECK(s.restart.backoff_base_ms == 100);
    CHECK(s.restart.max_backoff_ms == 15000);
    CHECK(s.options.kill_timeout_ms == 10000);
    CHECK(s.options.stop_signal == 15);
}

TEST_CASE("spec_from_json reads every explicit field") {
    json args = {
        {"argv", {"node", "server.js"}},
        {"cwd", "/srv/app"},
        {"instances", 4},
        {"restart", "on-failure"},
        {"max_restarts", 3},
        {"min_uptime", 2500},
        {"restart_delay", "1s"},
        {"max_backoff", "30s"},
        {"kill_timeout", "2m"},
        {"stop_signal", "SIGINT"},
    };
    auto r = sup::spec_from_json(args, "api", g_pool);
    REQUIRE(r.has_value());
    CHECK(sup::strings_of(r->argv) == std::vector<std::string>{"node", "server.js"});
    CHECK(r->cwd.str() == "/srv/app");
    CHECK(r->options.instances == 4);
    CHECK(r->restart.mode == sup::RestartMode::on_failure);
    CHECK(r->restart.max_restarts == 3);
    CHECK(r->restart.min_uptime_ms == 2500);
    CHECK(r->restart.restart_delay_ms == 1000);
    CHECK(r->restart.max_backoff_ms == 30000);
    CHECK(r->options.kill_timeout_ms == 120000);
    CHECK(r->options.stop_signal == SIGINT);
}

TEST_CASE("durations are integers in milliseconds or strings with units") {
    struct Row {
        const char* key;
        json value;
        std::int64_t ms;
    };
    const Row rows[] = {
        {"min_uptime", 0, 0},
        {"min_uptime", 500, 500},
        {"min_uptime", "500ms", 500},
        {"min_uptime", "1.5s", 1500},
        {"restart_delay", "10s", 10000},
        {"restart_delay", 7LL * 86400 * 1000, 7LL * 86400 * 1000},
        {"max_backoff", "1m", 60000},
        {"kill_timeout", "250", 250},
        {"kill_timeout", "1h", 3600000},
        {"kill_timeout", nullptr, 10000},  // null means default
    };
    for (const auto& row : rows) {
        CAPTURE(row.key);
        CAPTURE(row.value.dump());
        auto r = sup::spec_from_json(with(minimal(), row.key, row.value), "web", g_pool);
        REQUIRE(r.has_value());
        std::string key = row.key;
        std::int64_t got = key == "min_uptime"      ? r->restart.min_uptime_ms
                           : key == "restart_delay" ? r->restart.restart_delay_ms
                           : key == "max_backoff"   ? r->restart.max_backoff_ms
                                                    : r->options.kill_timeout_ms;
        CHECK(got == row.ms);
    }
}

TEST_CASE("bad durations are rejected as bad_args") {
    struct Row {
        const char* key;
        json value;
    };
    const Row rows[] = {
        {"min_uptime", -1},
        {"min_uptime", 1.5},
        {"min_uptime", true},
        {"min_uptime", json::array({1})},
        {"restart_delay", "soon"},
        {"restart_delay", "-5s"},
        {"max_backoff", ""},
        {"kill_timeout", 7LL * 86400 * 1000 + 1},
        {"kill_timeout", "10 s"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.key);
        CAPTURE(row.value.dump());
        auto r = sup::spec_from_json(with(minimal(), row.key, row.value), "web", g_pool);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
        CHECK(r.error().message.find(row.key) != std::string::npos);
    }
}

TEST_CASE("duration strings obey the same 7 day cap as integers") {
    // An integer above 7 days is rejected; the same duration written with
    // units must not slip through.
    for (const char* key : {"min_uptime", "restart_delay", "max_backoff", "kill_timeout"}) {
        CAPTURE(key);
        auto at_cap = sup::spec_from_json(with(minimal(), key, "7d"), "web", g_pool);
        CHECK(at_cap.has_value());
        auto as_int = sup::spec_from_json(with(minimal(), key, 8LL * 86400 * 1000), "web", g_pool);
        CHECK_FALSE(as_int.has_value());
        auto as_string = sup::spec_from_json(with(minimal(), key, "8d"), "web", g_pool);
        CHECK_FALSE(as_string.has_value());
    }
}

TEST_CASE("a small max_backoff lowers the backoff base with it") {
    auto r = sup::spec_from_json(with(minimal(), "max_backoff", 40), "web", g_pool);
    REQUIRE(r.has_value());
    CHECK(r->restart.max_backoff_ms == 40);
    CHECK(r->restart.backoff_base_ms == 40);
}

TEST_CASE("shell mode wraps the joined command in sh -c") {
    json args = {{"argv", {"echo $HOME", "&&", "sleep 1"}}, {"shell", true}};
    auto r = sup::spec_from_json(args, "sh", g_pool);
    REQUIRE(r.has_value());
    CHECK(r->options.shell == true);
    CHECK(sup::strings_of(r->argv) == std::vector<std::string>{"/bin/sh", "-c", "echo $HOME && sleep 1"});
    SUBCASE("shell must be a boolean") {
        auto bad = sup::spec_from_json(with(minimal(), "shell", "yes"), "sh", g_pool);
        REQUIRE_FALSE(bad.has_value());
        CHECK(code_of(bad.error()) == "bad_args");
    }
}

TEST_CASE("explicit env overrides the base environment") {
    json args = minimal();
    args["env_base"] = {{"PATH", "/usr/bin"}, {"HOME", "/home/u"}, {"LANG", "C"}};
    args["env"] = {{"LANG", "C.UTF-8"}, {"PORT", "8080"}, {"EMPTY", ""}};
    auto r = sup::spec_from_json(args, "web", g_pool);
    REQUIRE(r.has_value());
    CHECK(sup::strings_of(r->env) == std::vector<std::string>{"EMPTY=", "HOME=/home/u", "LANG=C.UTF-8",
                                             "PATH=/usr/bin", "PORT=8080"});
}

TEST_CASE("invalid environment entries are rejected") {
    struct Row {
        const char* what;
        const char* field;
        json env;
    };
    const Row rows[] = {
        {"empty key", "env", {{"", "x"}}},
        {"key with =", "env", {{"A=B", "x"}}},
        {"key with NUL", "env", {{std::string("A\0B", 3), "x"}}},
        {"value with NUL", "env", {{"A", std::string("x\0y", 3)}}},
        {"bad key in base", "env_base", {{"A=B", "x"}}},
        {"non-string value", "env", {{"A", 1}}},
        {"not an object", "env", json::array({"A=1"})},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        auto r = sup::spec_from_json(with(minimal(), row.field, row.env), "web", g_pool);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
}

TEST_CASE("instances must be between 1 and the maximum") {
    struct Row {
        json value;
        bool ok;
    };
    const Row rows[] = {
        {1, true}, {1024, true}, {0, false}, {-1, false}, {1025, false}, {"2", false}, {2.0, false},
    };
    for (const auto& row : rows) {
        CAPTURE(row.value.dump());
        auto r = sup::spec_from_json(with(minimal(), "instances", row.value), "web", g_pool);
        REQUIRE(r.has_value() == row.ok);
        if (row.ok) {
            CHECK(r->options.instances == row.value.get<std::int64_t>());
        } else {
            CHECK(code_of(r.error()) == "bad_args");
        }
    }
    CHECK(sup::k_max_instances == 1024);
}

TEST_CASE("an unknown restart mode is rejected") {
    for (const char* mode : {"sometimes", "on_failure", "", "ALWAYS"}) {
        CAPTURE(mode);
        auto r = sup::spec_from_json(with(minimal(), "restart", mode), "web", g_pool);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
    auto wrong_type = sup::spec_from_json(with(minimal(), "restart", 1), "web", g_pool);
    REQUIRE_FALSE(wrong_type.has_value());
    CHECK(code_of(wrong_type.error()) == "bad_args");
    for (const char* mode : {"always", "on-failure", "never"}) {
        CAPTURE(mode);
        auto ok = sup::spec_from_json(with(minimal(), "restart", mode), "web", g_pool);
        REQUIRE(ok.has_value());
        CHECK(sup::to_string(ok->restart.mode) == mode);
    }
}

TEST_CASE("a start without a command is rejected") {
    struct Row {
        const char* what;
        json args;
    };
    const Row rows[] = {
        {"no argv", json::object()},
        {"null argv", json{{"argv", nullptr}}},
        {"empty argv", json{{"argv", json::array()}}},
        {"empty argv0", json{{"argv", {""}}}},
        {"argv not an array", json{{"argv", "/bin/true"}}},
        {"argv with a number", json{{"argv", json::array({"/bin/echo", 1})}}},
        {"argv with NUL", json{{"argv", {"/bin/echo", std::string("a\0b", 3)}}}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        auto r = sup::spec_from_json(row.args, "web", g_pool);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
}

TEST_CASE("stop_signal accepts names and numbers") {
    struct Row {
        const char* text;
        int sig;
    };
    const Row rows[] = {{"SIGTERM", SIGTERM}, {"INT", SIGINT}, {"9", SIGKILL}, {"SIGHUP", SIGHUP}};
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto r = sup::spec_from_json(with(minimal(), "stop_signal", row.text), "web", g_pool);
        REQUIRE(r.has_value());
        CHECK(r->options.stop_signal == row.sig);
    }
    auto bad = sup::spec_from_json(with(minimal(), "stop_signal", "SIGNOPE"), "web", g_pool);
    REQUIRE_FALSE(bad.has_value());
    CHECK(code_of(bad.error()) == "bad_args");
}

TEST_CASE("parse_signal reads SIG names, bare names (any case) and numbers") {
    struct Row {
        const char* text;
        int sig;  // 0: rejected
    };
    const Row rows[] = {
        {"SIGTERM", SIGTERM}, {"TERM", SIGTERM}, {"15", SIGTERM},  {"SIGKILL", SIGKILL},
        {"KILL", SIGKILL},    {"SIGUSR1", SIGUSR1}, {"USR2", SIGUSR2}, {"SIGWINCH", SIGWINCH},
        {"1", 1},             {"64", 64},
        {"bogus", 0},         {"0", 0},         {"-1", 0},          {"65", 0},
        {"sigterm", SIGTERM}, {"usr2", SIGUSR2}, {"SigHup", SIGHUP}, {"SIGTTIN", SIGTTIN},
        {"xcpu", SIGXCPU},    {"sig", 0},        {"sigsig", 0},
        {"", 0},              {"SIG", 0},       {"SIGSIGTERM", 0},
        {"15x", 0},           {"+15", 0},       {" 15", 0},         {"SIGRTMIN", 0},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto r = sup::parse_signal(row.text);
        if (row.sig == 0) {
            REQUIRE_FALSE(r.has_value());
            CHECK(code_of(r.error()) == "bad_args");
        } else {
            REQUIRE(r.has_value());
            CHECK(*r == row.sig);
        }
    }
}

TEST_CASE("signal_name gives the SIG name or the number") {
    CHECK(sup::signal_name(SIGTERM) == "SIGTERM");
    CHECK(sup::signal_name(SIGKILL) == "SIGKILL");
    CHECK(sup::signal_name(SIGINT) == "SIGINT");
    CHECK(sup::signal_name(40) == "SIG40");
    // Every named signal round-trips through parse_signal.
    for (int sig = 1; sig < NSIG; ++sig) {
        CAPTURE(sig);
        auto back = sup::parse_signal(sup::signal_name(sig));
        if (sup::signal_name(sig) != "SIG" + std::to_string(sig)) {
            REQUIRE(back.has_value());
            CHECK(*back == sig);
        }
    }
}

TEST_CASE("spec to_json reports the effective settings") {
    json args = {{"argv", {"node", "app.js"}},
                 {"instances", 2},
                 {"restart", "never"},
                 {"kill_timeout", "3s"},
                 {"stop_signal", "INT"},
                 {"env", {{"A", "1"}}}};
    auto r = sup::spec_from_json(args, "app", g_pool);
    REQUIRE(r.has_value());
    json j = r->to_json();
    CHECK(j["name"] == "app");
    CHECK(j["argv"] == json::array({"node", "app.js"}));
    CHECK(j["shell"] == false);
    CHECK(j["cwd"] == "/");
    CHECK(j["instances"] == 2);
    CHECK(j["restart"] == "never");
    CHECK(j["max_restarts"] == 16);
    CHECK(j["min_uptime_ms"] == 1000);
    CHECK(j["restart_delay_ms"] == 0);
    CHECK(j["max_backoff_ms"] == 15000);
    CHECK(j["kill_timeout_ms"] == 3000);
    CHECK(j["stop_signal"] == "SIGINT");
    CHECK(j["env_count"] == 1);
}

TEST_CASE("watch: true watches the cwd, relative paths join the cwd, missing paths are bad_args") {
    json base = with(minimal(), "cwd", "/usr");
    auto on = sup::spec_from_json(with(base, "watch", true), "w", g_pool);
    REQUIRE(on.has_value());
    CHECK(on->options.watch == std::vector<std::string>{"/usr"});
    CHECK(on->options.watch_delay_ms == 200);

    auto rel = sup::spec_from_json(with(with(base, "watch", json::array({"bin/", "/etc"})), "watch_delay", "1s"),
                                   "w", g_pool);
    REQUIRE(rel.has_value());
    CHECK(rel->options.watch == std::vector<std::string>{"/usr/bin", "/etc"});
    CHECK(rel->options.watch_delay_ms == 1000);

    auto off = sup::spec_from_json(with(base, "watch", false), "w", g_pool);
    REQUIRE(off.has_value());
    CHECK(off->options.watch.empty());

    auto missing = sup::spec_from_json(with(base, "watch", "no-such-dir-here"), "w", g_pool);
    REQUIRE_FALSE(missing.has_value());
    CHECK(code_of(missing.error()) == "bad_args");
    CHECK(missing.error().message.find("/usr/no-such-dir-here") != std::string::npos);

    auto bad = sup::spec_from_json(with(base, "watch", 5), "w", g_pool);
    REQUIRE_FALSE(bad.has_value());
    CHECK(code_of(bad.error()) == "bad_args");
}

TEST_CASE("watch settings survive to_args, so save and the same-spec check keep them") {
    json args = with(with(with(minimal(), "watch", json::array({"/etc"})), "watch_ignore", json::array({"*.tmp"})),
                     "watch_delay", 300);
    auto a = sup::spec_from_json(args, "w", g_pool);
    REQUIRE(a.has_value());
    auto b = sup::spec_from_json(a->to_args(), "w", g_pool);
    REQUIRE(b.has_value());
    CHECK(b->options.watch == a->options.watch);
    CHECK(b->options.watch_ignore == std::vector<std::string>{"*.tmp"});
    CHECK(b->options.watch_delay_ms == 300);
    CHECK(a->to_args() == b->to_args());
    auto plain = sup::spec_from_json(minimal(), "w", g_pool);
    REQUIRE(plain.has_value());
    CHECK_FALSE(plain->to_args().contains("watch"));
}

TEST_CASE("watch paths are normalised, so they prefix-match absolute ignores such as PM_HOME") {
    json base = with(minimal(), "cwd", "/usr/");
    auto dot = sup::spec_from_json(with(base, "watch", "."), "w", g_pool);
    REQUIRE(dot.has_value());
    CHECK(dot->options.watch == std::vector<std::string>{"/usr"});

    auto list = sup::spec_from_json(with(base, "watch", json::array({"./bin/../lib/", "/", "//etc/./", "/usr/bin/."})),
                                    "w", g_pool);
    REQUIRE(list.has_value());
    CHECK(list->options.watch == std::vector<std::string>{"/usr/lib", "/", "/etc", "/usr/bin"});

    auto root_cwd = sup::spec_from_json(with(with(minimal(), "cwd", "/"), "watch", "etc"), "w", g_pool);
    REQUIRE(root_cwd.has_value());
    CHECK(root_cwd->options.watch == std::vector<std::string>{"/etc"});
}

TEST_CASE("a restore accepts a watch path that has gone - a client's start does not") {
    json args = with(with(minimal(), "cwd", "/usr"), "watch", "./gone-since-save/");
    auto strict = sup::spec_from_json(args, "w", g_pool);
    REQUIRE_FALSE(strict.has_value());
    CHECK(code_of(strict.error()) == "bad_args");

    auto restored = sup::spec_from_json(args, "w", g_pool, sup::SpecOptions{.require_paths = false});
    REQUIRE(restored.has_value());
    CHECK(restored->options.watch == std::vector<std::string>{"/usr/gone-since-save"});
}

TEST_CASE("out_file and err_file join the cwd, are normalised and survive to_args") {
    json args = with(with(with(minimal(), "cwd", "/usr"), "out_file", "./lib/../out.log"), "err_file", "/tmp/e.log");
    auto spec = sup::spec_from_json(args, "l", g_pool);
    REQUIRE(spec.has_value());
    CHECK(spec->logs.out_path == "/usr/out.log");
    CHECK(spec->logs.err_path == "/tmp/e.log");
    json round = spec->to_args();
    CHECK(round["out_file"] == "/usr/out.log");
    CHECK(round["err_file"] == "/tmp/e.log");
    CHECK_FALSE(sup::spec_from_json(minimal(), "l", g_pool)->to_args().contains("out_file"));

    CHECK(sup::spec_from_json(with(minimal(), "out_file", "NULL"), "l", g_pool)->logs.out_path == "/dev/null");
    for (json bad : {json("/usr/"), json(3), json(std::string("a\0b", 3)), json("/usr"), json("/dev/stdout")}) {
        CAPTURE(bad.dump());
        auto r = sup::spec_from_json(with(minimal(), "out_file", bad), "l", g_pool);
        REQUIRE_FALSE(r.has_value());
        CHECK(code_of(r.error()) == "bad_args");
    }
    // A missing directory pmd can make is accepted (start makes it); one
    // under a file cannot be made: refused on a start, kept on a restore.
    CHECK(sup::spec_from_json(with(minimal(), "err_file", "/tmp/pm-gone-since-save/e.log"), "l", g_pool).has_value());
    json gone = with(minimal(), "err_file", "/proc/version/gone/e.log");
    CHECK_FALSE(sup::spec_from_json(gone, "l", g_pool).has_value());
    auto restored = sup::spec_from_json(gone, "l", g_pool, sup::SpecOptions{.require_paths = false});
    REQUIRE(restored.has_value());
    CHECK(restored->logs.err_path == "/proc/version/gone/e.log");
}

TEST_CASE("the spec holds the cron schedule and date format parsed, with the text they were given as") {
    json args = with(with(minimal(), "cron_restart", "*/5 * * * *"), "log_date_format", "HH:mm:ss");
    auto spec = sup::spec_from_json(args, "c", g_pool);
    REQUIRE(spec.has_value());
    REQUIRE(spec->options.cron_restart.has_value());
    CHECK(spec->options.cron_restart->schedule.minute.test(55));
    CHECK_FALSE(spec->options.cron_restart->schedule.minute.test(56));
    REQUIRE(spec->logs.date_format.has_value());
    std::string line;
    spec->logs.date_format->append(line, 0);
    CHECK(line.size() == 8);  // HH:mm:ss
    CHECK(spec->to_json()["cron_restart"] == "*/5 * * * *");
    CHECK(spec->to_args()["log_date_format"] == "HH:mm:ss");
    auto plain = sup::spec_from_json(minimal(), "c", g_pool);
    CHECK_FALSE(plain->options.cron_restart.has_value());
    CHECK_FALSE(plain->logs.date_format.has_value());
}

TEST_CASE("a start from another shell is the same start, one with another option is not") {
    json args = with(minimal(), "env", json{{"PORT", "80"}});
    auto a = sup::spec_from_json(with(args, "env_base", json{{"TERM", "xterm"}}), "s", g_pool);
    auto b = sup::spec_from_json(with(args, "env_base", json{{"TERM", "dumb"}, {"X", "1"}}), "s", g_pool);
    auto c = sup::spec_from_json(with(args, "kill_timeout", "3s"), "s", g_pool);
    auto d = sup::spec_from_json(with(minimal(), "env", json{{"PORT", "81"}}), "s", g_pool);
    REQUIRE((a && b && c && d));
    CHECK(a->same_start(*b));
    CHECK_FALSE(a->same_start(*c));
    CHECK_FALSE(a->same_start(*d));
}

TEST_CASE("a scaled spec shows and saves its new instance count, which a restore parses back") {
    auto r = sup::spec_from_json(with(minimal(), "instances", 2), "web", g_pool);
    REQUIRE(r.has_value());
    ProcessSpec scaled = *r;
    scaled.options.instances = 5;  // what ProcessTable::resize does
    CHECK(scaled.to_json()["instances"] == 5);
    CHECK(scaled.to_args()["instances"] == 5);
    auto restored = sup::spec_from_json(scaled.to_args(), "web", g_pool);
    REQUIRE(restored.has_value());
    CHECK(restored->options.instances == 5);
    CHECK_FALSE(r->same_start(scaled));
}

}  // TEST_SUITE("supervisor")
