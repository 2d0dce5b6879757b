// Live groups file: format, parse, the start-up sweep and the writer.
#include "daemon/store/live_groups.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon/log.hpp"
#include "daemon/metrics/proc_parse.hpp"

namespace pm::store {

std::string boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

std::string format_live(const std::vector<LiveGroup>& groups) {
    std::string out = "boot " + boot_id() + "\n";
    for (const auto& g : groups) {
        out += fmt::format("{} {}\n", g.pgid, g.starttime);
    }
    return out;
}

std::vector<LiveGroup> parse_live(std::string_view text) {
    std::vector<LiveGroup> out;
    // Written before the last reboot: its pids and starttimes mean nothing now.
    std::string header = "boot " + boot_id() + "\n";
    if (text.substr(0, header.size()) != header) {
        return out;
    }
    text.remove_prefix(header.size());
    while (!text.empty() && out.size() < k_max_live_groups) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto sp = line.find(' ');
        if (sp == std::string_view::npos) {
            continue;
        }
        LiveGroup g;
        auto a = std::from_chars(line.data(), line.data() + sp, g.pgid);
        auto b = std::from_chars(line.data() + sp + 1, line.data() + line.size(), g.starttime);
        if (a.ec == std::errc{} && a.ptr == line.data() + sp && b.ec == std::errc{} &&
            b.ptr == line.data() + line.size() && g.pgid > 1 && g.starttime > 0) {
            out.push_back(g);
        }
    }
    return out;
}

namespace {

// The recorded leader still runs (a zombie waiting for its new parent counts as gone).
bool leader_running(const LiveGroup& g) {
    auto st = metrics::read_proc_stat(g.pgid);
    return st && st->starttime == g.starttime && st->state != 'Z';
}

}  // namespace

std::uint64_t process_starttime(int pid) {
    auto st = metrics::read_proc_stat(pid);
    return st ? st->starttime : 0;
}

std::size_t stop_leftover_groups(const std::string& path, std::int64_t grace_ms) {
    std::ifstream in(path);
    if (!in) {
        return 0;
    }
    std::stringstream text;
    text << in.rdbuf();
    std::vector<LiveGroup> found;
    for (const auto& g : parse_live(text.str())) {
        if (leader_running(g)) {
            found.push_back(g);
            ::kill(-g.pgid, SIGTERM);
            ::kill(-g.pgid, SIGCONT);
        }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    auto alive = [&] {
        return std::any_of(found.begin(), found.end(), [](const LiveGroup& g) { return leader_running(g); });
    };
    while (alive() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // start-up only, bounded by grace_ms
    }
    for (const auto& g : found) {
        ::kill(-g.pgid, SIGKILL);  // the rest of each group, leader gone or not
    }
    if (!found.empty()) {
        PM_LOG(warn, "stopped {} process groups left running by a previous pmd that did not shut down",
               found.size());
    }
    ::unlink(path.c_str());
    return found.size();
}

LiveFile::LiveFile(uv_loop_t* loop, std::string path, std::function<std::vector<int>()> pids)
    : m_path(std::move(path)), m_pids(std::move(pids)) {
    uv::init_timer(loop, m_timer, this);
}

void LiveFile::mark_dirty() {
    if (!uv_is_active(m_timer.handle())) {
        uv_timer_start(m_timer.get(), timer_cb, 0, 0);
    }
}

void LiveFile::timer_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<LiveFile*>(t->data)) {
        self->write_now();
    }
}

void LiveFile::write_now() {
    // A running leader's starttime never changes: read /proc once per pid,
    // not once per pid at every state change of any instance.
    std::vector<LiveGroup> groups;
    std::unordered_map<int, std::uint64_t> starttimes;
    for (int pid : m_pids()) {
        auto known = m_starttimes.find(pid);
        std::uint64_t start = known != m_starttimes.end() ? known->second : process_starttime(pid);
        if (start != 0) {
            groups.push_back(LiveGroup{pid, start});
            starttimes.emplace(pid, start);
        }
    }
    m_starttimes.swap(starttimes);
    // No fsync: the file only matters while the machine stays up.
    std::string tmp = m_path + ".tmp";
    std::string text = format_live(groups);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return;
    }
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (ok && ::rename(tmp.c_str(), m_path.c_str()) == 0) {
        ++m_writes;
    } else {
        ::unlink(tmp.c_str());
    }
}

void LiveFile::remove() {
    uv_timer_stop(m_timer.get());
    ::unlink(m_path.c_str());
}

}  // namespace pm::store
