// Log commands: logs (backlog + follow), flush, rotateLogs, reloadLogs, cancel.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include "common/date_format.hpp"
#include "common/selector.hpp"
#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/connection.hpp"
#include "daemon/ipc/stream_events.hpp"
#include "daemon/ipc/subscriptions.hpp"
#include "daemon/ipc/views.hpp"
#include "daemon/logs/file_tail.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::ipc {
namespace {

constexpr std::int64_t k_max_lines = 100000;
// Backlog bytes sent before the reply; bounded so it fits the stream queue.
constexpr std::size_t k_backlog_budget = 3 * 1024 * 1024;

struct BacklogLine {
    const logs::ChannelIdentity* who;
    LogRecord rec;
    std::int64_t order_ms = 0;  // sort key: rec.ts_ms, or the time of the line before
};

// The time a file line's "<date>: " prefix records (LogChannel writes it
// with the channel's date format), else k_ts_unknown.
std::int64_t file_line_time(const std::optional<DateFormat>& date, std::string_view line) {
    std::size_t len = 0;
    auto ms = date ? date->read(line, &len) : std::nullopt;
    return ms && *ms > 0 && line.substr(len, 2) == ": " ? *ms : k_ts_unknown;
}

// The last `n` lines of one channel for the wanted streams: the ring first,
// then older lines from the files when the ring holds fewer.
void collect(logs::LogChannel& ch, std::size_t n, bool want_out, bool want_err, std::set<std::string>& files_read,
             std::vector<BacklogLine>& out) {
    std::vector<BacklogLine> mine;
    std::size_t ring_count[2] = {0, 0};
    const auto& recs = ch.ring().records();
    for (auto it = recs.rbegin(); it != recs.rend() && mine.size() < n; ++it) {
        bool want = it->stream == LogStream::out ? want_out : want_err;
        if (want) {
            mine.push_back(BacklogLine{&ch.who(), *it, it->ts_ms});
            ++ring_count[it->stream == LogStream::out ? 0 : 1];
        }
    }
    std::reverse(mine.begin(), mine.end());  // oldest first
    if (mine.size() < n) {
        // Lines in the ring are also the newest lines of the files: skip them.
        ch.end_of_read();
        for (LogStream s : {LogStream::out, LogStream::err}) {
            if ((s == LogStream::out && !want_out) || (s == LogStream::err && !want_err)) {
                continue;
            }
            logs::LogFile* f = ch.file(s);
            if (!f->regular() || !files_read.insert(f->path()).second) {
                continue;  // a file shared by instances (--merge-logs) is read once
            }
            std::size_t skip = ring_count[s == LogStream::out ? 0 : 1];
            std::size_t want = n - mine.size() + skip;
            auto lines = logs::tail_lines(f->path(), f->keep(), want, k_backlog_budget);
            if (lines.size() > skip) {
                lines.resize(lines.size() - skip);
            } else {
                lines.clear();
            }
            // A line without a known time keeps its place after the one before.
            std::vector<BacklogLine> older;
            std::int64_t order = 0;
            for (auto& l : lines) {
                std::int64_t ts = file_line_time(ch.date(), l);
                order = std::max(order, ts);
                older.push_back(BacklogLine{&ch.who(), LogRecord{0, ts, s, false, std::move(l)}, order});
            }
            mine.insert(mine.begin(), std::make_move_iterator(older.begin()), std::make_move_iterator(older.end()));
        }
    }
    out.insert(out.end(), std::make_move_iterator(mine.begin()), std::make_move_iterator(mine.end()));
}

// Sends the newest backlog lines that fit the budget, oldest first, after
// one gap event counting those left out. Returns how many were sent.
std::size_t send_backlog(CommandContext& ctx, const std::vector<BacklogLine>& backlog, bool b64) {
    const StreamSink& sink = ctx.svc.socket_sink;
    std::vector<std::string> encoded;
    std::size_t bytes = 0;
    for (auto it = backlog.rbegin(); it != backlog.rend(); ++it) {
        std::string line = sink.encode(ctx.request_id, k_event_log, log_event_data(*it->who, it->rec, b64));
        if (bytes + line.size() > k_backlog_budget) {
            break;
        }
        bytes += line.size();
        encoded.push_back(std::move(line));
    }
    std::size_t skipped = backlog.size() - encoded.size();
    if (skipped > 0) {
        ctx.conn.send_line(sink.encode(ctx.request_id, k_event_gap, gap_event_data(skipped)));
    }
    for (auto it = encoded.rbegin(); it != encoded.rend(); ++it) {
        ctx.conn.send_line(std::move(*it));
    }
    return encoded.size();
}

}  // namespace

