// Support for loop-level unit tests: a real uv_loop_t that must close empty,
// run_until(pred), a LogHub in a temporary directory, and specs that run
// the deterministic child pm_test_child.
#pragma once

#include <doctest/doctest.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/string_pool.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervisor/process_spec.hpp"

namespace pm::test {

// A loop per test. Its destructor drains it and requires uv_loop_close() == 0:
// a handle left open is a failing test (libuv's own discipline).
struct Loop {
    uv_loop_t loop{};
    Loop() { uv_loop_init(&loop); }
    ~Loop() {
        uv_run(&loop, UV_RUN_DEFAULT);
        CHECK(uv_loop_close(&loop) == 0);
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;
    uv_loop_t* get() { return &loop; }
};

// Runs the loop until `pred` holds or `ms` pass; a 5 ms ticker keeps it turning.
inline bool run_until(uv_loop_t* loop, const std::function<bool()>& pred, std::uint64_t ms = 5000) {
    uv_timer_t ticker;
    uv_timer_init(loop, &ticker);
    uv_timer_start(&ticker, [](uv_timer_t*) {}, 5, 5);
    uv_update_time(loop);
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

// The one place a test builds a LogHub: its log files go to `logs_dir`, and
// it has no followers (nothing is sent anywhere).
inline std::unique_ptr<logs::LogHub> make_log_hub(uv_loop_t* loop, const std::string& logs_dir) {
    return std::make_unique<logs::LogHub>(loop, logs_dir, logs::HubLimits{},
                                          [](std::uint64_t, std::string_view) { return logs::SendResult::gone; });
}

// A spec named `name` that runs pm_test_child with `steps`; `extra` adds or
// overrides start arguments (restart, kill_timeout, min_uptime, ...).
inline std::shared_ptr<const sup::ProcessSpec> child_spec(StringPool& pool, const std::string& name,
                                                          const std::vector<std::string>& steps,
                                                          json extra = json::object()) {
    json args{{"argv", json::array({PM_TEST_CHILD})}, {"kill_timeout", 2000}};
    for (const auto& s : steps) {
        args["argv"].push_back(s);
    }
    args.update(extra);
    auto spec = sup::spec_from_json(args, name, pool);
    REQUIRE_MESSAGE(spec.has_value(), (spec ? "" : spec.error().message));
    return std::make_shared<const sup::ProcessSpec>(std::move(*spec));
}

}  // namespace pm::test
