// The size rule end to end: a fast writer's log, rotated by --max-log-size,
// never has a file past the limit, and its rotations read back oldest first
// are exactly the output, with no line lost, repeated or reordered.
#include <doctest/doctest.h>

#include "harness.hpp"
#include "log_support.hpp"

using namespace pm::test;
using namespace pm::test::logs;

TEST_SUITE("integration/logs") {

TEST_CASE("log rotation keeps every file of a fast writer within --max-log-size") {
    TempHome home;
    // seq writes through stdio in 4 KiB blocks: pmd reads far more than
    // 64 KiB between two flushes.
    RunResult r = run_pm(home, {"start", "--name", "fast", "--restart", "never", "--max-log-size", "64K",
                                "--log-files", "1000", "--", "seq", "1", "300000"});
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    const std::string want = numbered("", 1, 300000);
    wait_until(
        [&](std::string& observed) {
            json stats = log_stats(home, "fast");
            observed = stats.dump();
            return stats.contains("out_file") && u64(stats["out_file"], "written_bytes") >= want.size();
        },
        60s, "every byte of the output was written to the rotated files");
    REQUIRE(wait_exited(home, "fast"));

    const std::string path = home.out_log("fast");
    int files = rotated_count(path, 1000);
    CHECK(files >= 30);  // 2.0 MB of output in 64 KiB files
    for (int i = 1; i <= files; ++i) {
        const std::string rotated = path + "." + std::to_string(i);
        CHECK_MESSAGE(file_size(rotated) <= 64 * 1024, rotated << " has " << file_size(rotated) << " bytes");
    }
    CHECK(file_size(path) <= 64 * 1024);
    std::string got = read_rotated(path, 1000);
    CHECK_MESSAGE(got == want, first_difference(got, want));
}

}  // TEST_SUITE("integration/logs")