Result<json> handle_logs(CommandContext& ctx, const json& args) {
    auto sel = selector_arg(args, "all");
    if (!sel) {
        return sel.error();
    }
    auto lines = arg_int(args, "lines", 15, 0, k_max_lines);
    auto follow = arg_bool(args, "follow", false);
    auto stream = arg_string(args, "stream", "both");
    auto b64 = arg_bool(args, "b64", false);
    if (!lines || !follow || !stream || !b64) {
        return !lines ? lines.error() : !follow ? follow.error() : !stream ? stream.error() : b64.error();
    }
    if (*stream != "out" && *stream != "err" && *stream != "both") {
        return fail(ErrorCode::bad_args, "'stream' must be out, err or both");
    }
    if (*follow && ctx.sink == nullptr) {
        return fail(ErrorCode::bad_args, "this client cannot follow logs: only the control socket streams");
    }
    bool want_out = *stream != "err";
    bool want_err = *stream != "out";
    auto instances = ctx.svc.table.select(*sel);
    if (!instances) {
        return instances.error();
    }
    std::vector<BacklogLine> backlog;
    std::set<std::string> files_read;
    for (auto* inst : *instances) {
        if (auto* ch = ctx.svc.hub.channel(inst->id())) {
            collect(*ch, static_cast<std::size_t>(*lines), want_out, want_err, files_read, backlog);
        }
    }
    // Interleave by time (file lines without a known time come first); keep the last N.
    std::stable_sort(backlog.begin(), backlog.end(),
                     [](const BacklogLine& a, const BacklogLine& b) { return a.order_ms < b.order_ms; });
    if (backlog.size() > static_cast<std::size_t>(*lines)) {
        backlog.erase(backlog.begin(), backlog.end() - *lines);
    }
    std::size_t sent = send_backlog(ctx, backlog, *b64);
    if (*follow) {
        Subscription f{ctx.sink, ctx.conn.id(), ctx.request_id, StreamKind::log,
                       LogFilter{*sel, want_out, want_err, *b64}};
        if (auto ok = ctx.svc.streams.subscribe(std::move(f)); !ok) {
            return ok.error();
        }
    }
    return json{{"lines", sent}, {"following", *follow}};
}

Result<json> handle_flush(CommandContext& ctx, const json& args) {
    auto sel = selector_arg(args, "all");
    if (!sel) {
        return sel.error();
    }
    auto instances = ctx.svc.table.select(*sel);
    if (!instances) {
        return instances.error();
    }
    std::size_t n = 0;
    for (auto* inst : *instances) {
        if (auto* ch = ctx.svc.hub.channel(inst->id())) {
            ch->clear();
            ++n;
        }
    }
    return json{{"flushed", n}};
}

Result<json> handle_reload_logs(CommandContext& ctx, const json&) {
    return json{{"reopened", ctx.svc.hub.reopen_files()}};
}

Result<json> handle_rotate_logs(CommandContext& ctx, const json& args) {
    auto sel = selector_arg(args, "all");
    if (!sel) {
        return sel.error();
    }
    if (sel->kind == Selector::Kind::all) {
        return json{{"rotated", ctx.svc.hub.rotate_files()}};
    }
    auto instances = ctx.svc.table.select(*sel);
    if (!instances) {
        return instances.error();
    }
    std::vector<std::uint64_t> ids;
    for (auto* inst : *instances) {
        ids.push_back(inst->id());
    }
    return json{{"rotated", ctx.svc.hub.rotate_files(&ids)}};
}

Result<json> handle_cancel(CommandContext& ctx, const json& args) {
    auto it = args.find("request");
    if (it == args.end() || !(it->is_number_integer() || it->is_string())) {
        return fail(ErrorCode::bad_args, "'request' must be the id of a stream request");
    }
    if (ctx.sink == nullptr || !ctx.svc.streams.cancel(*ctx.sink, ctx.conn.id(), *it)) {
        return fail(ErrorCode::not_found, "no stream with that request id on this connection");
    }
    return json{{"cancelled", *it}};
}

}  // namespace pm::ipc
