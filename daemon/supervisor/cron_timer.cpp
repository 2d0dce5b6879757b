// CronTimer: next occurrence from the wall clock, one timer.
#include "daemon/supervisor/cron_timer.hpp"

#include <algorithm>
#include <chrono>

namespace pm::sup {

CronTimer::CronTimer(uv_loop_t* loop, std::string expr, CronSchedule schedule, std::function<void()> fire)
    : m_expr(std::move(expr)), m_schedule(schedule), m_fire(std::move(fire)) {
    uv::init_timer(loop, m_timer, this);
    uv_unref(m_timer.handle());  // a schedule alone does not keep pmd running
    arm();
}

void CronTimer::arm() {
    auto next = cron_next(m_schedule, std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
    m_next = next.value_or(0);
    if (next) {
        arm_for(*next);
    }  // else never again (e.g. February 30th)
}

void CronTimer::arm_for(std::time_t when) {
    auto due = std::chrono::system_clock::from_time_t(when);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - std::chrono::system_clock::now()).count();
    uv_timer_start(m_timer.get(), timer_cb, static_cast<std::uint64_t>(std::max<std::int64_t>(wait, 1)), 0);
}

void CronTimer::timer_cb(uv_timer_t* t) noexcept {
    auto* self = static_cast<CronTimer*>(t->data);
    if (self == nullptr) {
        return;
    }
    // Early wake-ups (timer granularity) re-arm for the same second.
    if (std::chrono::system_clock::now() < std::chrono::system_clock::from_time_t(self->m_next)) {
        self->arm_for(self->m_next);
        return;
    }
    self->arm();
    self->m_fire();  // last: it restarts processes
}

}  // namespace pm::sup
