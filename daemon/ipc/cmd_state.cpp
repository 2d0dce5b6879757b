// Daemon-level commands: hello, ping, kill, save, resurrect.
#include <fmt/format.h>

#include "common/paths.hpp"
#include "daemon/error_log.hpp"
#include "daemon/ipc/command_table.hpp"
#include "daemon/ipc/process_ops.hpp"
#include "daemon/store/dump_file.hpp"
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
    ctx.svc.shutting_down = true;  // refuse changes from other clients meanwhile
    for (auto* inst : table.all()) {
        ids.push_back(inst->id());
    }
    Responder r = ctx.defer();
    Services* svc = &ctx.svc;
    auto retired = table.retire(ids, [r, svc, n = ids.size()] {
        r.reply(json{{"stopped", n}});
        svc->request_shutdown();
    });
    if (!retired) {
        return retired.error();
    }
    return json::object();
}

Result<json> handle_save(CommandContext& ctx, const json& args) {
    auto force = arg_bool(args, "force", false);
    if (!force) {
        return force.error();
    }
    json dump = dump_json(ctx.svc);
    if (dump["apps"].empty() && !*force) {
        // PM2's classic data loss: an empty list saved over a good one.
        return fail(ErrorCode::bad_args, "no processes to save; refusing to overwrite the saved list (use --force)");
    }
    std::string path = Paths{ctx.svc.info.home}.dump();
    if (auto ok = store::write_dump(path, dump); !ok) {
        return ok.error();
    }
    return json{{"path", path}, {"saved", dump["apps"].size()}};
}

Result<json> handle_resurrect(CommandContext& ctx, const json&) {
    auto loaded = store::read_dump(Paths{ctx.svc.info.home}.dump());
    if (!loaded) {
        return loaded.error();
    }
    if (!loaded->warning.empty()) {
        report_error(ErrorKind::internal, loaded->warning);
    }
    json r = restore_apps(ctx.svc, loaded->doc);
    r["source"] = loaded->source;
    r["warning"] = loaded->warning.empty() ? json(nullptr) : json(loaded->warning);
    return r;
}

}  // namespace pm::ipc
