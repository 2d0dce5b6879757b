// Watcher: ignore matching (pure), and a real loop over a temporary tree:
// one watch per directory, a burst fires once, new directories are picked up,
// ignored names never fire.
#include <doctest/doctest.h>

#include <uv.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "daemon/supervisor/watcher.hpp"
#include "temp_dir.hpp"

using pm::sup::watch_ignored;
using pm::sup::Watcher;
using pm::sup::WatchOptions;
using pm::test::TempDir;

namespace {

void touch(const std::string& path) {
    std::ofstream out(path, std::ios::app);
    out << "x\n";
}

// Runs the loop until `pred` holds or `ms` pass; a 5 ms ticker keeps it turning.
bool run_until(uv_loop_t* loop, const std::function<bool()>& pred, std::uint64_t ms) {
    uv_timer_t ticker;
    uv_timer_init(loop, &ticker);
    uv_timer_start(&ticker, [](uv_timer_t*) {}, 5, 5);
    std::uint64_t end = uv_now(loop) + ms;
    bool held = pred();
    while (!held && uv_now(loop) < end) {
        uv_run(loop, UV_RUN_ONCE);
        held = pred();
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&ticker), nullptr);
    uv_run(loop, UV_RUN_NOWAIT);
    return held;
}

struct Loop {
    uv_loop_t loop{};
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);  // close callbacks of the watcher's handles
        CHECK(uv_loop_close(&loop) == 0);
    }
};

}  // namespace

TEST_SUITE("daemon/watcher") {

TEST_CASE("watch_ignored matches path components, whole relative paths and absolute prefixes") {
    const std::vector<std::string> ignore{".git", "node_modules", "*.log", "build/tmp", "/home/u/.pm"};
    CHECK(watch_ignored("/app", "/app/.git", ignore));
    CHECK(watch_ignored("/app", "/app/.git/HEAD", ignore));
    CHECK(watch_ignored("/app", "/app/web/node_modules/x/index.js", ignore));
    CHECK(watch_ignored("/app", "/app/server.log", ignore));
    CHECK(watch_ignored("/app", "/app/build/tmp", ignore));
    CHECK(watch_ignored("/app", "/home/u/.pm/logs/a-out.log", ignore));
    CHECK(watch_ignored("/home/u", "/home/u/.pm", ignore));
    CHECK_FALSE(watch_ignored("/app", "/app/server.js", ignore));
    CHECK_FALSE(watch_ignored("/app", "/app/gitignore", ignore));
    CHECK_FALSE(watch_ignored("/app", "/app/build/main.o", ignore));
    CHECK_FALSE(watch_ignored("/home/u", "/home/u/.pmrc", ignore));
    // The root itself is never ignored by a relative pattern.
    CHECK_FALSE(watch_ignored("/srv/node_modules", "/srv/node_modules", ignore));
}

TEST_CASE("a Watcher watches every directory but ignored ones, and a burst of changes fires once") {
    TempDir dir("pm-watch");
    std::filesystem::create_directories(dir / "src/lib");
    std::filesystem::create_directories(dir / ".git/objects");
    std::filesystem::create_directories(dir / "node_modules/pkg");
    Loop l;
    int fires = 0;
    std::size_t burst_events = 0;
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir.path}, {".git", "node_modules", "*.log"}, 50},
                                       [&](const std::string&, std::size_t events) {
                                           ++fires;
                                           burst_events = events;
                                       });
    CHECK(w->dir_count() == 3);  // root, src, src/lib

    for (int i = 0; i < 30; ++i) {
        touch(dir / ("src/lib/f" + std::to_string(i % 5) + ".js"));
    }
    REQUIRE(run_until(&l.loop, [&] { return fires >= 1; }, 5000));
    CHECK(burst_events >= 5);
    // Quiet for several debounce periods: no second fire for the same burst.
    run_until(&l.loop, [] { return false; }, 300);
    CHECK(fires == 1);

    SUBCASE("ignored names and other directories' changes never fire") {
        touch(dir / "server.log");
        touch(dir / ".git/objects/x");
        touch(dir / "node_modules/pkg/index.js");
        REQUIRE(run_until(&l.loop, [&] { return w->stats_json()["ignored"].get<int>() >= 1; }, 5000));
        run_until(&l.loop, [] { return false; }, 300);
        CHECK(fires == 1);
    }
    SUBCASE("a directory created later is watched after the rescan") {
        std::filesystem::create_directories(dir / "src/new");
        REQUIRE(run_until(&l.loop, [&] { return fires == 2; }, 5000));
        CHECK(w->dir_count() == 4);
        touch(dir / "src/new/a.js");
        REQUIRE(run_until(&l.loop, [&] { return fires == 3; }, 5000));
    }
    SUBCASE("a removed directory is dropped") {
        std::filesystem::remove_all(dir / "src/lib");
        REQUIRE(run_until(&l.loop, [&] { return fires == 2; }, 5000));
        CHECK(w->dir_count() == 2);
    }
    w.reset();
}

TEST_CASE("a Watcher on a single file fires for that file only, also when an editor replaces it") {
    TempDir dir("pm-watch");
    touch(dir / "config.json");
    touch(dir / "other.txt");
    Loop l;
    int fires = 0;
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir / "config.json"}, {}, 20},
                                       [&](const std::string&, std::size_t) { ++fires; });
    touch(dir / "other.txt");
    run_until(&l.loop, [] { return false; }, 200);
    CHECK(fires == 0);
    // Write a new copy and rename it over the original, as editors do.
    touch(dir / "config.json.tmp");
    std::filesystem::rename(dir / "config.json.tmp", dir / "config.json");
    REQUIRE(run_until(&l.loop, [&] { return fires == 1; }, 5000));
    touch(dir / "config.json");
    REQUIRE(run_until(&l.loop, [&] { return fires == 2; }, 5000));
    w.reset();
}

TEST_CASE("a missing watch path is reported in the stats, not thrown") {
    TempDir dir("pm-watch");
    Loop l;
    Watcher w(&l.loop, WatchOptions{{dir / "gone"}, {}, 20}, [](const std::string&, std::size_t) {});
    CHECK(w.dir_count() == 0);
    CHECK(w.stats_json()["error"].get<std::string>().find("does not exist") != std::string::npos);
}

}  // TEST_SUITE
