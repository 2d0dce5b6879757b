// /proc probes for the integration harness.
#include "harness_proc.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "harness_files.hpp"

namespace pm::test {
namespace {

// Fields of /proc/PID/stat after the command name: state and ppid.
bool read_stat(pid_t pid, char& state, pid_t& ppid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) {
        return false;
    }
    std::istringstream rest(stat.substr(close + 2));
    int pp = 0;
    if (!(rest >> state >> pp)) {
        return false;
    }
    ppid = pp;
    return true;
}

std::vector<pid_t> all_pids() {
    std::vector<pid_t> out;
    DIR* d = opendir("/proc");
    if (d == nullptr) {
        return out;
    }
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
            out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
        }
    }
    closedir(d);
    return out;
}

bool environ_has(pid_t pid, std::string_view entry) {
    std::string env = read_file("/proc/" + std::to_string(pid) + "/environ");
    std::size_t pos = 0;
    while (pos < env.size()) {
        std::size_t end = env.find('\0', pos);
        if (end == std::string::npos) {
            end = env.size();
        }
        if (std::string_view(env).substr(pos, end - pos) == entry) {
            return true;
        }
        pos = end + 1;
    }
    return false;
}

std::string canonical_or_same(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : p.string();
}

}  // namespace

bool pid_exists(pid_t pid) {
    struct stat st {};
    return pid > 0 && ::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0;
}

bool is_zombie(pid_t pid) {
    char state = 0;
    pid_t ppid = 0;
    return read_stat(pid, state, ppid) && state == 'Z';
}

bool pid_alive(pid_t pid) {
    char state = 0;
    pid_t ppid = 0;
    return pid > 0 && read_stat(pid, state, ppid) && state != 'Z' && state != 'X';
}

std::vector<pid_t> zombies_of(pid_t parent) {
    std::vector<pid_t> out;
    for (pid_t pid : all_pids()) {
        char state = 0;
        pid_t ppid = 0;
        if (read_stat(pid, state, ppid) && ppid == parent && state == 'Z') {
            out.push_back(pid);
        }
    }
    return out;
}

int fd_count(pid_t pid) {
    DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (d == nullptr) {
        return -1;
    }
    int n = 0;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] != '.') {
            ++n;
        }
    }
    closedir(d);
    return n;
}

std::vector<pid_t> pids_with_env(std::string_view entry) {
    std::vector<pid_t> out;
    pid_t self = ::getpid();
    for (pid_t pid : all_pids()) {
        if (pid != self && pid_alive(pid) && environ_has(pid, entry)) {
            out.push_back(pid);
        }
    }
    return out;
}

std::vector<pid_t> pids_of_exe_with_env(const std::string& exe, std::string_view env_entry) {
    std::vector<pid_t> out;
    std::string want = canonical_or_same(exe);
    for (pid_t pid : all_pids()) {
        char buf[4096];
        ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf - 1);
        if (n <= 0 || std::string(buf, static_cast<std::size_t>(n)) != want) {
            continue;
        }
        if (pid_alive(pid) && environ_has(pid, env_entry)) {
            out.push_back(pid);
        }
    }
    return out;
}

std::string describe_pids(const std::vector<pid_t>& pids) {
    std::string out;
    for (pid_t pid : pids) {
        std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
        for (auto& c : cmd) {
            if (c == '\0') {
                c = ' ';
            }
        }
        char state = '?';
        pid_t ppid = 0;
        read_stat(pid, state, ppid);
        out += "\n    pid " + std::to_string(pid) + " state " + state + " ppid " + std::to_string(ppid) + ": " + cmd;
    }
    return out.empty() ? "(none)" : out;
}

std::vector<std::string> proc_strings(pid_t pid, const char* what) {
    std::string raw = read_file("/proc/" + std::to_string(pid) + "/" + what);
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t end = raw.find('\0', pos);
        if (end == std::string::npos) {
            end = raw.size();
        }
        out.push_back(raw.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

}  // namespace pm::test
