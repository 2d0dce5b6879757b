// Unit tests for PM_HOME resolution and the file names under it.
#include "common/paths.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace {

// Sets (or unsets) one environment variable for the scope, then restores it.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name); old != nullptr) {
            m_old = old;
        }
        if (value == nullptr) {
            ::unsetenv(name);
        } else {
            ::setenv(name, value, 1);
        }
    }
    ~ScopedEnv() {
        if (m_old) {
            ::setenv(m_name, m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

}  // namespace

TEST_SUITE("common") {

TEST_CASE("paths live under PM_HOME when it is set") {
    ScopedEnv home("PM_HOME", "/tmp/pm-test-home");
    pm::Paths p = pm::resolve_paths();
    CHECK(p.home == "/tmp/pm-test-home");
    CHECK(p.sock() == "/tmp/pm-test-home/pmd.sock");
    CHECK(p.pid() == "/tmp/pm-test-home/pmd.pid");
    CHECK(p.lock() == "/tmp/pm-test-home/pmd.lock");
    CHECK(p.daemon_log() == "/tmp/pm-test-home/pmd.log");
    CHECK(p.logs_dir() == "/tmp/pm-test-home/logs");
    CHECK(p.dump() == "/tmp/pm-test-home/dump.json");
}

TEST_CASE("paths fall back to HOME/.pm when PM_HOME is unset or empty") {
    ScopedEnv user_home("HOME", "/home/someone");
    SUBCASE("unset") {
        ScopedEnv pm_home("PM_HOME", nullptr);
        CHECK(pm::resolve_paths().home == "/home/someone/.pm");
    }
    SUBCASE("empty") {
        ScopedEnv pm_home("PM_HOME", "");
        CHECK(pm::resolve_paths().home == "/home/someone/.pm");
    }
}

TEST_CASE("paths fall back to a per-uid tmp dir without HOME") {
    ScopedEnv pm_home("PM_HOME", nullptr);
    ScopedEnv user_home("HOME", nullptr);
    CHECK(pm::resolve_paths().home == "/tmp/pm-" + std::to_string(::getuid()));
}

}  // TEST_SUITE("common")
