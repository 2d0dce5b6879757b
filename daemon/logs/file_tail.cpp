// Backward block reads; lines are split on '\n' and assembled oldest first.
#include "daemon/logs/file_tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/fd.hpp"
#include "daemon/logs/log_file.hpp"

namespace pm::logs {
namespace {

// Appends up to `want` last lines of one file (newest first) to `out`.
void tail_one(const std::string& path, std::size_t want, std::size_t& budget,
              std::vector<std::string>& out) {
    // O_NONBLOCK: opening a FIFO (a user's out_file) must not wait for a
    // writer on the loop thread; only regular files have a tail to read.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd.valid()) {
        return;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return;
    }
    off_t pos = st.st_size;
    std::string carry;  // bytes of a line whose start we have not read yet
    bool skipped_final_newline = false;
    constexpr std::size_t k_block = 64 * 1024;
    std::string block;
    std::size_t found = 0;
    bool budget_used = false;
    while (pos > 0 && found < want && budget > 0) {
        std::size_t len = static_cast<std::size_t>(std::min<off_t>(pos, static_cast<off_t>(k_block)));
        len = std::min(len, budget);
        pos -= static_cast<off_t>(len);
        block.resize(len);
        if (::pread(fd.get(), block.data(), len, pos) != static_cast<ssize_t>(len)) {
            return;
        }
        budget -= len;
        budget_used = true;
        block += carry;
        carry.clear();
        std::size_t end = block.size();
        if (!skipped_final_newline) {
            skipped_final_newline = true;
            if (end > 0 && block[end - 1] == '\n') {
                --end;
            }
        }
        while (found < want) {
            std::size_t nl = end == 0 ? std::string::npos : block.rfind('\n', end - 1);
            if (nl == std::string::npos) {
                carry.assign(block, 0, end);
                break;
            }
            out.push_back(block.substr(nl + 1, end - nl - 1));
            ++found;
            end = nl;
        }
    }
    // At the start of the file the bytes before the first newline are a line
    // too, even an empty one.
    if (pos == 0 && found < want && st.st_size > 0 && budget_used) {
        out.push_back(carry);
    }
}

}  // namespace

std::vector<std::string> tail_lines(const std::string& path, int keep, std::size_t n,
                                    std::size_t max_bytes) {
    std::vector<std::string> newest_first;
    std::size_t budget = max_bytes;
    tail_one(path, n, budget, newest_first);
    for (int i = 1; i <= keep && newest_first.size() < n && budget > 0; ++i) {
        tail_one(LogFile::rotated_name(path, i), n - newest_first.size(), budget, newest_first);
    }
    std::reverse(newest_first.begin(), newest_first.end());
    return newest_first;
}

}  // namespace pm::logs
