// Renderers of log events and log command results.
#include "cli/render/logs.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fmt/format.h>

#include "common/base64.hpp"

namespace pm::cli {
namespace {

// "ts" is null for a line whose time is unknown (read back from a file
// without a date prefix): dashes, never the epoch.
std::string format_ts(const json& d) {
    auto ts = d.find("ts");
    std::int64_t ms = ts != d.end() && ts->is_number_integer() ? ts->get<std::int64_t>() : 0;
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

std::string line_text(const json& d) {
    std::string text;
    if (d.contains("data_b64")) {
        if (!base64_decode(d.value("data_b64", ""), text)) {
            text = "<undecodable>";
        }
    } else {
        text = d.value("line", "");
    }
    return text;
}

}  // namespace

void print_log_event(const json& ev, const LogPrintOptions& o) {
    const json& d = ev["data"];
    std::string kind = ev.value("event", "");
    if (o.json) {
        write_all(1, to_line(kind == k_event_gap ? json{{"gap", d.value("missed", 0)}} : d));
        return;
    }
    if (kind == k_event_gap) {
        write_all(2, fmt::format("pm: {} lines were missed (this reader was too slow)\n", d.value("missed", 0)));
        return;
    }
    std::string text = line_text(d);
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
    if (o.colour) {
        prefix = (err ? "\033[31m" : "\033[36m") + prefix + "\033[0m";
    }
    std::string line;
    if (o.timestamps) {
        line = format_ts(d) + " ";
    }
    line += fmt::format("{} | {}\n", prefix, text);
    write_all(1, line);
}

void render_flushed(const json& r) { std::printf("flushed logs of %d instances\n", r.value("flushed", 0)); }

void render_rotated(const json& r) { std::printf("rotated %d log files\n", r.value("rotated", 0)); }

void render_reopened(const json& r) { std::printf("reopened %d log files\n", r.value("reopened", 0)); }

}  // namespace pm::cli
