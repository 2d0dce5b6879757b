// Live groups file: format/parse round trip, another boot's file ignored,
// and the start-up sweep stopping a group whose leader still runs.
#include "daemon/store/live_groups.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"

using namespace pm::store;
using pm::test::TempDir;

TEST_SUITE("daemon/live_groups") {

TEST_CASE("format_live and parse_live round-trip and skip lines that do not parse") {
    std::vector<LiveGroup> groups{{1234, 5678}, {42, 99}};
    std::string text = format_live(groups);
    CHECK(text.rfind("boot " + boot_id() + "\n", 0) == 0);
    CHECK(parse_live(text) == groups);
    CHECK(parse_live(text + "junk\n7 \n 8 9\n-5 3\n10 20x\n11 12\n") ==
          std::vector<LiveGroup>{{1234, 5678}, {42, 99}, {11, 12}});
}

TEST_CASE("a file written during another boot is ignored") {
    CHECK(parse_live("boot 00000000-not-this-boot\n1234 5678\n").empty());
    CHECK(parse_live("").empty());
}

TEST_CASE("process_starttime identifies a live process and is 0 for a gone one") {
    CHECK(process_starttime(getpid()) != 0);
    CHECK(process_starttime(getpid()) == process_starttime(getpid()));
    CHECK(process_starttime(0x3fffffff) == 0);
}

TEST_CASE("stop_leftover_groups stops a recorded group whose leader runs, and removes the file") {
    TempDir dir("pm-live");
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        setpgid(0, 0);
        for (;;) {
            pause();
        }
    }
    setpgid(child, child);  // no race on whether the child did it first
    std::string path = dir / "pmd.live";
    {
        std::ofstream out(path);
        // A stale entry (wrong starttime) next to the real one: only the real one is signalled.
        out << format_live({{child, process_starttime(child)}, {getpid(), 1}});
    }
    CHECK(stop_leftover_groups(path, 2000) == 1);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK(stop_leftover_groups(path, 2000) == 0);  // no file: nothing to do
}

}  // TEST_SUITE
