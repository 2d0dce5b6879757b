// Log commands: logs (with --follow), flush, rotateLogs, reloadLogs.
#include "cli/command_table.hpp"
#include "cli/render/logs.hpp"
#include "cli/render/table.hpp"

namespace pm::cli {
namespace {

struct LogsOptions {
    std::string selector = "all";
    int lines = 15;
    bool follow = false;
    bool out_only = false;
    bool err_only = false;
    bool timestamps = false;
    bool raw = false;
    bool nostream = false;  // PM2's --nostream: pm's default
};

Result<json> logs_args(const LogsOptions& o) {
    if (o.follow && o.nostream) {
        return fail(ErrorCode::usage, "--follow and --nostream exclude each other");
    }
    if (o.out_only && o.err_only) {
        return fail(ErrorCode::usage, "--out and --err exclude each other");
    }
    return json{{"selector", o.selector},
                {"lines", o.lines},
                {"follow", o.follow},
                {"stream", o.out_only   ? "out"
                           : o.err_only ? "err"
                                        : "both"},
                {"b64", o.raw}};
}

// Prints the backlog, then (with --follow) every new line until pmd goes away.
int run_logs(const GlobalOptions& g, const CliCommand& row, const json& args, const LogsOptions& o) {
    auto client = open_client(g);
    if (!client) {
        return print_error(g, client.error());
    }
    auto id = client->send_request(row.wire, args);
    if (!id) {
        return print_error(g, id.error());
    }
    LogPrintOptions print{g.json, o.raw, o.timestamps, use_colour(stdout)};
    bool replied = false;
    for (;;) {
        auto msg = client->read_message(replied && o.follow);
        if (!msg) {
            if (replied && msg.error().code == ErrorCode::unreachable) {
                return k_exit_ok;  // the daemon went away while following
            }
            return print_error(g, msg.error());
        }
        const json& m = *msg;
        if (m.contains("event")) {
            print_log_event(m, print);
            continue;
        }
        if (!m.value("ok", false)) {
            return print_error(g, reply_error(m));
        }
        replied = true;
        if (!o.follow) {
            return k_exit_ok;
        }
    }
}

// The optional selector of flush and rotateLogs.
Bound define_optional_selector(CLI::App& sub) {
    auto selector = std::make_shared<std::string>("all");
    sub.add_option("selector", *selector, "name, name:index, id or all (default all)");
    return Bound{[selector](const GlobalOptions&) -> Result<json> { return json{{"selector", *selector}}; }, {}};
}

}  // namespace

Bound define_logs(CLI::App& sub) {
    auto o = std::make_shared<LogsOptions>();
    sub.add_option("selector", o->selector, "name, name:index, id or all (default all)");
    sub.add_option("--lines,-n", o->lines, "how many recent lines (default 15)")->check(CLI::Range(0, 100000));
    sub.add_flag("--follow,-f", o->follow, "keep printing new lines until interrupted");
    sub.add_flag("--out", o->out_only, "stdout only");
    sub.add_flag("--err", o->err_only, "stderr only");
    sub.add_flag("--timestamps,-t", o->timestamps, "prefix each line with its time");
    sub.add_flag("--raw", o->raw, "only the lines' exact bytes, no prefix");
    sub.add_flag("--nostream", o->nostream, "PM2's spelling of the default: print the lines and exit");
    return Bound{
        [o](const GlobalOptions&) { return logs_args(*o); },
        [o](const GlobalOptions& g, const CliCommand& row, const json& args) { return run_logs(g, row, args, *o); }};
}

Bound define_flush(CLI::App& sub) { return define_optional_selector(sub); }

Bound define_rotate_logs(CLI::App& sub) { return define_optional_selector(sub); }

}  // namespace pm::cli
