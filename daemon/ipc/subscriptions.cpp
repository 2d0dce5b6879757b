// Subscriptions: the fan-out, the missed counts and the gap records.
#include "daemon/ipc/subscriptions.hpp"

#include <fmt/format.h>

#include "daemon/ipc/stream_events.hpp"

namespace pm::ipc {
namespace {

// A stalled follower retries its gap record once per this many missed lines,
// so a client that never reads costs one counter increment per line.
constexpr std::uint64_t k_gap_retry_every = 64;

// A subscription's (sink, client) key.
bool same_key(const Subscription& s, const StreamSink& sink, std::uint64_t client) {
    return s.sink == &sink && s.client == client;
}

}  // namespace

bool LogFilter::admits(const logs::ChannelIdentity& who, LogStream s) const {
    bool want = s == LogStream::out ? want_out : want_err;
    return want && selector.matches(who.name, who.index, who.id);
}

void Subscriptions::set_sink_limit(const StreamSink& sink, std::size_t max) {
    if (SinkLimit* own = own_limit(&sink)) {
        own->max = max;
        return;
    }
    m_sink_limits.push_back(SinkLimit{&sink, max});
}

Subscriptions::SinkLimit* Subscriptions::own_limit(const StreamSink* sink) {
    for (auto& l : m_sink_limits) {
        if (l.sink == sink) {
            return &l;
        }
    }
    return nullptr;
}

void Subscriptions::forget(const Subscription& s) {
    --m_count[index(s.kind)];
    if (SinkLimit* own = own_limit(s.sink)) {
        --own->count;
    } else {
        --m_shared[index(s.kind)];
    }
}

Result<void> Subscriptions::subscribe(Subscription s) {
    if (SinkLimit* own = own_limit(s.sink)) {
        if (own->count >= own->max) {
            return fail(ErrorCode::limit_reached, fmt::format("too many streams of this kind (limit {})", own->max));
        }
        ++own->count;
        ++m_count[index(s.kind)];
        m_subs.push_back(std::move(s));
        return {};
    }
    if (s.kind == StreamKind::log && m_shared[index(s.kind)] >= m_limits.max_followers) {
        return fail(ErrorCode::limit_reached, fmt::format("too many followers (limit {})", m_limits.max_followers));
    }
    if (s.kind == StreamKind::stats && m_shared[index(s.kind)] >= m_limits.max_monitors) {
        return fail(ErrorCode::limit_reached, fmt::format("too many monitors (limit {})", m_limits.max_monitors));
    }
    ++m_count[index(s.kind)];
    ++m_shared[index(s.kind)];
    m_subs.push_back(std::move(s));
    return {};
}

template <class Pred>
void Subscriptions::erase_if(Pred pred) {
    std::erase_if(m_subs, [&](const Subscription& s) {
        bool gone = pred(s);
        if (gone) {
            forget(s);
        }
        return gone;
    });
}

bool Subscriptions::cancel(const StreamSink& sink, std::uint64_t client, const json& request_id) {
    std::size_t before = m_subs.size();
    erase_if([&](const Subscription& s) { return same_key(s, sink, client) && s.request_id == request_id; });
    return m_subs.size() != before;
}

void Subscriptions::drop_client(const StreamSink& sink, std::uint64_t client) {
    erase_if([&](const Subscription& s) { return same_key(s, sink, client); });
}

void Subscriptions::drop_sink(const StreamSink& sink) {
    erase_if([&](const Subscription& s) { return s.sink == &sink; });
}

void Subscriptions::caught_up(const StreamSink& sink, std::uint64_t client) {
    for (auto& s : m_subs) {
        if (same_key(s, sink, client)) {
            s.missed = 0;
        }
    }
}

StreamSend Subscriptions::retry_gap(Subscription& s) {
    if (s.missed % k_gap_retry_every == 1) {
        StreamSend r = s.sink->send(s.client, s.sink->encode(s.request_id, k_event_gap, gap_event_data(s.missed)));
        if (r == StreamSend::sent) {
            s.missed = 0;
            return r;
        }
        if (r == StreamSend::gone) {
            return r;
        }
    }
    ++s.missed;
    ++m_stats.follower_lines_missed;
    return StreamSend::full;
}

StreamSend Subscriptions::deliver(Subscription& s, const std::string& line) {
    StreamSend r = s.sink->send(s.client, line);
    if (r == StreamSend::full) {
        ++s.missed;
        ++m_stats.follower_lines_missed;
    } else if (r == StreamSend::sent) {
        ++m_stats.follower_lines_sent;
    }
    return r;
}

void Subscriptions::remove_at(std::size_t i) {
    forget(m_subs[i]);
    m_subs.erase(m_subs.begin() + static_cast<std::ptrdiff_t>(i));
}

void Subscriptions::on_line(const logs::ChannelIdentity& who, const LogRecord& rec) {
    if (count(StreamKind::log) == 0) {
        return;
    }
    // Encode once per (sink, request id, b64): followers usually share few ids.
    std::string line;
    const Subscription* encoded_for = nullptr;
    for (std::size_t i = 0; i < m_subs.size();) {
        Subscription& s = m_subs[i];
        if (s.kind != StreamKind::log || !s.filter.admits(who, rec.stream)) {
            ++i;
            continue;
        }
        // A stalled follower stays cheap: nothing is encoded for it until
        // its gap record goes through.
        StreamSend r = s.missed > 0 ? retry_gap(s) : StreamSend::sent;
        if (r == StreamSend::sent) {
            if (encoded_for == nullptr || encoded_for->sink != s.sink || encoded_for->request_id != s.request_id ||
                encoded_for->filter.b64 != s.filter.b64) {
                line = s.sink->encode(s.request_id, k_event_log, log_event_data(who, rec, s.filter.b64));
                encoded_for = &s;
            }
            r = deliver(s, line);
        }
        if (r == StreamSend::gone) {
            remove_at(i);
            encoded_for = nullptr;  // it may have pointed at the removed one
            continue;
        }
        ++i;
    }
}

void Subscriptions::publish_stats(const FrameFn& frame) {
    if (count(StreamKind::stats) == 0) {
        return;
    }
    json f = frame();
    for (std::size_t i = 0; i < m_subs.size();) {
        Subscription& s = m_subs[i];
        if (s.kind == StreamKind::stats && s.sink->send(s.client, s.sink->encode(s.request_id, k_event_stats, f)) ==
                                               StreamSend::gone) {
            remove_at(i);
            continue;
        }
        ++i;
    }
}

}  // namespace pm::ipc
