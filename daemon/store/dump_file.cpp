// Dump file I/O. A dump is {"version":1,"saved_at":ms,"apps":[...]}.
#include "daemon/store/dump_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "common/fd.hpp"

namespace pm::store {
namespace {

Error io_error(std::string_view what, const std::string& path) {
    return Error{ErrorCode::io_error, fmt::format("unable to {} {}: {}", what, path, std::strerror(errno))};
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

Result<json> parse_dump(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Error{ErrorCode::not_found, fmt::format("{} does not exist", path)};
    }
    std::stringstream ss;
    ss << in.rdbuf();
    json doc = json::parse(ss.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("apps") || !doc["apps"].is_array()) {
        return Error{ErrorCode::invalid_json, fmt::format("{} is corrupt (not a pm dump)", path)};
    }
    return doc;
}

}  // namespace

Result<void> write_dump(const std::string& path, const json& doc) {
    std::string tmp = path + ".tmp";
    std::string text = doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    {
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd.valid()) {
            return io_error("create", tmp);
        }
        std::string_view rest = text;
        while (!rest.empty()) {
            ssize_t n = ::write(fd.get(), rest.data(), rest.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                auto err = io_error("write", tmp);
                ::unlink(tmp.c_str());
                return err;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        if (::fsync(fd.get()) != 0) {
            auto err = io_error("fsync", tmp);
            ::unlink(tmp.c_str());
            return err;
        }
    }
    // Keep the previous good copy: only a dump that parses becomes the backup.
    if (parse_dump(path)) {
        ::rename(path.c_str(), (path + ".bak").c_str());
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        return io_error("rename", tmp);
    }
    UniqueFd dir(::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid()) {
        ::fsync(dir.get());
    }
    return {};
}

Result<Loaded> read_dump(const std::string& path) {
    auto main = parse_dump(path);
    if (main) {
        return Loaded{std::move(*main), path, ""};
    }
    auto bak = parse_dump(path + ".bak");
    if (bak) {
        return Loaded{std::move(*bak), path + ".bak",
                      fmt::format("{}; restored from the backup {}.bak", main.error().message, path)};
    }
    if (main.error().code == ErrorCode::not_found && bak.error().code == ErrorCode::not_found) {
        return Error{ErrorCode::not_found, fmt::format("nothing saved: {} does not exist (run pm save)", path)};
    }
    return Error{ErrorCode::io_error,
                 fmt::format("{}; and the backup: {}", main.error().message, bak.error().message)};
}

}  // namespace pm::store
