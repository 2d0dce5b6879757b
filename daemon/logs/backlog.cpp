// A k-way merge from the newest end: copies only the lines it keeps, and a
// channel's files enter the merge only once its ring is used up, each with
// an upper bound (older than the ring, no newer than the file's last write)
// so a file is read only when its newest line could still be kept.
#include "daemon/logs/backlog.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "common/date_format.hpp"
#include "daemon/logs/file_tail.hpp"
#include "daemon/logs/log_file.hpp"

namespace pm::logs {
namespace {

constexpr int k_rank_ring = 2;  // tie order within a channel: err file 0, out file 1, ring 2

// The time a file line's "<date>: " prefix records (LogChannel writes it
// with the channel's date format), else 0 (unknown).
std::int64_t file_line_time(const std::optional<DateFormat>& date, std::string_view line) {
    std::size_t len = 0;
    auto ms = date ? date->read(line, &len) : std::nullopt;
    return ms && *ms > 0 && line.substr(len, 2) == ": " ? *ms : 0;
}

// Where lines come from, newest first: a channel's ring, or one of its files.
struct Source {
    LogChannel* ch = nullptr;
    std::size_t channel = 0;  // place in the selection
    int rank = k_rank_ring;
    std::int64_t key = 0;  // order of the next line; for an unread file an upper bound
    // A ring: walked backwards, skipping unwanted streams.
    std::deque<LogRecord>::const_reverse_iterator at, end;
    // A file: once read, its lines oldest first, taken from the back.
    LogStream stream = LogStream::out;
    bool read = false;
    std::size_t skip = 0;  // its newest lines, which are the ring's
    std::vector<BacklogLine> lines;
};

// What a channel's ring says about its files.
struct RingInfo {
    std::size_t count[2] = {0, 0};  // wanted records by stream: the lines a file read skips
    std::int64_t oldest = std::numeric_limits<std::int64_t>::max();
    bool files = false;  // the ring holds fewer than wanted: the files may hold more
    std::vector<std::size_t> file_sources;
};

class Merge {
public:
    Merge(const std::vector<LogChannel*>& channels, const BacklogQuery& q) : m_channels(channels), m_q(q) {
        m_sources.reserve(channels.size() * 3);  // no reallocation: the heap holds indices
        m_rings.resize(channels.size());
        add_rings();
        add_files();
    }

    std::vector<BacklogLine> run() {
        std::make_heap(m_heap.begin(), m_heap.end(), Newer{&m_sources});
        for (std::size_t c = 0; c < m_channels.size(); ++c) {
            if (m_sources[c].at == m_sources[c].end) {
                enter_files(c);  // an empty ring: the files alone
            }
        }
        std::vector<BacklogLine> newest_first;
        while (newest_first.size() < m_q.lines && !m_heap.empty()) {
            std::pop_heap(m_heap.begin(), m_heap.end(), Newer{&m_sources});
            std::size_t i = m_heap.back();
            m_heap.pop_back();
            Source& src = m_sources[i];
            if (src.rank == k_rank_ring) {
                newest_first.push_back(BacklogLine{&src.ch->who(), *src.at, src.at->ts_ms});
                ++src.at;
                skip_unwanted(src);
                if (src.at != src.end) {
                    push(i);
                } else {
                    enter_files(src.channel);
                }
                continue;
            }
            if (!src.read) {
                read_file(src, m_q.lines - newest_first.size());
            } else {
                newest_first.push_back(std::move(src.lines.back()));
                src.lines.pop_back();
            }
            if (!src.lines.empty()) {
                src.key = src.lines.back().order_ms;
                push(i);
            }
        }
        std::reverse(newest_first.begin(), newest_first.end());
        return newest_first;
    }

private:
    struct Newer {  // a max-heap on (key, channel, rank): on ties the later source is newer
        const std::vector<Source>* all;
        bool operator()(std::size_t a, std::size_t b) const {
            const Source& x = (*all)[a];
            const Source& y = (*all)[b];
            return std::tie(x.key, x.channel, x.rank) < std::tie(y.key, y.channel, y.rank);
        }
    };

    bool wanted(LogStream s) const { return s == LogStream::out ? m_q.want_out : m_q.want_err; }

