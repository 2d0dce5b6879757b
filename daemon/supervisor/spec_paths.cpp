// Path fields of a spec: normalised, absolute, checked on a client's start.
#include "daemon/supervisor/spec_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <utility>
#include <vector>

#include "daemon/supervisor/watcher.hpp"

namespace pm::sup {
namespace {

// The nearest directory of `dir` (itself or an ancestor) that exists.
std::string nearest_existing(std::string dir) {
    struct stat st {};
    while (!dir.empty() && dir != "/" && ::stat(dir.c_str(), &st) != 0) {
        dir = std::filesystem::path(dir).parent_path().string();
    }
    return dir.empty() ? "/" : dir;
}

}  // namespace

// "out_file" / "err_file" (PM2's out_file/error_file): a file path, relative
// to the cwd, made absolute and normal. A client's start checks that its
// directory exists or can be created (create_log_dirs makes it, as PM2
// does); a restore accepts it (the file degrades until it does).
Result<void> resolve_log_paths(StartArgs& a, const SpecOptions& opts) {
    for (auto [key, path] :
         {std::pair{"out_file", &a.out_file}, std::pair{"err_file", &a.err_file}, std::pair{"log_file", &a.log_file}}) {
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
        if (opts.require_paths && ::stat(dir.c_str(), &st) != 0) {
            // Missing: its nearest existing ancestor decides whether pmd can make it.
            std::string base = nearest_existing(dir);
            if (::stat(base.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(base.c_str(), W_OK | X_OK) != 0) {
                return fail(ErrorCode::bad_args,
                            fmt::format("{} '{}': directory {} does not exist and cannot be created ({} is not a "
                                        "writable directory)",
                                        key, p, dir, base));
            }
            dir = base;
        } else if (opts.require_paths && !S_ISDIR(st.st_mode)) {
            return fail(ErrorCode::bad_args, fmt::format("{} '{}': {} is not a directory", key, p, dir));
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

Result<void> create_log_dirs(const ProcessSpec& spec) {
    for (const std::string* path : {&spec.logs.out_path, &spec.logs.err_path, &spec.logs.all_path}) {
        if (path->empty()) {
            continue;
        }
        std::string dir = std::filesystem::path(*path).parent_path().string();
        // Each missing level with mkdir(0755), PM2's mode for log
        // directories outside PM_HOME (log files inside it are refused).
        std::vector<std::string> missing;
        struct stat st {};
        for (std::string d = dir; !d.empty() && d != "/" && ::stat(d.c_str(), &st) != 0;
             d = std::filesystem::path(d).parent_path().string()) {
            missing.push_back(d);
        }
        for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
            if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
                return fail(ErrorCode::io_error,
                            fmt::format("unable to create log directory {}: {}", *it, std::strerror(errno)));
            }
            // pmd's umask (077) would leave 0700: the user's directory
            // gets PM2's mode, readable by the tools that read logs.
            (void)::chmod(it->c_str(), 0755);
        }
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
