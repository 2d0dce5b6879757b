// Unit tests for LogFile: buffered appends, size rotation by rename (batches cut
// at line boundaries), truncate, reopen after external rotation, and degraded
// mode with its gap marker. Each test case has its own temp dir and clock.
#include "daemon/logs/log_file.hpp"

#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/log.hpp"

using pm::test::TempDir;

namespace {

namespace fs = std::filesystem;
using pm::logs::LogFile;
using pm::logs::LogFileOptions;

// A fresh directory removed at the end of the test case.
// Keeps the expected degraded-mode warnings out of the test output.
struct QuietLog {
    QuietLog() { pm::log_init(-1, pm::LogLevel::error); }
    ~QuietLog() { pm::log_init(2, pm::LogLevel::info); }
    QuietLog(const QuietLog&) = delete;
    QuietLog& operator=(const QuietLog&) = delete;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ino_t inode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_ino;
}

// The files of a log, oldest rotation first, the current file last.
std::vector<std::string> history(const std::string& path) {
    std::vector<std::string> files;
    for (int i = 1; fs::exists(LogFile::rotated_name(path, i)); ++i) {
        files.insert(files.begin(), read_file(LogFile::rotated_name(path, i)));
    }
    files.push_back(read_file(path));
    return files;
}

std::size_t first_line_size(const std::string& text) { return text.find('\n') + 1; }

}  // namespace

