// Log commands: logs (with --follow), flush, rotateLogs, reloadLogs.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/render/table.hpp"
#include "common/base64.hpp"

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
};

std::string format_ts(std::int64_t ms) {
    if (ms <= 0) {
        return std::string(23, '-');
    }
    std::time_t s = static_cast<std::time_t>(ms / 1000);
    std::tm t{};
    localtime_r(&s, &t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
    return fmt::format("{}.{:03d}", buf, static_cast<int>(ms % 1000));
}

void write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        ssize_t n = ::write(fd, s.data(), s.size());
        if (n <= 0) {
            return;  // EPIPE (pm logs | head): nothing more to do
        }
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Prints one log or gap event for a person or a script.
void print_event(const json& ev, const LogsOptions& o, const GlobalOptions& g, bool colour) {
    const json& d = ev["data"];
    std::string kind = ev.value("event", "");
    if (g.json) {
        json out = d;
        if (kind == "gap") {
            out = json{{"gap", d.value("missed", 0)}};
        }
        write_all(1, to_line(out));
        return;
    }
    if (kind == "gap") {
        write_all(2, fmt::format("pm: {} lines were missed (this reader was too slow)\n",
                                 d.value("missed", 0)));
        return;
    }
    std::string text;
    if (d.contains("data_b64")) {
        if (!base64_decode(d.value("data_b64", ""), text)) {
            text = "<undecodable>";
        }
    } else {
        text = d.value("line", "");
    }
    if (o.raw) {
        // Pieces of a cut or idle-flushed line continue on the next record.
        if (!d.value("partial", false)) {
            text.push_back('\n');
        }
        write_all(1, text);
        return;
    }
    bool err = d.value("stream", "out") == "err";
    std::string prefix = fmt::format("{}|{}", d.value("id", 0), d.value("name", ""));
    if (colour) {
        prefix = (err ? "\033[31m" : "\033[36m") + prefix + "\033[0m";
    }
    std::string line;
    if (o.timestamps) {
        line = format_ts(d.value("ts", std::int64_t{0})) + " ";
    }
    line += fmt::format("{} | {}\n", prefix, text);
    write_all(1, line);
}

int run_logs(const GlobalOptions& g, const LogsOptions& o) {
    if (o.out_only && o.err_only) {
        return report_error(g, Error{ErrorCode::usage, "--out and --err exclude each other"});
    }
    auto client = open_client(g);
    if (!client) {
        return report_error(g, client.error());
    }
    json args{{"selector", o.selector}, {"lines", o.lines}, {"follow", o.follow},
              {"stream", o.out_only ? "out" : o.err_only ? "err" : "both"}, {"b64", o.raw}};
    auto id = client->send_request("logs", args);
    if (!id) {
        return report_error(g, id.error());
    }
    bool colour = use_colour(stdout);
    bool replied = false;
    for (;;) {
        auto msg = client->read_message(replied && o.follow);
        if (!msg) {
            if (replied && msg.error().code == ErrorCode::unreachable) {
                return k_exit_ok;  // the daemon went away while following
            }
            return report_error(g, msg.error());
        }
        const json& m = *msg;
        if (m.contains("event")) {
            print_event(m, o, g, colour);
            continue;
        }
        if (!m.value("ok", false)) {
            return report_error(g, reply_error(m));
        }
        replied = true;
        if (!o.follow) {
            return k_exit_ok;
        }
    }
}

}  // namespace

void add_log_commands(CLI::App& app, CommandEnv env) {
    auto o = std::make_shared<LogsOptions>();
    auto* logs = app.add_subcommand("logs", "show recent log lines (all processes, or a selector)");
    logs->add_option("selector", o->selector, "name, name:index, id or all (default all)");
    logs->add_option("--lines,-n", o->lines, "how many recent lines (default 15)")->check(CLI::Range(0, 100000));
    logs->add_flag("--follow,-f", o->follow, "keep printing new lines until interrupted");
    logs->add_flag("--out", o->out_only, "stdout only");
    logs->add_flag("--err", o->err_only, "stderr only");
    logs->add_flag("--timestamps,-t", o->timestamps, "prefix each line with its time");
    logs->add_flag("--raw", o->raw, "only the lines' exact bytes, no prefix");
    logs->callback([env, o] { env.action = [g = &env.global, o] { return run_logs(*g, *o); }; });

    auto sel = std::make_shared<std::string>("all");
    auto* flush = app.add_subcommand("flush", "empty log buffers and files");
    flush->add_option("selector", *sel, "name, name:index, id or all (default all)");
    flush->callback([env, sel] {
        env.action = [g = &env.global, sel] {
            return run_request(*g, "flush", json{{"selector", *sel}}, [](const json& r) {
                std::printf("flushed logs of %d instances\n", r.value("flushed", 0));
            });
        };
    });

    auto rotate_sel = std::make_shared<std::string>("all");
    auto* rotate = app.add_subcommand("rotateLogs", "rotate log files now (name.log -> name.log.1, ...)");
    rotate->add_option("selector", *rotate_sel, "name, name:index, id or all (default all)");
    rotate->callback([env, rotate_sel] {
        env.action = [g = &env.global, rotate_sel] {
            return run_request(*g, "rotateLogs", json{{"selector", *rotate_sel}}, [](const json& r) {
                std::printf("rotated %d log files\n", r.value("rotated", 0));
            });
        };
    });

    auto* reload = app.add_subcommand("reloadLogs", "reopen log files (after external rotation)");
    reload->callback([env] {
        env.action = [g = &env.global] {
            return run_request(*g, "reloadLogs", json::object(), [](const json& r) {
                std::printf("reopened %d log files\n", r.value("reopened", 0));
            });
        };
    });
}

}  // namespace pm::cli
