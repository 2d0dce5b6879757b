// Integration harness: reading and writing files, and private temporary
// directories.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace pm::test {

std::string read_file(const std::string& path);  // "" if missing
bool file_exists(const std::string& path);
bool contains(const std::string& haystack, const std::string& needle);
// Pids written one per line (pm_test_child's pidfile / fork-tree files).
std::vector<pid_t> read_pids(const std::string& path);
std::string tail_lines(const std::string& text, std::size_t n);

// A private directory under /tmp (mkdtemp), removed with its content.
class TempDir {
public:
    explicit TempDir(std::string_view prefix = "pm-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return m_path; }
    std::string file(std::string_view name) const { return m_path + "/" + std::string(name); }

private:
    std::string m_path;
};

// Writes `content` to `path` (replacing it); false on error.
bool write_file(const std::string& path, std::string_view content);
// The same, failing the test (REQUIRE) on error.
void write_text(const std::string& path, const std::string& text);

}  // namespace pm::test
