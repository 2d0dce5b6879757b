// Renderers of process and operator results.
#include "cli/render/process.hpp"

#include <cstdio>
#include <fmt/format.h>

#include "cli/render/table.hpp"
#include "common/units.hpp"

namespace pm::cli {
namespace {

void print_spec(const json& spec) {
    for (const auto& [k, v] : spec.items()) {
        if (k != "env") {
            std::printf("%-18s %s\n", k.c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
        }
    }
}

void print_log_stats(const std::string& who, const json& l) {
    std::printf("%s logs: ring %s of %s (%s lines), out %s lines, err %s lines\n", who.c_str(),
                format_size(l.value("ring_bytes", 0)).c_str(), format_size(l.value("ring_capacity", 0)).c_str(),
                l["ring_lines"].dump().c_str(), l["lines_out"].dump().c_str(), l["lines_err"].dump().c_str());
    for (const char* f : {"out_file", "err_file"}) {
        if (l[f].is_object()) {
            std::printf("%s   %s: %s written, %s lines dropped%s\n", who.c_str(), l[f].value("path", "").c_str(),
                        format_size(l[f].value("written_bytes", 0)).c_str(), l[f]["dropped_lines"].dump().c_str(),
                        l[f].value("degraded", false) ? " (DEGRADED: not writing)" : "");
        }
    }
}

void print_history(const std::string& who, const json& h) {
    if (h.empty()) {
        return;
    }
    std::string cpu, mem;
    for (std::size_t k = h.size() > 10 ? h.size() - 10 : 0; k < h.size(); ++k) {
        cpu += fmt::format(" {:.1f}", h[k].value("cpu", 0.0));
        mem += " " + format_size(h[k].value("memory", std::int64_t{0}));
    }
    std::printf("%s recent cpu %%:%s\n%s recent memory:%s\n", who.c_str(), cpu.c_str(), who.c_str(), mem.c_str());
}

// What `show` adds under the table for one instance.
void print_instance_details(const json& i) {
    std::string who = fmt::format("{}:{}", i.value("name", ""), i.value("index", 0));
    if (i["last_error"].is_string()) {
        std::printf("%s last error: %s\n", who.c_str(), i["last_error"].get<std::string>().c_str());
    }
    if (i["restart_reason"].is_string()) {
        std::printf("%s last restart: %s; by reason: %s\n", who.c_str(), i["restart_reason"].get<std::string>().c_str(),
                    i.value("restarts_by_reason", json::object()).dump().c_str());
    }
    if (i.contains("logs")) {
        print_log_stats(who, i["logs"]);
    }
    print_history(who, i.value("history", json::array()));
}

}  // namespace

void render_instances(const json& r) { print_instances(r.value("instances", json::array()), stdout); }

void render_list(const json& r) { print_instances(r.value("processes", json::array()), stdout); }

void render_json_line(const json& r) { std::fputs(to_line(r).c_str(), stdout); }

void render_json_pretty(const json& r) { std::fputs((r.dump(2) + "\n").c_str(), stdout); }

void render_stopped(const json& r) {
    for (const auto& i : r.value("instances", json::array())) {
        std::string name = i.value("name", "");
        std::printf("%s (id %d): %s, last exit %s\n", name.c_str(), i.value("id", 0), i.value("state", "").c_str(),
                    describe_exit(i.value("last_exit", json(nullptr))).c_str());
    }
}

void render_deleted(const json& r) {
    for (const auto& i : r.value("deleted", json::array())) {
        std::printf("deleted %s (id %d)\n", i.value("name", "").c_str(), i.value("id", 0));
    }
}

void render_env(const json& r) {
    const json& procs = r["processes"];
    for (const auto& p : procs) {
        if (procs.size() > 1) {
            std::printf("# %s:%d (id %d)\n", p.value("name", "").c_str(), p.value("index", 0), p.value("id", 0));
        }
        for (const auto& [k, v] : p["env"].items()) {  // json objects iterate sorted
            std::printf("%s=%s\n", k.c_str(), v.get<std::string>().c_str());
        }
    }
}

void render_show(const json& r) {
    print_spec(r["spec"]);
    std::printf("\n");
    print_instances(r.value("instances", json::array()), stdout);
    for (const auto& i : r.value("instances", json::array())) {
        print_instance_details(i);
    }
}

void render_signalled(const json& r) {
    std::printf("sent %s to %zu instances\n", r.value("signal", "").c_str(), r["sent_to"].size());
}

void render_reset(const json& r) { std::printf("reset %d instances\n", r.value("reset", 0)); }

}  // namespace pm::cli
