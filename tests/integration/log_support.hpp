// Helpers shared by the log and metrics integration tests: reading a spawned
// pm's stdout line by line, expected output of pm_test_child, rotated log
// files, pmd's RSS, and the daemon's stats requests.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"

namespace pm::test::logs {

// "<prefix><from>\n" ... "<prefix><to>\n", as pm_test_child prints them.
std::string numbered(std::string_view prefix, long long from, long long to);

// Lines of `text` without their newlines (a trailing newline ends the last).
std::vector<std::string> split_lines(std::string_view text);

std::size_t count_of(std::string_view text, std::string_view needle);

// The first line of `text` that differs from `want`, for failure messages.
std::string first_difference(std::string_view got, std::string_view want);

// pm logs prints "<id>|<name> | <text>"; the text part of each line.
std::vector<std::string> texts_of(const std::string& pm_logs_out);

long long file_size(const std::string& path);

// Highest N such that path.N exists (0 when none).
int rotated_count(const std::string& path, int keep);

// path.N, ..., path.1, then path: the whole history, oldest first.
std::string read_rotated(const std::string& path, int keep);

// VmRSS of a process in bytes (-1 when unreadable).
long long rss_bytes(pid_t pid);

// Reads lines from a descriptor (a spawned pm's stdout, or a RawClient's
// socket when all reading goes through this reader) without blocking
// forever. Consumed bytes are dropped in bulk, so many short lines from one
// large read cost linear time.
class LineReader {
public:
    explicit LineReader(int fd) : m_fd(fd) {}

    // Next line without its newline; false on timeout or EOF.
    bool next(std::string& line, Ms timeout);
    // Next line parsed as JSON (null on timeout, EOF or bad JSON).
    json next_json(Ms timeout);

    bool eof() const { return m_eof; }

private:
    int m_fd;
    std::string m_buf;
    std::size_t m_pos = 0;
    bool m_eof = false;
};

// Ends a spawned pm (SIGTERM, then what finish() does) and returns its output.
RunResult stop_spawned(Spawned& s, int sig = SIGTERM);

// The result object of one raw request ({} when it failed).
json result_of(const TempHome& home, std::string_view cmd, const json& args = json::object());

json memory_stats(const TempHome& home);

// `pm show NAME --json` parsed (the result object: {spec, instances}).
json show_json(const TempHome& home, const std::string& name);

// logs stats of instance 0 of `name` (show's instances[0].logs).
json log_stats(const TempHome& home, const std::string& name);

std::uint64_t u64(const json& j, const char* key);

// Waits until the instance left the running states (for --restart never runs).
bool wait_exited(const TempHome& home, const std::string& name, Ms timeout = 30s);

// Waits until `path` holds at least `size` bytes.
bool wait_file_size(const std::string& path, long long size, Ms timeout);

// Whether this build runs under AddressSanitizer (every target is built the
// same way): its allocator keeps freed blocks in a quarantine, so RSS bounds
// are wider there.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool k_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool k_asan = true;
#else
inline constexpr bool k_asan = false;
#endif
#else
inline constexpr bool k_asan = false;
#endif

// pmd options for tests that measure its RSS: under ASan, freed blocks sit in
// a quarantine (256 MB by default) and would count as growth; a small
// quarantine keeps use-after-free checks while RSS reflects what pmd holds.
TempHomeOptions rss_friendly(std::vector<std::string> pmd_args = {});

}  // namespace pm::test::logs
