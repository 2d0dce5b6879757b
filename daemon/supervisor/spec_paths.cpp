// Path fields of a spec: normalised, absolute, checked on a client's start.
#include "daemon/supervisor/spec_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <utility>

#include "daemon/supervisor/watcher.hpp"

namespace pm::sup {

// "out_file" / "err_file" (PM2's out_file/error_file): a file path, relative
// to the cwd, made absolute and normal. A client's start checks that its
// directory exists; a restore accepts it (the file degrades until it does).
Result<void> resolve_log_paths(StartArgs& a, const SpecOptions& opts) {
    for (auto [key, path] : {std::pair{"out_file", &a.out_file}, std::pair{"err_file", &a.err_file}}) {
        if (path->empty()) {
            continue;
        }
        if (path->find('\0') != std::string::npos || path->back() == '/') {
            return fail(ErrorCode::bad_args, fmt::format("'{}' must name a file", key));
        }
        if (*path == "NULL") {  // PM2's keyword for no file
            *path = "/dev/null";
        }
        std::string p = normal_watch_path((*path)[0] == '/' ? *path : a.cwd + "/" + *path);
        std::string dir = std::filesystem::path(p).parent_path().string();
        struct stat st {};
        if (opts.require_paths && (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
            return fail(ErrorCode::bad_args, fmt::format("{} '{}': directory {} does not exist", key, p, dir));
        }
        // pmd as root creates, renames and unlinks there: another user who can
        // change that directory could point those at any file.
        bool others_write = st.st_uid != 0 || ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0);
        if (opts.require_paths && ::geteuid() == 0 && others_write) {
            return fail(ErrorCode::bad_args,
                        fmt::format("{} '{}': pmd runs as root and will not manage files in {}, which another user "
                                    "can change; use a directory owned by root",
                                    key, p, dir));
        }
        if (opts.require_paths && ::lstat(p.c_str(), &st) == 0 && (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
            // Log files are opened O_NOFOLLOW (/dev/stdout is a symlink too).
            return fail(ErrorCode::bad_args,
                        fmt::format("{} '{}' is a {}; give a file", key, p,
                                    S_ISDIR(st.st_mode) ? "directory" : "symbolic link"));
        }
        *path = std::move(p);
    }
    return {};
}

// Watch paths, relative to the cwd. Paths are normalised ("." and ".."
// resolved lexically) so that they prefix-match absolute ignores such as
// PM_HOME: "/home/u/./.pm/logs" would not, and pmd's own log writes would
// restart the app forever.
Result<void> resolve_watch_paths(StartArgs& a, const SpecOptions& opts) {
    for (auto& p : a.watch) {
        p = normal_watch_path(p[0] == '/' ? p : a.cwd + "/" + p);
        struct stat st {};
        if (opts.require_paths && ::stat(p.c_str(), &st) != 0) {
            return fail(ErrorCode::bad_args, fmt::format("watch path '{}': {}", p, std::strerror(errno)));
        }
    }
    return {};
}

}  // namespace pm::sup
