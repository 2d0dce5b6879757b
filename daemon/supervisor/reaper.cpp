// Reaper: enumerate our children from /proc and waitpid() only the orphans.
#include "daemon/supervisor/reaper.hpp"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "daemon/log.hpp"

namespace pm::sup {
namespace {

constexpr std::uint64_t k_backstop_ms = 1000;

bool read_children_file(const std::string& path, std::vector<int>& out) {
    std::ifstream in(path);
    if (!in) {
        return false;
    }
    int pid = 0;
    while (in >> pid) {
        out.push_back(pid);
    }
    return true;
}

void scan_proc_for_ppid(int self, std::vector<int>& out) {
    DIR* d = opendir("/proc");
    if (d == nullptr) {
        return;
    }
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
        std::string stat;
        std::getline(in, stat);
        auto close = stat.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream rest(stat.substr(close + 2));
        char state = 0;
        int ppid = 0;
        if (rest >> state >> ppid && ppid == self) {
            out.push_back(std::stoi(e->d_name));
        }
    }
    closedir(d);
}

}  // namespace

Reaper::Reaper(uv_loop_t* loop, OwnedPids owned) : m_owned(std::move(owned)) {
    uv_signal_init(loop, m_sigchld.get());
    m_sigchld.initialised();
    m_sigchld.get()->data = this;
    uv_signal_start(m_sigchld.get(), signal_cb, SIGCHLD);
    uv::init_timer(loop, m_backstop, this);
    uv_timer_start(m_backstop.get(), timer_cb, k_backstop_ms, k_backstop_ms);
    uv_unref(m_backstop.handle());
    uv_unref(m_sigchld.handle());
}

std::vector<int> Reaper::list_children(int self_pid) {
    std::vector<int> out;
    bool any = false;
    std::string task_dir = "/proc/" + std::to_string(self_pid) + "/task";
    if (DIR* d = opendir(task_dir.c_str())) {
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
                any |= read_children_file(task_dir + "/" + e->d_name + "/children", out);
            }
        }
        closedir(d);
    }
    if (!any) {
        scan_proc_for_ppid(self_pid, out);
    }
    return out;
}

int Reaper::reap() {
    std::vector<int> children = list_children(getpid());
    if (children.empty()) {
        return 0;
    }
    std::unordered_set<int> owned = m_owned();
    int n = 0;
    for (int pid : children) {
        if (owned.count(pid) != 0) {
            continue;  // libuv's: it reaps it and calls exit_cb
        }
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            ++n;
            PM_LOG(debug, "reaped orphan {}", pid);
        }
    }
    m_total += static_cast<std::uint64_t>(n);
    return n;
}

void Reaper::signal_cb(uv_signal_t* s, int) noexcept {
    if (auto* self = static_cast<Reaper*>(s->data)) {
        self->reap();
    }
}

void Reaper::timer_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<Reaper*>(t->data)) {
        self->reap();
    }
}

}  // namespace pm::sup
