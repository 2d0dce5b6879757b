// Subscriptions: the one registry of every stream a client holds (log
// follows, monitor stats frames), whatever kind of client it is. Keyed by
// (sink, client id, request id). It filters, fans out, counts what a slow
// subscriber missed and reports it as one gap record; cancel and disconnect
// go through it. Encoding and queueing belong to each client kind's sink.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/result.hpp"
#include "common/selector.hpp"
#include "daemon/ipc/stream_sink.hpp"
#include "daemon/logs/line_sink.hpp"

namespace pm::ipc {

enum class StreamKind { log, stats };

// What a log follower wants: which instances, which streams, how encoded.
struct LogFilter {
    Selector selector;  // kind all, name, instance or id
    bool want_out = true;
    bool want_err = true;
    bool b64 = false;  // data_b64 (exact bytes) instead of line

    // Pure. Whether a line of `who` on stream `s` goes to this follower.
    bool admits(const logs::ChannelIdentity& who, LogStream s) const;
};

struct Subscription {
    StreamSink* sink = nullptr;  // the client's kind; outlives its subscriptions
    std::uint64_t client = 0;    // the client's id within its sink
    json request_id;
    StreamKind kind = StreamKind::log;
    LogFilter filter;  // log only
    std::uint64_t missed = 0;  // log lines not queued since the last gap record
};

struct SubscriptionLimits {
    std::size_t max_followers = 1024;  // log follows (--max-followers)
    std::size_t max_monitors = 256;    // stats streams (= --max-connections)
};

struct SubscriptionStats {
    std::uint64_t follower_lines_sent = 0;
    std::uint64_t follower_lines_missed = 0;
};

class Subscriptions final : public logs::LineSink {
public:
    using FrameFn = std::function<json()>;

    explicit Subscriptions(SubscriptionLimits limits) : m_limits(limits) {}

    // Gives one kind of client its own cap: that sink's streams (any kind)
    // count against `max` instead of the shared limits, so web streams and
    // `pm logs -f` cannot starve each other. Set before the sink's first
    // subscription; the sink outlives it or calls drop_sink() first.
    void set_sink_limit(const StreamSink& sink, std::size_t max);
    // Adds a stream; limit_reached past its kind's limit (or its sink's).
    // Called by the streaming handlers (logs with follow, monitor) and the
    // SSE hub on the loop thread.
    Result<void> subscribe(Subscription s);
    // Ends the client's streams with that request id (cancel); false: none.
    bool cancel(const StreamSink& sink, std::uint64_t client, const json& request_id);
    // Ends every stream of a client (disconnect), or of every client of a
    // sink (its listener is gone).
    void drop_client(const StreamSink& sink, std::uint64_t client);
    void drop_sink(const StreamSink& sink);
    // The sink gave a client what it missed by its own means (SSE streams
    // resend from the rings): its missed counts reset, no gap record owed,
    // its next line goes out at once.
    void caught_up(const StreamSink& sink, std::uint64_t client);

    // The log fan-out: one line to every matching follower (LineSink).
    void on_line(const logs::ChannelIdentity& who, const LogRecord& rec) override;
    // One stats frame to every monitor, built only when one is subscribed. A
    // full queue skips the frame: the next one replaces it, no gap is owed.
    void publish_stats(const FrameFn& frame);

    std::size_t count(StreamKind k) const { return m_count[index(k)]; }
    const SubscriptionStats& stats() const { return m_stats; }

private:
    struct SinkLimit {
        const StreamSink* sink;
        std::size_t max;
        std::size_t count = 0;
    };

    static std::size_t index(StreamKind k) { return k == StreamKind::log ? 0 : 1; }
    SinkLimit* own_limit(const StreamSink* sink);
    void forget(const Subscription& s);  // its counts, as it leaves
    // A stalled follower's gap record, retried now and then: sent (the
    // follower has drained), full (still stalled; this line is missed) or gone.
    StreamSend retry_gap(Subscription& s);
    StreamSend deliver(Subscription& s, const std::string& line);
    void remove_at(std::size_t i);
    template <class Pred>
    void erase_if(Pred pred);

    SubscriptionLimits m_limits;
    std::vector<Subscription> m_subs;
    std::size_t m_count[2] = {0, 0};   // every stream, by kind
    std::size_t m_shared[2] = {0, 0};  // those under the shared limits
    std::vector<SinkLimit> m_sink_limits;
    SubscriptionStats m_stats;
};

}  // namespace pm::ipc
