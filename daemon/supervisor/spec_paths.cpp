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
Result<void> parse_log_paths(const json& args, ProcessSpec& spec, const SpecOptions& opts) {
    for (auto [key, target] : {std::pair{"out_file", &spec.logs.out_path}, std::pair{"err_file", &spec.logs.err_path}}) {
        auto path = arg_string(args, key, "");
        if (!path) {
            return path.error();
        }
        if (path->empty()) {
            continue;
        }
        if (path->find('\0') != std::string::npos || path->back() == '/') {
            return fail(ErrorCode::bad_args, fmt::format("'{}' must name a file", key));
        }
        if (*path == "NULL") {  // PM2's keyword for no file
            *path = "/dev/null";
        }
        std::string p = normal_watch_path((*path)[0] == '/' ? *path : spec.cwd.str() + "/" + *path);
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
        *target = std::move(p);
    }
    return {};
}

// "watch": true (the cwd), a path, or a list of paths; relative to the cwd.
// Paths are normalised ("." and ".." resolved lexically) so that they
// prefix-match absolute ignores such as PM_HOME: "/home/u/./.pm/logs" would
// not, and pmd's own log writes would restart the app forever.
Result<void> parse_watch_paths(const json& args, ProcessSpec& spec, const SpecOptions& opts) {
    auto it = args.find("watch");
    std::vector<std::string> paths;
    if (it == args.end() || it->is_null() || (it->is_boolean() && !it->get<bool>())) {
        return {};
    }
    if (it->is_boolean()) {
        paths.push_back(spec.cwd.str());
    } else if (it->is_string()) {
        paths.push_back(it->get<std::string>());
    } else {
        auto list = arg_string_list(args, "watch", k_max_watch_paths);
        if (!list) {
            return fail(ErrorCode::bad_args, "'watch' must be true, a path or a list of paths");
        }
        paths = std::move(*list);
    }
    for (auto& p : paths) {
        if (p.empty() || p.find('\0') != std::string::npos) {
            return fail(ErrorCode::bad_args, "'watch' paths must be non-empty");
        }
        p = normal_watch_path(p[0] == '/' ? p : spec.cwd.str() + "/" + p);
        struct stat st {};
        if (opts.require_paths && ::stat(p.c_str(), &st) != 0) {
            return fail(ErrorCode::bad_args, fmt::format("watch path '{}': {}", p, std::strerror(errno)));
        }
    }
    auto ignore = arg_string_list(args, "watch_ignore", k_max_watch_paths);
    if (!ignore) {
        return ignore.error();
    }
    spec.watch = std::move(paths);
    spec.watch_ignore = std::move(*ignore);
    return {};
}

}  // namespace pm::sup
