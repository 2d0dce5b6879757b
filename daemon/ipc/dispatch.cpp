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
    return Responder(clients, conn.id(), request_id);
}

void Responder::reply(const Result<json>& result) const {
    Client* c = m_clients->find_client(m_conn_id);
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
    json id;
    try {
        auto req = parse_request(line, id);
        if (!req) {
            ++m_stats.requests;
            ++m_stats.errors;
            conn.send(make_error(id, req.error()));
            return;
        }
        dispatch(conn, m_svc.server, &conn, id, req->cmd, req->args);
    } catch (const std::exception& e) {
        internal_error(conn, id, e);
    }
}

void Dispatcher::handle_request(Client& client, ClientDirectory& clients, const json& id, const std::string& cmd,
                                const json& args) {
    try {
        dispatch(client, clients, nullptr, id, cmd, args);
    } catch (const std::exception& e) {
        internal_error(client, id, e);
    }
}

void Dispatcher::internal_error(Client& client, const json& id, const std::exception& e) {
    // The one catch-all: a stray json or allocation error must not end pmd.
    ++m_stats.internal_errors;
    ++m_stats.errors;
    report_error(ErrorKind::internal, fmt::format("internal error handling a request: {}", e.what()));
    client.send(make_error(id, Error{ErrorCode::internal, "internal error; see pmd.log"}));
}

void Dispatcher::dispatch(Client& client, ClientDirectory& clients, Connection* socket, const json& id,
                          const std::string& cmd, const json& args) {
    ++m_stats.requests;
    auto send_error = [&](const Error& e) {
        ++m_stats.errors;
        client.send(make_error(id, e));
    };
    const CommandSpec* spec = find_command(cmd, m_commands);
    if (spec == nullptr) {
        send_error(Error{ErrorCode::unknown_command, fmt::format("unknown command '{}'", cmd.substr(0, 64))});
        return;
    }
    ++m_stats.per_command[command_index(*spec, m_commands)];
    if (auto ok = check_arg_keys(*spec, args); !ok) {
        send_error(ok.error());
        return;
    }
    if (spec->flags & flag_mutating) {
        if (m_svc.shutting_down && !(spec->flags & flag_during_shutdown)) {
            // A start or restart now would outlive the shutdown's wait for exits.
            send_error(Error{ErrorCode::busy, "pmd is shutting down"});
            return;
        }
        PM_LOG(info, "client {}{}: {}", socket != nullptr ? "" : "http ", client.id(), spec->name);
    }
    if ((spec->flags & flag_streaming) && socket != nullptr) {
        // Stream events (and the backlog sent before the reply) get the
        // stream queue limit, and the client is exempt from the idle timeout.
        socket->set_streaming();
    }
    CommandContext ctx{m_svc, client, clients, socket != nullptr ? &m_svc.socket_sink : nullptr, id};
    auto t0 = std::chrono::steady_clock::now();
    Result<json> result = spec->handler(ctx, args);
    m_stats.latency[command_index(*spec, m_commands)].record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count()));
    if (!result) {
        ++m_stats.errors;
        client.send(make_error(id, result.error()));
    } else if (!ctx.deferred) {
        client.send(make_ok(id, std::move(*result)));
    }
}

}  // namespace pm::ipc
