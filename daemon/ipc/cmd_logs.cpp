// Log commands: logs (backlog + follow), flush, rotateLogs, reloadLogs, cancel.
#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "common/selector.hpp"
#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/connection.hpp"
#include "daemon/ipc/stream_events.hpp"
#include "daemon/ipc/subscriptions.hpp"
#include "daemon/ipc/views.hpp"
#include "daemon/logs/backlog.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::ipc {
namespace {

constexpr std::int64_t k_max_lines = 100000;
// Backlog bytes sent before the reply; bounded so it fits the stream queue.
constexpr std::size_t k_backlog_budget = 3 * 1024 * 1024;

// Sends the newest backlog lines that fit the budget, oldest first, after
// one gap event counting those left out. Returns how many were sent.
std::size_t send_backlog(CommandContext& ctx, const std::vector<logs::BacklogLine>& backlog, bool b64) {
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
    std::vector<logs::LogChannel*> channels;
    for (auto* inst : *instances) {
        if (auto* ch = ctx.svc.hub.channel(inst->id())) {
            channels.push_back(ch);
        }
    }
    std::vector<logs::BacklogLine> backlog = logs::newest_lines(
        channels, logs::BacklogQuery{static_cast<std::size_t>(*lines), want_out, want_err, k_backlog_budget});
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
