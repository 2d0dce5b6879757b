// Waiters: the bounded list, the deferred check and the deadline poll.
#include "daemon/supervisor/waiters.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace pm::sup {

Waiters::Waiters(uv_loop_t* loop, std::size_t max_waiters, FindFn find)
    : m_loop(loop), m_max(max_waiters), m_find(std::move(find)) {
    uv::init_timer(m_loop, m_check_timer, this);
    uv::init_timer(m_loop, m_deadline_timer, this);
}

Result<void> Waiters::add(std::vector<std::uint64_t> ids, Pred pred, Done done) {
    if (m_waiters.size() >= m_max) {
        return fail(ErrorCode::limit_reached, fmt::format("too many pending operations (limit {})", m_max));
    }
    m_waiters.push_back(Waiter{std::move(ids), std::move(pred), std::move(done), 0, {}});
    uv_timer_start(m_check_timer.get(), check_cb, 0, 0);
    return {};
}

Result<void> Waiters::add(std::vector<std::uint64_t> ids, Pred pred, Done done, std::int64_t timeout_ms,
                          Done expired) {
    if (auto ok = add(std::move(ids), std::move(pred), std::move(done)); !ok) {
        return ok;
    }
    m_waiters.back().deadline = uv_now(m_loop) + static_cast<std::uint64_t>(std::max<std::int64_t>(timeout_ms, 0));
    m_waiters.back().expired = std::move(expired);
    if (!uv_is_active(m_deadline_timer.handle())) {
        uv_timer_start(m_deadline_timer.get(), check_cb, 50, 50);
    }
    return {};
}

void Waiters::poke() {
    if (!m_waiters.empty()) {
        uv_timer_start(m_check_timer.get(), check_cb, 0, 0);
    }
}

void Waiters::check_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<Waiters*>(t->data)) {
        self->check();
    }
}

bool Waiters::satisfied(const Waiter& w) const {
    return std::all_of(w.ids.begin(), w.ids.end(), [&](std::uint64_t id) {
        const Instance* inst = m_find(id);
        return inst == nullptr || w.pred(*inst);
    });
}

void Waiters::check() {
    std::vector<Done> ready;
    std::uint64_t now = uv_now(m_loop);
    bool any_deadline = false;
    for (auto it = m_waiters.begin(); it != m_waiters.end();) {
        if (satisfied(*it)) {
            ready.push_back(std::move(it->done));
            it = m_waiters.erase(it);
        } else if (it->deadline != 0 && now >= it->deadline) {
            ready.push_back(std::move(it->expired));
            it = m_waiters.erase(it);
        } else {
            any_deadline = any_deadline || it->deadline != 0;
            ++it;
        }
    }
    if (!any_deadline) {
        uv_timer_stop(m_deadline_timer.get());
    }
    // Run after the scan: a done callback may add waiters or remove instances.
    for (auto& d : ready) {
        d();
    }
}

}  // namespace pm::sup
