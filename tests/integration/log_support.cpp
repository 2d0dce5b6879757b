// Helpers shared by the log and metrics integration tests. See log_support.hpp.
#include "log_support.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <doctest/doctest.h>
#include <sstream>

namespace pm::test::logs {

std::string numbered(std::string_view prefix, long long from, long long to) {
    std::string out;
    out.reserve(static_cast<std::size_t>(to - from + 1) * (prefix.size() + 9));
    for (long long i = from; i <= to; ++i) {
        out.append(prefix);
        out.append(std::to_string(i));
        out.push_back('\n');
    }
    return out;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            out.emplace_back(text.substr(pos));
            break;
        }
        out.emplace_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return out;
}

std::size_t count_of(std::string_view text, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t pos = text.find(needle); pos != std::string_view::npos;
         pos = text.find(needle, pos + needle.size())) {
        ++n;
    }
    return n;
}

std::string first_difference(std::string_view got, std::string_view want) {
    std::size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) {
        ++i;
    }
    if (i == got.size() && i == want.size()) {
        return "(identical)";
    }
    std::size_t line_start = want.rfind('\n', i == 0 ? 0 : i - 1);
    line_start = (line_start == std::string_view::npos || i == 0) ? 0 : line_start + 1;
    auto excerpt = [&](std::string_view s) {
        if (line_start >= s.size()) {
            return std::string("(end of text)");
        }
        std::size_t end = s.find('\n', line_start);
        std::string line(
            s.substr(line_start, end == std::string_view::npos ? std::string_view::npos : end - line_start));
        return line.size() > 120 ? line.substr(0, 120) + "..." : line;
    };
    return "at byte " + std::to_string(i) + " (got " + std::to_string(got.size()) + " bytes, want " +
           std::to_string(want.size()) + "): got line '" + excerpt(got) + "', want '" + excerpt(want) + "'";
}

std::vector<std::string> texts_of(const std::string& pm_logs_out) {
    std::vector<std::string> out;
    for (auto& l : split_lines(pm_logs_out)) {
        auto sep = l.find(" | ");
        out.push_back(sep == std::string::npos ? l : l.substr(sep + 3));
    }
    return out;
}


long long file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

int rotated_count(const std::string& path, int keep) {
    int n = 0;
    for (int i = 1; i <= keep; ++i) {
        if (file_exists(path + "." + std::to_string(i))) {
            n = i;
        }
    }
    return n;
}

std::string read_rotated(const std::string& path, int keep) {
    std::string all;
    for (int i = rotated_count(path, keep); i >= 1; --i) {
        all += read_file(path + "." + std::to_string(i));
    }
    all += read_file(path);
    return all;
}

long long rss_bytes(pid_t pid) {
    std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            long long kb = -1;
            in >> kb;
            return kb * 1024;
        }
        std::string rest;
        std::getline(in, rest);
    }
    return -1;
}

RunResult stop_spawned(Spawned& s, int sig) {
    if (s.pid > 0) {
        ::kill(s.pid, SIGCONT);
        ::kill(s.pid, sig);
    }
    return finish(s, 10s);
}

json result_of(const TempHome& home, std::string_view cmd, const json& args) {
    json reply = request(home, cmd, args);
    if (!reply.is_object() || !reply.value("ok", false)) {
        return json::object();
    }
    return reply["result"];
}

json memory_stats(const TempHome& home) { return result_of(home, "memoryStats"); }

json show_json(const TempHome& home, const std::string& name) {
    RunResult r = run_pm(home, {"show", name, "--json"});
    json j = json::parse(r.out, nullptr, false);
    if (r.exit_code != 0 || !j.is_object()) {
        return json::object();
    }
    return j;
}

json log_stats(const TempHome& home, const std::string& name) {
    json s = result_of(home, "show", json{{"selector", name}});
    if (!s.contains("instances") || s["instances"].empty() || !s["instances"][0].contains("logs")) {
        return json::object();
    }
    return s["instances"][0]["logs"];
}

std::uint64_t u64(const json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<std::uint64_t>() : 0;
}

bool wait_exited(const TempHome& home, const std::string& name, Ms timeout) {
    return wait_until(
        [&](std::string& observed) {
            json inst = instance(home, name);
            observed = inst.dump();
            return inst.is_object() && (inst["state"] == "exited" || inst["state"] == "stopped");
        },
        timeout, name + " has exited");
}

bool wait_file_size(const std::string& path, long long size, Ms timeout) {
    return wait_until(
        [&](std::string& observed) {
            long long n = file_size(path);
            observed = path + " has " + std::to_string(n) + " bytes, want " + std::to_string(size);
            return n >= size;
        },
        timeout, "the log file is complete");
}

TempHomeOptions rss_friendly(std::vector<std::string> pmd_args) {
    TempHomeOptions o;
    o.pmd_args = std::move(pmd_args);
    if (k_asan) {
        const char* existing = std::getenv("ASAN_OPTIONS");
        std::string opts = existing != nullptr && *existing != '\0' ? std::string(existing) + ":" : "";
        o.pmd_env.push_back("ASAN_OPTIONS=" + opts + "quarantine_size_mb=1");
    }
    return o;
}

bool LineReader::next(std::string& line, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        auto nl = m_buf.find('\n', m_pos);
        if (nl != std::string::npos) {
            line.assign(m_buf, m_pos, nl - m_pos);
            m_pos = nl + 1;
            if (m_pos == m_buf.size()) {
                m_buf.clear();
                m_pos = 0;
            }
            return true;
        }
        if (m_eof) {
            return false;
        }
        auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
        if (left < 0) {
            return false;
        }
        pollfd p{m_fd, POLLIN, 0};
        int pr = ::poll(&p, 1, static_cast<int>(left));
        if (pr < 0 && errno == EINTR) {
            continue;
        }
        if (pr == 0) {
            return false;
        }
        if (m_pos > 0) {
            m_buf.erase(0, m_pos);
            m_pos = 0;
        }
        char buf[65536];
        ssize_t n = ::read(m_fd, buf, sizeof buf);
        if (n > 0) {
            m_buf.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            m_eof = true;
        }
    }
}

json LineReader::next_json(Ms timeout) {
    std::string line;
    if (!next(line, timeout)) {
        return nullptr;
    }
    json j = json::parse(line, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

}  // namespace pm::test::logs
