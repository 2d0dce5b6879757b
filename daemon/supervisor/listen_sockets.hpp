// Listening sockets of an app (`listen`): bound once by pmd, shared by every
// spec of the app and passed to each instance with systemd's
// socket-activation protocol (fds 3.., LISTEN_FDS, LISTEN_FDNAMES,
// LISTEN_PID). Closed when the last spec holding them goes (the app is
// deleted, or started again with other sockets). No spawning here.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/listen_url.hpp"
#include "common/result.hpp"

namespace pm::sup {

// The first fd of the protocol (sd-daemon.h's SD_LISTEN_FDS_START).
inline constexpr int k_listen_fds_start = 3;

struct ListenSocket {
    ListenSocket() = default;
    ~ListenSocket();  // closes; a unix socket file it created is removed
    ListenSocket(const ListenSocket&) = delete;
    ListenSocket& operator=(const ListenSocket&) = delete;

    ListenUrl url;
    UniqueFd fd;        // close-on-exec in pmd; uv_spawn places it in the child
    std::string name;   // LISTEN_FDNAMES entry (listen_fd_name)
    std::string bound;  // what was bound: the URL with the real port
    dev_t dev = 0;      // unix: the socket file, removed only while still ours
    ino_t ino = 0;
};

// One app's sockets, in the order of its `listen` list.
struct ListenSet {
    std::vector<std::shared_ptr<const ListenSocket>> sockets;
    std::string node_preload;  // the preload's path (NODE_OPTIONS --require); "" for none
};

// Binds the sockets of `urls`; a URL `current` already holds keeps its
// socket (a start after a stop, a changed spec), so its port never closes.
// On a failure nothing new stays bound: io_error saying
// `listen tcp://127.0.0.1:80: unable to bind: EACCES (permission denied)`.
// Loop thread (bind and listen do not block).
Result<std::shared_ptr<const ListenSet>> bind_listen_set(const std::vector<ListenUrl>& urls, const ListenSet* current,
                                                         std::string node_preload);

// Pure. The protocol's variables for a child: LISTEN_FDS, LISTEN_FDNAMES
// and, with a preload, NODE_OPTIONS gaining `--require "<preload>"` (after
// what the app sets). Entries of `env` with these names are replaced.
void add_listen_environment(std::vector<std::string>& env, const ListenSet& set);

// Pure. `argv` run through a /bin/sh trampoline that sets LISTEN_PID to its
// own pid and execs the program (same pid): libuv has no hook between fork
// and exec, and sd_listen_fds() ignores the fds unless LISTEN_PID is its pid.
std::vector<std::string> with_listen_pid(const std::vector<std::string>& argv);

// Whether `program` can be exec'd as the trampoline will (PATH of `env` when
// it has no slash, relative to `cwd` otherwise): 0 or a libuv error code
// (UV_ENOENT, UV_EACCES). A program that cannot be run is spawned without
// the trampoline, so its spawn fails as usual instead of becoming a shell's
// exit 127.
int check_executable(const std::string& program, const std::string& cwd, const std::vector<std::string>& env);

}  // namespace pm::sup
