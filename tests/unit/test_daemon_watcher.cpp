// Watcher: path and pattern normalisation and ignore matching (pure), and a
// real loop over a temporary tree: one watch per directory, a burst fires
// once, new, re-created and missing directories are picked up, ignored names
// never fire, the cap holds.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <uv.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "daemon/supervisor/watcher.hpp"
#include "loop_support.hpp"
#include "temp_dir.hpp"

using pm::sup::normal_ignore;
using pm::sup::normal_watch_path;
using pm::sup::watch_ignored;
using pm::sup::Watcher;
using pm::sup::WatchOptions;
using pm::test::run_until;
using pm::test::TempDir;

namespace {

void touch(const std::string& path) {
    std::ofstream out(path, std::ios::app);
    out << "x\n";
}

// The paths of the loop's active fs event handles: what is really watched.
std::vector<std::string> watched_paths(uv_loop_t* loop) {
    std::vector<std::string> out;
    uv_walk(
        loop,
        [](uv_handle_t* h, void* arg) {
            if (h->type != UV_FS_EVENT || uv_is_active(h) == 0) {
                return;
            }
            char buf[4096];
            std::size_t len = sizeof(buf);
            if (uv_fs_event_getpath(reinterpret_cast<uv_fs_event_t*>(h), buf, &len) == 0) {
                static_cast<std::vector<std::string>*>(arg)->emplace_back(buf, len);
            }
        },
        &out);
    std::sort(out.begin(), out.end());
    return out;
}

int open_fds() {
    int n = -1;  // the iterator's own descriptor
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
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

TEST_CASE("a missing watch path is reported in the stats, not thrown, and watched through its parent") {
    TempDir dir("pm-watch");
    Loop l;
    Watcher w(&l.loop, WatchOptions{{dir / "gone"}, {}, 20}, [](const std::string&, std::size_t) {});
    CHECK(w.dir_count() == 1);  // the parent, for the name
    CHECK(w.stats_json()["error"].get<std::string>().find("does not exist") != std::string::npos);
}

TEST_CASE("normal_watch_path and normal_ignore make \"./x\", \"x/\" and \"/a/./b\" mean what they say") {
    CHECK(normal_watch_path("/home/u/.") == "/home/u");
    CHECK(normal_watch_path("/home/u/./.pm/logs/") == "/home/u/.pm/logs");
    CHECK(normal_watch_path("/a/b/../c//d") == "/a/c/d");
    CHECK(normal_watch_path("/") == "/");
    CHECK(normal_watch_path("/.") == "/");
    CHECK(normal_ignore({"./logs", "logs/", "./a/b/", "/home/u/./.pm/", "*.log", "./", "."}) ==
          std::vector<std::string>{"logs", "logs", "a/b", "/home/u/.pm", "*.log", "."});
    auto ignore = normal_ignore({"./tmp/", "/home/u/./.pm/"});
    CHECK(watch_ignored("/home/u", "/home/u/tmp", ignore));
    CHECK(watch_ignored("/home/u", "/home/u/.pm/logs/a-out.log", ignore));
    CHECK(watch_ignored("/", "/srv/tmp/x", ignore));
    CHECK_FALSE(watch_ignored("/home/u", "/home/u/tmpfile", ignore));
}

TEST_CASE("a Watcher on \"root/.\" honours absolute ignores under it and \"./x\" or \"x/\" patterns") {
    TempDir dir("pm-watch");
    for (const char* sub : {"src", "logs", "tmp", "cache"}) {
        std::filesystem::create_directories(dir / sub);
    }
    Loop l;
    int fires = 0;
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir / "."}, {dir / "./logs/", "./tmp", "cache/"}, 20},
                                       [&](const std::string&, std::size_t) { ++fires; });
    CHECK(w->dir_count() == 2);  // root, src
    touch(dir / "logs/app-out.log");  // pmd's own logs when the root is PM_HOME's parent
    touch(dir / "tmp/x");
    run_until(&l.loop, [] { return false; }, 200);
    CHECK(fires == 0);
    touch(dir / "src/a.js");
    REQUIRE(run_until(&l.loop, [&] { return fires == 1; }, 5000));
    w.reset();
}

TEST_CASE("a directory deleted and re-created under the same name is watched again") {
    TempDir dir("pm-watch");
    std::filesystem::create_directories(dir / "sub");
    Loop l;
    int fires = 0;
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir.path}, {}, 20},
                                       [&](const std::string&, std::size_t) { ++fires; });
    REQUIRE(w->dir_count() == 2);
    // Both before the loop reads an event: the rescan sees the same name.
    std::size_t dirs = 2;
    SUBCASE("deleted (ext4 may give the new directory the same inode)") {
        std::filesystem::remove_all(dir / "sub");
        std::filesystem::create_directories(dir / "sub");
    }
    SUBCASE("moved away") {
        std::filesystem::rename(dir / "sub", dir / "sub.old");
        std::filesystem::create_directories(dir / "sub");
        dirs = 3;
    }
    REQUIRE(run_until(&l.loop, [&] { return fires == 1; }, 5000));
    CHECK(w->dir_count() == dirs);
    touch(dir / "sub/a.js");
    REQUIRE(run_until(&l.loop, [&] { return fires == 2; }, 5000));
    w.reset();
}

