// pmd.log: lines are written whole, and the file is rotated to pmd.log.1
// before it would pass its size limit, keeping the same fd.
#include "daemon/log.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

using pm::test::TempDir;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_SUITE("daemon/log") {

TEST_CASE("pmd.log is rotated to pmd.log.1 before it passes its limit, and no line is split or lost") {
    TempDir dir("pm-log");
    std::string path = dir / "pmd.log";
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    pm::log_init(fd, pm::LogLevel::info, path, 1000);
    for (int i = 0; i < 30; ++i) {
        PM_LOG(info, "line {:02d} {}", i, std::string(40, 'x'));
    }
    PM_LOG(debug, "below the level: not written");
    pm::log_init(-1, pm::LogLevel::info);  // back to silent for the other tests
    std::string now = slurp(path);
    std::string old = slurp(path + ".1");
    CHECK(now.size() <= 1000);
    CHECK(old.size() <= 1000);
    CHECK_FALSE(old.empty());
    CHECK(now.find("line 29") != std::string::npos);
    CHECK(now.find("below the level") == std::string::npos);
    // The newest lines, in order, across the two files: one old file is kept.
    std::string both = old + now;
    std::size_t pos = 0;
    int first = -1, count = 0;
    for (int i = 0; i < 30; ++i) {
        auto at = both.find("line " + std::string(i < 10 ? "0" : "") + std::to_string(i), pos);
        if (at != std::string::npos) {
            first = first < 0 ? i : first;
            ++count;
            pos = at;
        }
    }
    CHECK(count == 30 - first);  // contiguous up to the last line
    CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    ::close(fd);
}

}  // TEST_SUITE
