// CronTimer: calls `fire` at each time of a cron schedule (cron_restart).
// One uv timer armed for the next occurrence, re-armed after each fire from
// the wall clock, so clock changes and daylight saving only shift one wait.
#pragma once

#include <uv.h>

#include <ctime>
#include <functional>
#include <string>

#include "common/cron.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::sup {

class CronTimer {
public:
    CronTimer(uv_loop_t* loop, std::string expr, CronSchedule schedule, std::function<void()> fire);
    const std::string& expr() const { return m_expr; }
    // Wall-clock time of the next fire (0: none).
    std::time_t next() const { return m_next; }

private:
    void arm();
    void arm_for(std::time_t when);
    static void timer_cb(uv_timer_t* t) noexcept;

    std::string m_expr;
    CronSchedule m_schedule;
    std::function<void()> m_fire;
    uv::Handle<uv_timer_t> m_timer;
    std::time_t m_next = 0;
};

}  // namespace pm::sup