TEST_SUITE("logs") {

TEST_CASE("log file rotation names append the rotation number") {
    CHECK(LogFile::rotated_name("/var/pm/logs/web-0.out.log", 1) == "/var/pm/logs/web-0.out.log.1");
    CHECK(LogFile::rotated_name("/var/pm/logs/web-0.out.log", 2) == "/var/pm/logs/web-0.out.log.2");
    CHECK(LogFile::rotated_name("app.log", 10) == "app.log.10");
}

TEST_CASE("log file writes appended lines on flush") {
    TempDir dir("pm-logfile");
    std::int64_t now = 0;
    const std::string path = dir / "app.log";
    LogFile f(path, LogFileOptions{}, [&] { return now; });
    CHECK(f.path() == path);
    CHECK_FALSE(f.degraded());
    CHECK(fs::exists(path));  // created on open

    f.append_line("first");
    f.append_line("");
    f.append_line("third line");
    CHECK(f.buffered() == 6 + 1 + 11);
    CHECK(read_file(path).empty());  // buffered until flush
    f.flush();
    CHECK(f.buffered() == 0);
    CHECK(read_file(path) == "first\n\nthird line\n");
    CHECK(f.stats().written_bytes == 18);
    CHECK(f.stats().dropped_lines == 0);

    SUBCASE("later flushes append") {
        f.append_line("fourth");
        f.flush();
        CHECK(read_file(path) == "first\n\nthird line\nfourth\n");
    }
    SUBCASE("an existing file is appended to, not replaced") {
        LogFile g(path, LogFileOptions{}, [&] { return now; });
        g.append_line("from g");
        g.flush();
        CHECK(read_file(path) == "first\n\nthird line\nfrom g\n");
    }
    SUBCASE("destruction flushes the buffer") {
        {
            LogFile g(dir / "other.log", LogFileOptions{}, [&] { return now; });
            g.append_line("unflushed");
        }
        CHECK(read_file(dir / "other.log") == "unflushed\n");
    }
}

TEST_CASE("a rotation that cannot move the file keeps appending, stops retrying, and resumes after reopen") {
    TempDir dir("pm-logfile");
    const std::string path = dir / "app.log";
    LogFileOptions opts;
    opts.max_size = 20;
    opts.keep = 1;
    LogFile f(path, opts, [] { return std::int64_t{0}; });
    const std::string r1 = LogFile::rotated_name(path, 1);
    fs::create_directories(r1 + "/in-the-way");  // rename(app.log, app.log.1) fails: a non-empty directory
    for (int i = 0; i < 5; ++i) {
        f.append_line("line-000" + std::to_string(i));
        f.flush();
    }
    CHECK(read_file(path) == "line-0000\nline-0001\nline-0002\nline-0003\nline-0004\n");  // nothing lost
    CHECK(f.stats().rotations == 0);
    CHECK_FALSE(f.rotate_now());  // off until reopen: no rename storm at every flush
    CHECK_FALSE(f.degraded());

    fs::remove_all(r1);
    f.reopen();
    CHECK(f.rotate_now());
    CHECK(f.stats().rotations == 1);
    CHECK(read_file(r1) == "line-0000\nline-0001\nline-0002\nline-0003\nline-0004\n");
}

TEST_CASE("log file rotates by rename when it would exceed max_size and keeps K") {
    TempDir dir("pm-logfile");
    std::int64_t now = 0;
    const std::string path = dir / "app.log";
    LogFileOptions opts;
    opts.max_size = 20;  // two 10-byte lines per file
    opts.keep = 2;
    LogFile f(path, opts, [&] { return now; });
    auto write = [&](int i) {
        f.append_line("line-000" + std::to_string(i));  // 9 bytes + newline
        f.flush();
    };
    const std::string r1 = LogFile::rotated_name(path, 1);
    const std::string r2 = LogFile::rotated_name(path, 2);
    const std::string r3 = LogFile::rotated_name(path, 3);

    write(0);
    write(1);
    CHECK(read_file(path) == "line-0000\nline-0001\n");  // exactly max_size: no rotation
    CHECK_FALSE(fs::exists(r1));
    CHECK(f.stats().rotations == 0);

    ino_t first_inode = inode_of(path);
    write(2);
    CHECK(f.stats().rotations == 1);
    CHECK(read_file(r1) == "line-0000\nline-0001\n");
    CHECK(inode_of(r1) == first_inode);  // renamed, not copied
    CHECK(read_file(path) == "line-0002\n");
    CHECK_FALSE(fs::exists(r2));

    write(3);
    write(4);
    CHECK(f.stats().rotations == 2);
    CHECK(read_file(r2) == "line-0000\nline-0001\n");
    CHECK(read_file(r1) == "line-0002\nline-0003\n");
    CHECK(read_file(path) == "line-0004\n");

    write(5);
    write(6);
    CHECK(f.stats().rotations == 3);
    // keep = 2: the oldest file is dropped, not shifted to .3.
    CHECK_FALSE(fs::exists(r3));
    CHECK(read_file(r2) == "line-0002\nline-0003\n");
    CHECK(read_file(r1) == "line-0004\nline-0005\n");
    CHECK(read_file(path) == "line-0006\n");
    CHECK(f.stats().written_bytes == 70);
    CHECK(f.stats().dropped_lines == 0);
}

TEST_CASE("log file writes a line longer than max_size whole into a fresh file") {
    TempDir dir("pm-logfile");
    std::int64_t now = 0;
    const std::string path = dir / "app.log";
    LogFileOptions opts;
    opts.max_size = 16;
    opts.keep = 3;
    LogFile f(path, opts, [&] { return now; });
    const std::string big(40, 'b');
    f.append_line(big);
    f.flush();
    CHECK(read_file(path) == big + "\n");  // empty file: no rotation, no split
    CHECK(f.stats().rotations == 0);
    f.append_line("next");
    f.flush();
    CHECK(f.stats().rotations == 1);
    CHECK(read_file(LogFile::rotated_name(path, 1)) == big + "\n");
    CHECK(read_file(path) == "next\n");
}

TEST_CASE("log file truncate_all deletes rotations and empties the file") {
    TempDir dir("pm-logfile");
    std::int64_t now = 0;
    const std::string path = dir / "app.log";
    LogFileOptions opts;
    opts.max_size = 20;
    opts.keep = 3;
    LogFile f(path, opts, [&] { return now; });
    for (int i = 0; i < 7; ++i) {
        f.append_line("line-000" + std::to_string(i));
        f.flush();
    }
    REQUIRE(fs::exists(LogFile::rotated_name(path, 1)));
    REQUIRE(fs::exists(LogFile::rotated_name(path, 2)));
    REQUIRE(fs::exists(LogFile::rotated_name(path, 3)));
    f.append_line("buffered, never written");

    f.truncate_all();
    CHECK(f.buffered() == 0);
    CHECK(fs::exists(path));
    CHECK(fs::file_size(path) == 0);
    for (int i = 1; i <= 3; ++i) {
        CHECK_FALSE(fs::exists(LogFile::rotated_name(path, i)));
    }

    // Writing resumes at the start of the emptied file, and the size count
    // restarted: two lines fit again before the next rotation.
    f.append_line("after-0");
    f.flush();
    f.append_line("after-1");
    f.flush();
    CHECK(read_file(path) == "after-0\nafter-1\n");
    CHECK_FALSE(fs::exists(LogFile::rotated_name(path, 1)));
}

TEST_CASE("log file reopen writes to a new file after the old one was renamed away") {
    TempDir dir("pm-logfile");
    std::int64_t now = 0;
    const std::string path = dir / "app.log";
    const std::string moved = dir / "app.log.moved";
    LogFile f(path, LogFileOptions{}, [&] { return now; });
    f.append_line("before");
    f.flush();
    f.append_line("pending at rename");
    REQUIRE(::rename(path.c_str(), moved.c_str()) == 0);

    f.reopen();
    CHECK_FALSE(f.degraded());
    REQUIRE(fs::exists(path));
    f.append_line("after");
    f.flush();
    // Lines buffered before reopen go to the old file; new ones to the new file.
    CHECK(read_file(moved) == "before\npending at rename\n");
    CHECK(read_file(path) == "after\n");
}

TEST_CASE("log file degrades when it cannot open, then marks the gap when writing resumes") {
    QuietLog quiet;
    TempDir dir("pm-logfile");
    std::int64_t now = 5000;
    const std::string sub = dir / "later";
    const std::string path = sub + "/app.log";
    LogFile f(path, LogFileOptions{}, [&] { return now; });
    CHECK(f.degraded());
    CHECK(f.stats().write_errors == 1);
    CHECK(f.stats().last_errno == ENOENT);

    f.append_line("lost-1");
    f.append_line("lost-2");
    f.append_line("lost-3");
    f.flush();
    CHECK(f.buffered() == 0);
    CHECK(f.stats().dropped_lines == 3);
    CHECK(f.stats().dropped_bytes == 21);
    CHECK(f.stats().written_bytes == 0);

    REQUIRE(fs::create_directory(sub));

    // Before the retry delay passes, lines are still dropped.
    now += 999;
    f.append_line("lost-4");
    f.flush();
    CHECK(f.degraded());
    CHECK(f.stats().dropped_lines == 4);
    CHECK_FALSE(fs::exists(path));

    SUBCASE("writing resumes after the retry delay") {
        now += 1;  // 1000 ms after the failure
        f.append_line("kept-1");
        f.append_line("kept-2");
        f.flush();
        CHECK_FALSE(f.degraded());
        REQUIRE(fs::exists(path));
        std::string content = read_file(path);
        const std::string marker_head = "pmd: dropped 4 lines (28 bytes) ";
        CHECK(content.rfind(marker_head, 0) == 0);
        auto nl = content.find('\n');
        REQUIRE(nl != std::string::npos);
        CHECK(content.substr(nl + 1) == "kept-1\nkept-2\n");
        CHECK(f.stats().dropped_lines == 4);  // the marker is not counted as dropped

        // The gap is reported once; later lines have no marker.
        f.append_line("kept-3");
        f.flush();
        CHECK(content + "kept-3\n" == read_file(path));
    }
    SUBCASE("a failed retry backs off and keeps counting the gap") {
        fs::remove(sub);
        now += 1;  // retry at 1000 ms fails: next retry 2000 ms later
        f.append_line("lost-5");
        f.flush();
        CHECK(f.degraded());
        CHECK(f.stats().write_errors == 2);
        CHECK(f.stats().dropped_lines == 5);
        REQUIRE(fs::create_directory(sub));
        now += 1999;
        f.append_line("lost-6");
        f.flush();
        CHECK(f.degraded());
        CHECK(f.stats().dropped_lines == 6);
        now += 1;
        f.append_line("kept");
        f.flush();
        CHECK_FALSE(f.degraded());
        std::string content = read_file(path);
        CHECK(content.rfind("pmd: dropped 6 lines ", 0) == 0);
        CHECK(content.substr(content.find('\n') + 1) == "kept\n");
    }
}

TEST_CASE("log file cuts a batch crossing max_size at line boundaries: no file exceeds it and none is lost") {
    TempDir dir("pm-logfile");
    const std::string path = dir / "app.log";
    LogFileOptions opts;
    opts.max_size = 256;
    opts.keep = 500;
    LogFile f(path, opts, [] { return std::int64_t{0}; });
    std::string want;
    for (int i = 0; i < 2000; ++i) {  // lines of 2 to 37 bytes, one flush
        std::string line = std::to_string(i) + std::string(static_cast<std::size_t>(i % 31), 'x');
        f.append_line(line);
        want += line + "\n";
    }
    f.flush();

    std::vector<std::string> files = history(path);
    REQUIRE(files.size() > 100);
    CHECK(f.stats().rotations == files.size() - 1);
    std::string got;
    for (std::size_t i = 0; i < files.size(); ++i) {
        CHECK(files[i].size() <= 256);
        CHECK(files[i].back() == '\n');
        if (i + 1 < files.size()) {  // rotated only when the next line did not fit
            CHECK(files[i].size() + first_line_size(files[i + 1]) > 256);
        }
        got += files[i];
    }
    CHECK(got == want);
    CHECK(f.stats().written_bytes == want.size());
}

TEST_CASE("log file gives a line longer than max_size inside a batch a file of its own") {
    TempDir dir("pm-logfile");
    const std::string path = dir / "app.log";
    LogFileOptions opts;
    opts.max_size = 32;
    opts.keep = 10;
    LogFile f(path, opts, [] { return std::int64_t{0}; });
    const std::string big(100, 'b');
    f.append_line("short-1");
    f.append_line("short-2");
    f.append_line(big);
    f.append_line("short-3");
    f.append_line(big);
    f.append_line(big);
    f.append_line("short-4");
    f.flush();

    std::vector<std::string> want = {"short-1\nshort-2\n", big + "\n", "short-3\n", big + "\n", big + "\n",
                                     "short-4\n"};
    CHECK(history(path) == want);
}

TEST_CASE("log file starts a new file for the gap marker rather than take a full one past max_size") {
    QuietLog quiet;
    TempDir dir("pm-logfile");
    std::int64_t now = 0;
    const std::string sub = dir / "later";
    const std::string path = sub + "/app.log";
    LogFileOptions opts;
    opts.max_size = 200;
    opts.keep = 3;
    LogFile f(path, opts, [&] { return now; });
    REQUIRE(f.degraded());
    f.append_line("lost");
    f.flush();

    REQUIRE(fs::create_directory(sub));
    const std::string before(150, 'a');
    std::ofstream(path) << before << "\n";  // 151 bytes: no room for the marker
    now += 1000;
    f.append_line("kept");
    f.flush();
    CHECK_FALSE(f.degraded());
    CHECK(f.stats().rotations == 1);
    CHECK(read_file(LogFile::rotated_name(path, 1)) == before + "\n");
    std::string content = read_file(path);
    CHECK(content.rfind("pmd: dropped 1 lines (5 bytes) ", 0) == 0);
    CHECK(content.substr(first_line_size(content)) == "kept\n");
    CHECK(content.size() <= 200);
}

}  // TEST_SUITE("logs")