    void push(std::size_t i) {
        m_heap.push_back(i);
        std::push_heap(m_heap.begin(), m_heap.end(), Newer{&m_sources});
    }

    void skip_unwanted(Source& src) const {
        while (src.at != src.end && !wanted(src.at->stream)) {
            ++src.at;
        }
        if (src.at != src.end) {
            src.key = src.at->ts_ms;
        }
    }

    // One ring source per channel: m_sources[c] is channel c's ring.
    void add_rings() {
        for (std::size_t c = 0; c < m_channels.size(); ++c) {
            const auto& recs = m_channels[c]->ring().records();
            RingInfo& info = m_rings[c];
            std::size_t total = 0;
            for (auto it = recs.rbegin(); it != recs.rend() && total < m_q.lines; ++it) {
                if (wanted(it->stream)) {
                    ++info.count[it->stream == LogStream::out ? 0 : 1];
                    ++total;
                    info.oldest = it->ts_ms;
                }
            }
            info.files = total < m_q.lines;
            Source src;
            src.ch = m_channels[c];
            src.channel = c;
            src.at = recs.rbegin();
            src.end = recs.rend();
            skip_unwanted(src);
            m_sources.push_back(std::move(src));
            if (m_sources.back().at != m_sources.back().end) {
                m_heap.push_back(c);
            }
        }
    }

    // File sources of the channels whose rings may not be enough, in
    // selection order: a file shared by instances (--merge-logs) is read
    // once, as the first instance's.
    void add_files() {
        std::set<std::string> claimed;
        for (std::size_t c = 0; c < m_channels.size(); ++c) {
            if (!m_rings[c].files) {
                continue;
            }
            for (LogStream s : {LogStream::out, LogStream::err}) {
                LogFile* f = m_channels[c]->file(s);
                if (!wanted(s) || !f->regular() || !claimed.insert(f->path()).second) {
                    continue;
                }
                Source src;
                src.ch = m_channels[c];
                src.channel = c;
                src.rank = s == LogStream::out ? 1 : 0;
                src.stream = s;
                src.skip = m_rings[c].count[s == LogStream::out ? 0 : 1];
                m_rings[c].file_sources.push_back(m_sources.size());
                m_sources.push_back(std::move(src));
            }
        }
    }

    // Channel c's ring is used up: its files enter, unread, keyed by an
    // upper bound of their newest line.
    void enter_files(std::size_t c) {
        RingInfo& info = m_rings[c];
        if (info.file_sources.empty()) {
            return;
        }
        m_channels[c]->end_of_read();  // the files now hold every line the ring does
        for (std::size_t i : info.file_sources) {
            Source& src = m_sources[i];
            struct stat st {};
            std::int64_t bound = info.oldest;  // a file moved away: its rotations may still be there
            if (::stat(src.ch->file(src.stream)->path().c_str(), &st) == 0) {
                std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
                bound = std::min(bound, mtime);
            }
            src.key = bound;
            push(i);
        }
    }

    // Reads as many lines as could still be kept, plus the newest ones that
    // are the ring's. A line without a known time keeps its place after the
    // one before.
    void read_file(Source& src, std::size_t still_wanted) const {
        src.read = true;
        LogFile* f = src.ch->file(src.stream);
        auto lines = tail_lines(f->path(), f->keep(), still_wanted + src.skip, m_q.file_budget);
        lines.resize(lines.size() > src.skip ? lines.size() - src.skip : 0);
        std::int64_t order = 0;
        for (auto& l : lines) {
            std::int64_t ts = file_line_time(src.ch->date(), l);
            order = std::max(order, ts);
            src.lines.push_back(BacklogLine{&src.ch->who(), LogRecord{0, ts, src.stream, false, std::move(l)}, order});
        }
    }

    const std::vector<LogChannel*>& m_channels;
    BacklogQuery m_q;
    std::vector<Source> m_sources;
    std::vector<RingInfo> m_rings;
    std::vector<std::size_t> m_heap;  // indices into m_sources
};

}  // namespace

std::vector<BacklogLine> newest_lines(const std::vector<LogChannel*>& channels, const BacklogQuery& q) {
    if (q.lines == 0) {
        return {};
    }
    return Merge(channels, q).run();
}

}  // namespace pm::logs
