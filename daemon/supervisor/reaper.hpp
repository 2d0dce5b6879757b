// Reaper: pmd is a child subreaper, so orphaned grandchildren become our
// children. libuv reaps only the pids it spawned; the Reaper reaps every
// other child of ours, never a pid libuv owns (waitpid(-1) would steal
// libuv's exits and their exit_cb would never fire).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

#include "daemon/uv/handle.hpp"

namespace pm::sup {

class Reaper {
public:
    using OwnedPids = std::function<std::unordered_set<int>()>;

    // `owned` returns the pids libuv is responsible for (live instances).
    Reaper(uv_loop_t* loop, OwnedPids owned);
    // Runs one pass now; returns how many orphans were reaped.
    int reap();
    std::uint64_t reaped_total() const { return m_total; }

    // Pure helper: pids listed in /proc/<self>/task/*/children, falling back
    // to a ppid scan of /proc when that file is not available.
    static std::vector<int> list_children(int self_pid);

private:
    static void signal_cb(uv_signal_t* s, int) noexcept;
    static void timer_cb(uv_timer_t* t) noexcept;

    OwnedPids m_owned;
    uv::Handle<uv_signal_t> m_sigchld;
    uv::Handle<uv_timer_t> m_backstop;  // catches coalesced or missed SIGCHLDs
    std::uint64_t m_total = 0;
};

}  // namespace pm::sup
