// Integration harness: probes of /proc (liveness, zombies, open fds, the
// processes carrying an environment entry).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace pm::test {

// Alive and not a zombie.
bool pid_alive(pid_t pid);
bool is_zombie(pid_t pid);
// /proc/PID exists at all (alive or zombie).
bool pid_exists(pid_t pid);
// Children of `parent` in state Z.
std::vector<pid_t> zombies_of(pid_t parent);
// Entries in /proc/PID/fd (-1 when unreadable).
int fd_count(pid_t pid);
// Live (non-zombie) processes whose environment has the entry NAME=VALUE.
std::vector<pid_t> pids_with_env(std::string_view entry);
// Live processes running `exe` with `env_entry` in their environment.
std::vector<pid_t> pids_of_exe_with_env(const std::string& exe, std::string_view env_entry);
std::string describe_pids(const std::vector<pid_t>& pids);
// A NUL-separated /proc/PID file (environ, cmdline) split into its entries.
std::vector<std::string> proc_strings(pid_t pid, const char* what);

}  // namespace pm::test
