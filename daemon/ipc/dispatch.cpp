// Dispatcher: parse, look up, validate, run, reply. The catch-all lives here.
#include "daemon/ipc/dispatch.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/server.hpp"
#include "daemon/error_log.hpp"
#include "daemon/log.hpp"

namespace pm::ipc {

Responder CommandContext::defer() {
    deferred = true;
    return Responder(svc.server, conn.id(), request_id);
}

void Responder::reply(const Result<json>& result) const {
    Connection* c = m_server->find(m_conn_id);
    if (c == nullptr) {
        return;  // the client left; nothing to do
    }
    try {
        c->send(result ? make_ok(m_request_id, *result) : make_error(m_request_id, result.error()));
    } catch (const std::exception& e) {
        PM_LOG(error, "internal error while replying: {}", e.what());
        c->send(make_error(m_request_id, Error{ErrorCode::internal, "internal error"}));
    }
}

Dispatcher::Dispatcher(Services& svc, DispatchStats& stats, std::span<const CommandSpec> commands)
    : m_svc(svc), m_stats(stats), m_commands(commands) {}

namespace {

Result<void> check_arg_keys(const CommandSpec& spec, const json& args) {
    for (const auto& [key, value] : args.items()) {
        if (std::find(spec.args.begin(), spec.args.end(), key) == spec.args.end()) {
            return fail(ErrorCode::bad_args,
                        fmt::format("'{}' does not take an argument '{}'", spec.name, key));
        }
    }
    return {};
}

}  // namespace

void Dispatcher::handle_line(Connection& conn, std::string_view line) {
    ++m_stats.requests;
    json id;
    auto send_error = [&](const Error& e) {
        ++m_stats.errors;
        conn.send(make_error(id, e));
    };
    try {
        auto req = parse_request(line, id);
        if (!req) {
            send_error(req.error());
            return;
        }
        const CommandSpec* spec = find_command(req->cmd, m_commands);
        if (spec == nullptr) {
            send_error(Error{ErrorCode::unknown_command,
                             fmt::format("unknown command '{}'", req->cmd.substr(0, 64))});
            return;
        }
        ++m_stats.per_command[command_index(*spec, m_commands)];
        if (auto ok = check_arg_keys(*spec, req->args); !ok) {
            send_error(ok.error());
            return;
        }
        if (spec->flags & flag_mutating) {
            if (m_svc.shutting_down && !(spec->flags & flag_during_shutdown)) {
                // A start or restart now would outlive the shutdown's wait for exits.
                send_error(Error{ErrorCode::busy, "pmd is shutting down"});
                return;
            }
            PM_LOG(info, "client {}: {}", conn.id(), spec->name);
        }
        run(*spec, conn, id, req->args);
    } catch (const std::exception& e) {
        // The one catch-all: a stray json or allocation error must not end pmd.
        ++m_stats.internal_errors;
        report_error(ErrorKind::internal, fmt::format("internal error handling a request: {}", e.what()));
        send_error(Error{ErrorCode::internal, "internal error; see pmd.log"});
    }
}

void Dispatcher::run(const CommandSpec& spec, Connection& conn, const json& id, const json& args) {
    if (spec.flags & flag_streaming) {
        // Stream events (and the backlog sent before the reply) get the
        // stream queue limit, and the client is exempt from the idle timeout.
        conn.set_streaming();
    }
    CommandContext ctx{m_svc, conn, id};
    auto t0 = std::chrono::steady_clock::now();
    Result<json> result = spec.handler(ctx, args);
    m_stats.latency[command_index(spec, m_commands)].record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count()));
    if (!result) {
        ++m_stats.errors;
        conn.send(make_error(id, result.error()));
    } else if (!ctx.deferred) {
        conn.send(make_ok(id, std::move(*result)));
    }
}

}  // namespace pm::ipc
