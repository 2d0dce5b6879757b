// File helpers for the integration harness.
#include "harness_files.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pm::test {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {};
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<pid_t> read_pids(const std::string& path) {
    std::vector<pid_t> out;
    std::istringstream in(read_file(path));
    long pid = 0;
    while (in >> pid) {
        out.push_back(static_cast<pid_t>(pid));
    }
    return out;
}

std::string tail_lines(const std::string& text, std::size_t n) {
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') {
        --pos;
    }
    for (std::size_t count = 0; pos > 0; --pos) {
        if (text[pos - 1] == '\n' && ++count == n) {
            break;
        }
    }
    return text.substr(pos);
}

TempDir::TempDir(std::string_view prefix) {
    std::string tmpl = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    m_path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

bool write_file(const std::string& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    return out.good();
}

void write_text(const std::string& path, const std::string& text) {
    REQUIRE_MESSAGE(write_file(path, text), "unable to write " << path);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace pm::test
