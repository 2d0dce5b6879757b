// Daemon-level commands: hello, ping, kill.
#include <fmt/format.h>

#include "daemon/ipc/command_table.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::ipc {

Result<json> handle_hello(CommandContext& ctx, const json& args) {
    auto proto = arg_int(args, "protocol", k_protocol_version, 0, 1000000);
    if (!proto) {
        return proto.error();
    }
    if (*proto != k_protocol_version) {
        return fail(ErrorCode::bad_args, fmt::format("protocol version {} is not supported (pmd speaks {})",
                                                     *proto, k_protocol_version));
    }
    return json{{"protocol", k_protocol_version},
                {"version", PM_VERSION},
                {"pid", ctx.svc.info.pid},
                {"home", ctx.svc.info.home},
                {"started_unix_ms", ctx.svc.info.started_unix_ms}};
}

Result<json> handle_ping(CommandContext&, const json&) { return json{{"pong", true}}; }

Result<json> handle_kill(CommandContext& ctx, const json&) {
    auto& table = ctx.svc.table;
    std::vector<std::uint64_t> ids;
    for (auto* inst : table.all()) {
        inst->stop();
        ids.push_back(inst->id());
    }
    Responder r = ctx.defer();
    Services* svc = &ctx.svc;
    auto waited = table.wait(
        ids, [](const sup::Instance& i) { return !is_running(i.state()); },
        [r, svc, n = ids.size()] {
            r.reply(json{{"stopped", n}});
            svc->request_shutdown();
        });
    if (!waited) {
        return waited.error();
    }
    return json::object();
}

}  // namespace pm::ipc
