// TempDir: a private directory under the system temp dir for unit tests that
// touch files; removed with its content. `dir / "name"` builds a path in it.
// No doctest here (a failure throws): the benchmarks use it too.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace pm::test {

struct TempDir {
    std::string path;
    explicit TempDir(std::string_view prefix = "pm-unit") {
        std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
        }
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

}  // namespace pm::test
