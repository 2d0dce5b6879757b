// /proc/<pid>/stat parsing: split after the last ')' then read fields by index.
#include "daemon/metrics/proc_parse.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>

namespace pm::metrics {
namespace {

template <typename T>
bool to_num(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
    auto open = text.find('(');
    auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
        close + 2 > text.size()) {
        return std::nullopt;
    }
    ProcStat st;
    if (!to_num(text.substr(0, open > 0 ? open - 1 : 0), st.pid)) {
        return std::nullopt;
    }
    // Fields after the command: index 0 is field 3 (state) of proc(5).
    std::string_view rest = text.substr(close + 2);
    std::string_view fields[22];
    std::size_t n = 0;
    while (!rest.empty() && n < 22) {
        auto sp = rest.find(' ');
        fields[n++] = rest.substr(0, sp);
        if (sp == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(sp + 1);
    }
    if (n < 22 || fields[0].size() != 1) {
        return std::nullopt;
    }
    st.state = fields[0][0];
    bool ok = to_num(fields[1], st.ppid) && to_num(fields[2], st.pgrp) &&
              to_num(fields[11], st.utime) && to_num(fields[12], st.stime) &&
              to_num(fields[13], st.cutime) && to_num(fields[14], st.cstime) &&
              to_num(fields[17], st.threads) && to_num(fields[19], st.starttime) &&
              to_num(fields[20], st.vsize) && to_num(fields[21], st.rss_pages);
    if (!ok) {
        return std::nullopt;
    }
    return st;
}

std::optional<ProcStat> read_proc_stat(int pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    char buf[1024];  // a stat line is a few hundred bytes
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) {
        return std::nullopt;
    }
    return parse_proc_stat(std::string_view(buf, static_cast<std::size_t>(n)));
}

}  // namespace pm::metrics
