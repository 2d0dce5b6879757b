// SseHub: pmd's Server-Sent Event streams (GET api/v1/events and
// api/v1/logs/SELECTOR/stream). It owns each stream's state (log positions,
// what it is owed) and the SSE StreamSink through which log lines reach it
// from ipc::Subscriptions; the HTTP server owns the connections (SseTransport).
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "common/selector.hpp"
#include "daemon/http/http_stats.hpp"
#include "daemon/http/sse_transport.hpp"
#include "daemon/http/sse_wire.hpp"
#include "daemon/ipc/context.hpp"
#include "daemon/ipc/stream_sink.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::logs {
class LogChannel;
struct ChannelIdentity;
}

namespace pm::http {

struct SseLimits {
    std::size_t max_clients = 1024;        // streams open at once; past it: 503
    std::size_t queue_bytes = 256 * 1024;  // per client, enforced by the transport
    std::uint64_t stall_close_ms = 30000;  // full this long: closed
    std::uint64_t ping_ms = 15000;         // heartbeat comment period
};

// Selectors one `logs=` query may name.
inline constexpr std::size_t k_sse_max_selectors = 16;

class SseHub {
public:
    // `svc` and `stats` outlive the hub. Called once by the composition root.
    SseHub(uv_loop_t* loop, ipc::Services& svc, HttpStats& stats, SseLimits limits);
    ~SseHub();
    SseHub(const SseHub&) = delete;
    SseHub& operator=(const SseHub&) = delete;

    // The server, after it authorised the request. limit_reached: 503;
    // not_found: 404 (a logs stream whose selector names nothing); bad_args:
    // 400 (bad query or Last-Event-ID). On success the hub has called
    // t.start() and written the first events; `t` stays valid until closed().
    Result<void> open(SseTransport& t, const SseRequest& r);
    // The server: the connection is gone; the hub never touches it again.
    void closed(std::uint64_t transport_id);
    // The composition root: ProcessTable's change hook fired. The `state`
    // events go out once per loop iteration however many changes came.
    void on_table_change();
    // The composition root: the sampler ticked (one `stats` frame).
    void on_stats_tick();
    // Shutdown: closes every stream (their transports' close()).
    void close_all();
    std::size_t client_count() const { return m_live; }

private:
    class Sink;
    struct Client {
        SseTransport* t = nullptr;  // not owned; never used once dead
        std::uint64_t id = 0;
        SseRequest::Kind kind = SseRequest::Kind::events;
        bool stats = false;
        std::vector<Selector> selectors;
        // The last line sent, per instance followed (absent: none yet, a
        // process that appeared later, from its first line).
        std::unordered_map<std::uint64_t, std::uint64_t> pos;
        std::vector<LogPosition> recent;  // the id's entries: most recently advanced first
        bool dead = false;
        bool behind = false;      // lines to fetch from the rings once it drains
        // Subscriptions was told `full`: it skips this client's lines until
        // its gap record goes through, so the timer fetches them meanwhile.
        bool lagging = false;
        bool hello_owed = false;  // a `state` was refused: a fresh hello once it drains
        bool stats_owed = false;  // a frame was refused: the newest once it drains
        std::optional<std::uint64_t> full_since;  // loop ms of the first refused write in a row
    };
    enum class Why { left, slow, shutdown };

    Result<Client> make_client(SseTransport& t, const SseRequest& r);
    Client* find(std::uint64_t id);
    bool follows(const Client& c, const logs::ChannelIdentity& who) const;
    // One write; false if not queued (full: counted; gone: the client retires).
    bool write(Client& c, std::string_view bytes, bool event = true);
    bool write_event(Client& c, std::string head);
    void set_pos(Client& c, std::uint64_t inst, std::uint64_t seq);
    // What the SSE sink was asked to send: a fanned-out line or a
    // subscriber's gap record (encoded by the sink, see sse_hub.cpp).
    ipc::StreamSend on_sink_send(std::uint64_t client, std::string_view bytes);
    ipc::StreamSend deliver_line(Client& c, std::uint64_t inst, std::uint64_t seq, std::string_view head);
    ipc::StreamSend owed_status(const Client& c) const;
    // Sends what a client is owed (ring lines, gap records, hello, newest
    // stats) until its queue fills; catch_up does one channel.
    void pump(Client& c);
    bool catch_up(Client& c, const logs::LogChannel& ch);
    void retire(Client& c, Why why);
    void forget_instance(std::uint64_t inst);  // deleted: out of every position map
    void prune(Client& c);                     // positions of instances gone
    void reap();
    void schedule();
    void flush_state();
    void on_flush();
    void on_timer();
    static void flush_cb(uv_timer_t* t) noexcept;
    static void timer_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    ipc::Services& m_svc;
    HttpStats& m_stats;
    SseLimits m_limits;
    std::unique_ptr<Sink> m_sink;
    std::map<std::uint64_t, Client> m_clients;  // by transport id; dead ones until reaped
    std::size_t m_live = 0;
    std::size_t m_events_clients = 0;  // live events streams (hello/state)
    std::size_t m_stats_clients = 0;   // live streams that want stats
    // The list entries the last `state` events published (events streams
    // exist): the diff's base. Volatile fields (uptime, cpu, memory) left out.
    std::map<std::uint64_t, json> m_published;
    bool m_state_dirty = false;
    std::string m_stats_head;  // the newest stats frame, framed without its id
    std::uint64_t m_epoch = 0;  // pmd's start (unix ms): the resume ids' epoch
    std::uint64_t m_next_ping = 0;
    uv::Handle<uv_timer_t> m_flush;  // 0 ms: state events and reaping, once per iteration
    uv::Handle<uv_timer_t> m_timer;  // pings, stalls, drained clients
};

}  // namespace pm::http
