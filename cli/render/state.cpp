// Renderers of daemon-level results.
#include "cli/render/state.hpp"

#include <cstdio>

namespace pm::cli {

void render_pong(const json&) { std::printf("pong\n"); }

void render_version(const json& r) {
    std::printf("pm %s\npmd %s (pid %d, protocol %d)\nhome %s\n", PM_VERSION, r.value("version", "?").c_str(),
                r.value("pid", 0), r.value("protocol", 0), r.value("home", "").c_str());
}

void render_killed(const json& r) { std::printf("pmd stopped (%d processes stopped)\n", r.value("stopped", 0)); }

void render_saved(const json& r) {
    std::printf("saved %d processes to %s\n", r.value("saved", 0), r.value("path", "").c_str());
}

void render_web(const json& r) {
    std::printf("%s\n", r.value("open", "").c_str());
    if (r.value("started", false)) {
        std::fprintf(stderr, "pm: the web view is on at %s until pmd stops (pmd --http %s keeps it on)\n",
                     r.value("url", "").c_str(), r.value("listen", "").c_str());
    }
}

void render_resurrected(const json& r) {
    if (r["warning"].is_string()) {
        std::fprintf(stderr, "pm: WARNING: %s\n", r["warning"].get<std::string>().c_str());
    }
    std::printf("restored %zu processes from %s\n", r["restored"].size(), r.value("source", "").c_str());
    for (const auto& s : r["skipped"]) {
        std::printf("skipped %s (already known)\n", s.get<std::string>().c_str());
    }
    for (const auto& f : r["failed"]) {
        std::printf("failed %s: %s\n", f.value("name", "").c_str(), f.value("error", "").c_str());
    }
}

}  // namespace pm::cli