TEST_CASE("a watch path that appears later fires and is watched, also when its parent was missing") {
    TempDir dir("pm-watch");
    Loop l;
    int fires = 0;
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir / "a/b"}, {}, 20},
                                       [&](const std::string&, std::size_t) { ++fires; });
    CHECK(w->dir_count() == 0);
    CHECK(w->stats_json()["error"].get<std::string>().find(dir / "a/b") != std::string::npos);
    std::filesystem::create_directories(dir / "a/b/c");  // found by the retry timer: nothing watched "a"
    REQUIRE(run_until(&l.loop, [&] { return fires == 1; }, 5000));
    CHECK(w->dir_count() == 2);
    CHECK(w->stats_json()["error"].is_null());
    touch(dir / "a/b/c/x.js");
    REQUIRE(run_until(&l.loop, [&] { return fires == 2; }, 5000));
    w.reset();
}

TEST_CASE("a watched file removed and re-created keeps its parent's watch and fires again") {
    TempDir dir("pm-watch");
    touch(dir / "config.json");
    Loop l;
    int fires = 0;
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir / "config.json"}, {}, 20},
                                       [&](const std::string&, std::size_t) { ++fires; });
    std::filesystem::remove(dir / "config.json");
    REQUIRE(run_until(&l.loop, [&] { return fires == 1; }, 5000));
    CHECK(w->dir_count() == 1);
    CHECK(w->stats_json()["error"].get<std::string>().find("does not exist") != std::string::npos);
    touch(dir / "config.json");
    REQUIRE(run_until(&l.loop, [&] { return fires == 2; }, 500));  // the parent's event, not the 1 s retry
    CHECK(w->stats_json()["error"].is_null());
    run_until(&l.loop, [] { return false; }, 1200);
    CHECK(fires == 2);  // the retry timer does not fire the same return again
    w.reset();
}

TEST_CASE("a directory the walk cannot open skips only that directory") {
    // Stand-in for a directory vanishing mid-walk: with few descriptors left,
    // a walk holding one open directory per level fails part way down.
    TempDir dir("pm-watch");
    std::string deep = dir.path;
    for (int i = 0; i < 40; ++i) {
        deep += "/d";
    }
    std::filesystem::create_directories(deep);
    Loop l;
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(open_fds() + 8);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir.path}, {}, 20},
                                       [](const std::string&, std::size_t) {});
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);
    CHECK(w->dir_count() == 41);
    w.reset();
}

TEST_CASE("the walk stops at the cap, keeps the watches it has, and clears truncated once the tree fits") {
    TempDir dir("pm-watch");
    for (const char* sub : {"a", "b", "c", "d"}) {
        std::filesystem::create_directories(dir / sub);
    }
    Loop l;
    int fires = 0;
    WatchOptions opts{{dir.path}, {}, 20};
    opts.max_dirs = 3;
    auto w = std::make_unique<Watcher>(&l.loop, opts, [&](const std::string&, std::size_t) { ++fires; });
    CHECK(w->dir_count() == 3);
    CHECK(w->stats_json()["truncated"] == true);
    auto before = watched_paths(&l.loop);
    REQUIRE(before.size() == 3);

    std::filesystem::create_directories(dir / "e");  // a rescan that cannot finish
    REQUIRE(run_until(&l.loop, [&] { return fires == 1; }, 5000));
    CHECK(watched_paths(&l.loop) == before);
    CHECK(w->stats_json()["truncated"] == true);

    for (const char* sub : {"a", "b", "c"}) {
        std::filesystem::remove_all(dir / sub);
    }
    REQUIRE(run_until(&l.loop, [&] { return fires == 2; }, 5000));
    CHECK(w->dir_count() == 3);  // root, d, e: all of it fits now
    CHECK(w->stats_json()["truncated"] == false);
    w.reset();
}

TEST_CASE("a watch error makes the Watcher rescan without restarting the app") {
    TempDir dir("pm-watch");
    Loop l;
    int fires = 0;
    auto w = std::make_unique<Watcher>(&l.loop, WatchOptions{{dir.path}, {}, 20},
                                       [&](const std::string&, std::size_t) { ++fires; });
    REQUIRE(w->dir_count() == 1);
    // Silence the real watch, change the tree, then report an error as libuv would.
    uv_fs_event_t* handle = nullptr;
    uv_walk(
        &l.loop,
        [](uv_handle_t* h, void* arg) {
            if (h->type == UV_FS_EVENT) {
                *static_cast<uv_fs_event_t**>(arg) = reinterpret_cast<uv_fs_event_t*>(h);
            }
        },
        &handle);
    REQUIRE(handle != nullptr);
    uv_fs_event_cb cb = handle->cb;
    uv_fs_event_stop(handle);
    std::filesystem::create_directories(dir / "new");
    cb(handle, nullptr, 0, UV_EIO);
    REQUIRE(run_until(&l.loop, [&] { return w->dir_count() == 2; }, 5000));
    run_until(&l.loop, [] { return false; }, 100);
    CHECK(fires == 0);
    w.reset();
}

}  // TEST_SUITE
