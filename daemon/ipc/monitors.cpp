// Monitors: one frame built per tick, sent to every subscriber.
#include "daemon/ipc/monitors.hpp"

#include <fmt/format.h>

namespace pm::ipc {

Result<void> Monitors::subscribe(std::uint64_t conn, json request_id) {
    if (m_subs.size() >= m_max) {
        return fail(ErrorCode::limit_reached, fmt::format("too many monitors (limit {})", m_max));
    }
    m_subs.push_back(Sub{conn, std::move(request_id)});
    return {};
}

bool Monitors::unsubscribe(std::uint64_t conn, const json& request_id) {
    auto before = m_subs.size();
    std::erase_if(m_subs, [&](const Sub& s) { return s.conn == conn && s.request_id == request_id; });
    return before != m_subs.size();
}

void Monitors::drop_connection(std::uint64_t conn) {
    std::erase_if(m_subs, [&](const Sub& s) { return s.conn == conn; });
}

void Monitors::publish() {
    if (m_subs.empty()) {
        return;
    }
    json frame = m_frame();
    for (auto it = m_subs.begin(); it != m_subs.end();) {
        if (m_send(it->conn, to_line(make_event(it->request_id, "stats", frame)))) {
            ++m_frames;
            ++it;
        } else {
            it = m_subs.erase(it);
        }
    }
}

}  // namespace pm::ipc
