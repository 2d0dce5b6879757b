// Integration harness: the names every part of it shares (json, Clock, Ms)
// and wait_until(), which polls a condition instead of sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace pm::test {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

// Polls `pred` every 10 ms until it holds or `timeout` passes. `pred` may
// write what it saw into `observed`; on timeout the check fails with the
// description and that last observation. Returns whether it held.
bool wait_until_impl(const std::function<bool(std::string& observed)>& pred, Ms timeout, std::string_view what);

template <typename Pred>
bool wait_until(Pred&& pred, Ms timeout, std::string_view what) {
    if constexpr (std::is_invocable_r_v<bool, Pred&, std::string&>) {
        return wait_until_impl(std::function<bool(std::string&)>(pred), timeout, what);
    } else {
        return wait_until_impl([&pred](std::string&) { return static_cast<bool>(pred()); }, timeout, what);
    }
}

// Milliseconds until `deadline` (0 once it has passed), for poll().
int remaining_ms(Clock::time_point deadline);

}  // namespace pm::test
