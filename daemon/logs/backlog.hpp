// The newest log lines across channels, for `pm logs --lines N` and the web
// view's backfill: a k-way merge from the newest end over each channel's
// ring and, only when the merge reaches past a ring, that channel's files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ring_buffer.hpp"
#include "daemon/logs/log_channel.hpp"

namespace pm::logs {

struct BacklogLine {
    const ChannelIdentity* who;
    LogRecord rec;              // a file line has seq 0 and, without a date prefix, ts_ms 0
    std::int64_t order_ms = 0;  // merge key: rec.ts_ms, or the time of the line before
};

struct BacklogQuery {
    std::size_t lines = 15;  // the newest this many in all
    bool want_out = true;
    bool want_err = true;
    std::size_t file_budget = 0;  // most bytes read from one file
};

// Called by the logs command. The newest `q.lines` lines of `channels`
// (in selection order) for the wanted streams, oldest first, interleaved by
// time; on equal times a later channel's line is the newer. File lines
// without a known time count as older than any timed line. Reads at most
// the files of the channels whose rings the merge uses up.
std::vector<BacklogLine> newest_lines(const std::vector<LogChannel*>& channels, const BacklogQuery& q);

}  // namespace pm::logs
