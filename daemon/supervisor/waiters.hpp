// Waiters: callbacks that run once every listed instance satisfies a
// predicate (or is gone), optionally with a deadline. How stop, restart,
// delete, wait and reload replies are deferred. Bounded; loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "common/result.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::sup {

class Instance;

class Waiters {
public:
    using Pred = std::function<bool(const Instance&)>;
    using Done = std::function<void()>;
    // The instance with this id, or nullptr once it is gone.
    using FindFn = std::function<const Instance*(std::uint64_t)>;

    Waiters(uv_loop_t* loop, std::size_t max_waiters, FindFn find);
    Waiters(const Waiters&) = delete;
    Waiters& operator=(const Waiters&) = delete;

    // Calls `done` (outside any instance callback) once every listed instance
    // satisfies `pred` or no longer exists. Fails when too many are pending.
    Result<void> add(std::vector<std::uint64_t> ids, Pred pred, Done done);
    // The same with a deadline: `expired` runs instead of `done` when the
    // condition does not hold within timeout_ms.
    Result<void> add(std::vector<std::uint64_t> ids, Pred pred, Done done, std::int64_t timeout_ms, Done expired);
    // An instance changed: check again on the next loop turn, outside its callback.
    void poke();
    std::size_t size() const { return m_waiters.size(); }

private:
    struct Waiter {
        std::vector<std::uint64_t> ids;
        Pred pred;
        Done done;
        std::uint64_t deadline = 0;  // loop time in ms; 0: none
        Done expired;
    };

    void check();
    bool satisfied(const Waiter& w) const;
    static void check_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    std::size_t m_max;
    FindFn m_find;
    std::vector<Waiter> m_waiters;
    uv::Handle<uv_timer_t> m_check_timer;     // defers checks out of instance callbacks
    uv::Handle<uv_timer_t> m_deadline_timer;  // runs (every 50 ms) while a waiter has a deadline
};

}  // namespace pm::sup
