// SseHub: opening streams, the SSE sink, catch-up from the rings, `state`
// diffs, `stats` frames, pings and stalled clients.
#include "daemon/http/sse_hub.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "daemon/ipc/stream_events.hpp"
#include "daemon/ipc/subscriptions.hpp"
#include "daemon/ipc/views.hpp"
#include "daemon/logs/log_hub.hpp"
#include "daemon/supervisor/process_table.hpp"

namespace pm::http {
namespace {

constexpr std::string_view k_event_hello = "hello";
constexpr std::string_view k_event_state = "state";

// What of a list entry changes on every look: the `stats` frames carry
// these (with the id), the `state` events everything else.
constexpr std::array<const char*, 3> k_volatile_fields = {"uptime_ms", "cpu", "memory"};

// A list entry without its volatile fields: what a `state` event is sent for.
json stable_view(json entry) {
    for (const char* key : k_volatile_fields) {
        entry.erase(key);
    }
    return entry;
}

// A monitor frame with only the id and the volatile fields of each entry:
// with 1,000 processes about 40 KB a tick instead of 300 KB (a page has the
// rest from `hello` and `state`).
json stats_view(json frame) {
    for (json& entry : frame["processes"]) {
        json slim{{"id", entry["id"]}};
        for (const char* key : k_volatile_fields) {
            if (auto it = entry.find(key); it != entry.end()) {
                slim[key] = std::move(*it);
            }
        }
        entry = std::move(slim);
    }
    return frame;
}

std::string_view next_field(std::string_view& rest, char sep) {
    std::size_t at = rest.find(sep);
    std::string_view field = rest.substr(0, at);
    rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 1);
    return field;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

Result<std::vector<Selector>> parse_selector_list(std::string_view text) {
    std::vector<Selector> out;
    if (text.empty()) {
        return out;
    }
    for (bool more = true; more;) {
        std::size_t comma = text.find(',');
        std::string_view one = text.substr(0, comma);
        more = comma != std::string_view::npos;
        text = more ? text.substr(comma + 1) : std::string_view{};
        if (one.empty()) {
            return fail(ErrorCode::bad_args, "'logs' has an empty selector");
        }
        if (out.size() == k_sse_max_selectors) {
            return fail(ErrorCode::bad_args, fmt::format("'logs' names more than {} selectors", k_sse_max_selectors));
        }
        auto sel = parse_selector(one);
        if (!sel) {
            return fail(ErrorCode::bad_args, fmt::format("'logs': {}", sel.error().message));
        }
        out.push_back(std::move(*sel));
    }
    return out;
}

Result<bool> parse_flag(const std::map<std::string, std::string>& query, const std::string& key) {
    auto it = query.find(key);
    if (it == query.end() || it->second == "0" || it->second == "false") {
        return false;
    }
    if (it->second.empty() || it->second == "1" || it->second == "true") {
        return true;
    }
    return fail(ErrorCode::bad_args, fmt::format("'{}' must be 1 or 0", key));
}

}  // namespace

// The SSE StreamSink. Subscriptions encodes a line once for every SSE
// subscriber and sends those bytes to each; the `id:` differs per client,
// so encode() yields the event without it, behind a small header naming the
// line ("L INSTANCE SEQ\n"), and send() ends it with the client's id. A gap
// record encodes as "G\n": the hub then sends the client what the rings
// still hold of what it missed, and a precise gap per process for the rest.
class SseHub::Sink final : public ipc::StreamSink {
public:
    explicit Sink(SseHub& hub) : m_hub(hub) {}

    std::string encode(const json&, std::string_view event, json data) const override {
        if (event == k_event_gap) {
            return "G\n";
        }
        if (event != k_event_log) {
            return {};
        }
        std::string out = fmt::format("L {} {}\n", data["id"].get<std::uint64_t>(), data["seq"].get<std::uint64_t>());
        out += sse_event_head(event, sse_data(data));
        return out;
    }
    ipc::StreamSend send(std::uint64_t client, std::string_view bytes) override {
        return m_hub.on_sink_send(client, bytes);
    }

private:
    SseHub& m_hub;
};

SseHub::SseHub(uv_loop_t* loop, ipc::Services& svc, HttpStats& stats, SseLimits limits)
    : m_loop(loop), m_svc(svc), m_stats(stats), m_limits(limits), m_sink(std::make_unique<Sink>(*this)) {
    // Web streams get their own cap in the one registry, so they and
    // `pm logs -f` never starve each other (every client may name
    // k_sse_max_selectors selectors, one subscription each).
    m_svc.streams.set_sink_limit(*m_sink, m_limits.max_clients * k_sse_max_selectors);
    uv::init_timer(loop, m_flush, this);
    uv::init_timer(loop, m_timer, this);
    m_epoch = static_cast<std::uint64_t>(std::max<std::int64_t>(0, m_svc.info.started_unix_ms));
}

SseHub::~SseHub() { m_svc.streams.drop_sink(*m_sink); }

Result<SseHub::Client> SseHub::make_client(SseTransport& t, const SseRequest& r) {
    Client c;
    c.t = &t;
    c.id = t.id();
    c.kind = r.kind;
    if (r.kind == SseRequest::Kind::logs) {
        auto sel = parse_selector(r.selector);
        if (!sel) {
            return sel.error();
        }
        if (auto found = m_svc.table.select(*sel); !found) {
            return found.error();
        }
        c.selectors.push_back(std::move(*sel));
    } else {
        auto it = r.query.find("logs");
        auto sels = parse_selector_list(it != r.query.end() ? it->second : std::string_view{});
        auto stats = parse_flag(r.query, "stats");
        if (!sels || !stats) {
            return !sels ? sels.error() : stats.error();
        }
        c.selectors = std::move(*sels);
        c.stats = *stats;
    }
    ResumeId resume;
    if (!r.last_event_id.empty()) {
        auto parsed = parse_resume_id(r.last_event_id);
        if (!parsed) {
            return parsed.error();
        }
        resume = std::move(*parsed);
    }
    // Where each followed process stands: where the id says (its lines are
    // then owed from the ring), else at its newest line. Processes the id
    // lists come first in the id this client will get.
    bool other_pmd = !r.last_event_id.empty() && resume.epoch != m_epoch;
    std::vector<LogPosition> rest;
    for (auto* inst : m_svc.table.all()) {
        logs::LogChannel* ch = m_svc.hub.channel(inst->id());
        if (ch == nullptr || !follows(c, ch->who())) {
            continue;
        }
        LogPosition p{inst->id(), ch->ring().next_seq() - 1};
        auto listed = std::find_if(resume.positions.begin(), resume.positions.end(),
                                   [&](const LogPosition& l) { return l.id == p.id; });
        if (other_pmd) {
            p.seq = 0;  // an earlier pmd's id: every line in today's ring is new to it
            c.behind = true;
        } else if (listed != resume.positions.end()) {
            p.seq = listed->seq;
            c.behind = true;
            c.recent.push_back(p);
        }
        c.pos[p.id] = p.seq;
        if (listed == resume.positions.end() || other_pmd) {
            rest.push_back(p);
        }
    }
    for (const auto& p : rest) {
        if (c.recent.size() < k_resume_max_entries) {
            c.recent.push_back(p);
        }
    }
    return c;
}

Result<void> SseHub::open(SseTransport& t, const SseRequest& r) {
    if (m_live >= m_limits.max_clients) {
        ++m_stats.sse_refused_limit;
        return fail(ErrorCode::limit_reached, fmt::format("too many event streams (limit {})", m_limits.max_clients));
    }
    auto made = make_client(t, r);
    if (!made) {
        return made.error();
    }
    for (const auto& sel : made->selectors) {
        auto ok = m_svc.streams.subscribe(ipc::Subscription{m_sink.get(), t.id(), json(nullptr), ipc::StreamKind::log,
                                                            ipc::LogFilter{sel, true, true, false}});
        if (!ok) {
            m_svc.streams.drop_client(*m_sink, t.id());
            ++m_stats.sse_refused_limit;
            return ok.error();
        }
    }
    bool events = made->kind == SseRequest::Kind::events;
    if (events && m_events_clients == 0) {
        m_published.clear();
        for (auto* inst : m_svc.table.all()) {
            m_published[inst->id()] = stable_view(ipc::instance_json(m_svc, *inst));
        }
    }
    Client& c = m_clients.insert_or_assign(t.id(), std::move(*made)).first->second;
    ++m_live;
    m_events_clients += events ? 1 : 0;
    m_stats_clients += c.stats ? 1 : 0;
    m_stats.sse_clients = m_live;
    if (!uv_is_active(m_timer.handle())) {
        std::uint64_t period = std::max<std::uint64_t>(1, std::min({m_limits.ping_ms, m_limits.stall_close_ms,
                                                                    std::uint64_t{1000}}) / 2);
        m_next_ping = uv_now(m_loop) + m_limits.ping_ms;
        uv_timer_start(m_timer.get(), timer_cb, period, period);
    }
    t.start();
    if (!write(c, k_sse_retry, false)) {
        return {};  // gone already; or full, and then it stalls and is closed
    }
    if (events) {
        c.hello_owed = !write_event(c, sse_event_head(k_event_hello, sse_data(ipc::process_list_json(m_svc))));
    }
    pump(c);  // the lines the id says it has not had
    if (c.stats && !m_stats_head.empty() && !c.dead) {
        c.stats_owed = !write_event(c, m_stats_head);
    }
    return {};
}

void SseHub::closed(std::uint64_t transport_id) {
    if (Client* c = find(transport_id)) {
        retire(*c, Why::left);
    }
}

SseHub::Client* SseHub::find(std::uint64_t id) {
    auto it = m_clients.find(id);
    return it == m_clients.end() || it->second.dead ? nullptr : &it->second;
}

bool SseHub::follows(const Client& c, const logs::ChannelIdentity& who) const {
    return std::any_of(c.selectors.begin(), c.selectors.end(),
                       [&](const Selector& s) { return s.matches(who.name, who.index, who.id); });
}

bool SseHub::write(Client& c, std::string_view bytes, bool event) {
    if (c.dead) {
        return false;
    }
    switch (c.t->write(bytes)) {
        case ipc::StreamSend::sent:
            c.full_since.reset();
            m_stats.sse_events_sent += event ? 1 : 0;
            return true;
        case ipc::StreamSend::full:
            if (!c.full_since) {
                c.full_since = uv_now(m_loop);
            }
            m_stats.sse_events_dropped += event ? 1 : 0;
            return false;
        case ipc::StreamSend::gone:
            retire(c, Why::left);
            return false;
    }
    return false;
}

bool SseHub::write_event(Client& c, std::string head) {
    append_sse_id_end(head, m_epoch, c.recent);
    return write(c, head);
}

void SseHub::set_pos(Client& c, std::uint64_t inst, std::uint64_t seq) {
    c.pos[inst] = seq;
    if (!c.recent.empty() && c.recent.front().id == inst) {
        c.recent.front().seq = seq;  // the usual case: the same process again
        return;
    }
    auto it = std::find_if(c.recent.begin(), c.recent.end(), [&](const LogPosition& p) { return p.id == inst; });
    if (it != c.recent.end()) {
        c.recent.erase(it);
    } else if (c.recent.size() == k_resume_max_entries) {
        c.recent.pop_back();
    }
    c.recent.insert(c.recent.begin(), LogPosition{inst, seq});
}

ipc::StreamSend SseHub::on_sink_send(std::uint64_t client, std::string_view bytes) {
    Client* c = find(client);
    if (c == nullptr) {
        return ipc::StreamSend::gone;
    }
    if (bytes.starts_with("G\n")) {
        c->behind = true;  // lines were skipped: the rings have them
        pump(*c);
        c->lagging = c->behind;
        return owed_status(*c);
    }
    std::uint64_t inst = 0;
    std::uint64_t seq = 0;
    std::size_t nl = bytes.find('\n');
    std::string_view header = bytes.substr(0, nl);
    if (!header.starts_with("L ") || nl == std::string_view::npos) {
        return ipc::StreamSend::sent;  // nothing an SSE stream carries
    }
    header.remove_prefix(2);
    std::string_view seq_text = header.substr(std::min(header.size(), header.find(' ') + 1));
    if (!parse_u64(next_field(header, ' '), inst) || !parse_u64(seq_text, seq)) {
        return ipc::StreamSend::sent;
    }
    return deliver_line(*c, inst, seq, bytes.substr(nl + 1));
}

ipc::StreamSend SseHub::deliver_line(Client& c, std::uint64_t inst, std::uint64_t seq, std::string_view head) {
    auto it = c.pos.find(inst);
    std::uint64_t p = it == c.pos.end() ? 0 : it->second;
    if (seq == p) {
        return ipc::StreamSend::sent;  // sent already (from the ring, or through another selector)
    }
    if (c.behind || seq != p + 1) {
        // Lines owed, skipped or a restarted channel: the ring has them in order.
        c.behind = true;
        pump(c);
        c.lagging = c.behind;
        return owed_status(c);
    }
    std::string out(head);
    set_pos(c, inst, seq);
    append_sse_id_end(out, m_epoch, c.recent);
    if (!write(c, out)) {
        set_pos(c, inst, p);
        c.behind = !c.dead;  // the ring keeps it for when the client drains
        c.lagging = c.behind;
    }
    return owed_status(c);
}

ipc::StreamSend SseHub::owed_status(const Client& c) const {
    if (c.dead) {
        return ipc::StreamSend::gone;
    }
    return c.behind ? ipc::StreamSend::full : ipc::StreamSend::sent;
}

void SseHub::pump(Client& c) {
    if (c.behind) {
        for (auto* inst : m_svc.table.all()) {
            logs::LogChannel* ch = m_svc.hub.channel(inst->id());
            if (ch != nullptr && follows(c, ch->who()) && !catch_up(c, *ch)) {
                return;
            }
        }
        c.behind = false;
    }
    if (c.hello_owed) {
        if (!write_event(c, sse_event_head(k_event_hello, sse_data(ipc::process_list_json(m_svc))))) {
            return;
        }
        c.hello_owed = false;
    }
    if (c.stats_owed && !m_stats_head.empty()) {
        if (!write_event(c, m_stats_head)) {
            return;
        }
        c.stats_owed = false;
    }
}

bool SseHub::catch_up(Client& c, const logs::LogChannel& ch) {
    const auto& recs = ch.ring().records();
    std::uint64_t id = ch.who().id;
    auto it = c.pos.find(id);
    std::uint64_t p = it == c.pos.end() ? 0 : it->second;
    std::uint64_t last = ch.ring().next_seq() - 1;
    if (p > last) {
        p = 0;  // the channel restarted (its app was changed): its whole ring is new
    }
    std::uint64_t first = recs.empty() ? last + 1 : recs.front().seq;
    if (p + 1 < first) {
        // Lines the ring no longer holds (pushed out, or flushed).
        std::uint64_t missed = first - 1 - p;
        set_pos(c, id, first - 1);
        json gap{{"id", id}, {"name", ch.who().name}, {"missed", missed}};
        if (!write_event(c, sse_event_head(k_event_gap, sse_data(gap)))) {
            set_pos(c, id, p);
            return false;
        }
        m_stats.sse_log_lines_missed += missed;
        p = first - 1;
    }
    for (std::size_t k = p + 1 - first; k < recs.size(); ++k) {
        const LogRecord& rec = recs[k];
        set_pos(c, id, rec.seq);
        if (!write_event(c, sse_event_head(k_event_log, sse_data(ipc::log_event_data(ch.who(), rec, false))))) {
            set_pos(c, id, rec.seq - 1);
            return false;
        }
    }
    return true;
}

void SseHub::retire(Client& c, Why why) {
    if (c.dead) {
        return;
    }
    c.dead = true;
    --m_live;
    m_events_clients -= c.kind == SseRequest::Kind::events ? 1 : 0;
    m_stats_clients -= c.stats ? 1 : 0;
    m_stats.sse_clients = m_live;
    m_stats.sse_disconnects_closed += why == Why::left ? 1 : 0;
    m_stats.sse_disconnects_slow += why == Why::slow ? 1 : 0;
    schedule();  // its subscriptions end outside whatever loop found it gone
}

void SseHub::reap() {
    for (auto it = m_clients.begin(); it != m_clients.end();) {
        if (!it->second.dead) {
            ++it;
            continue;
        }
        m_svc.streams.drop_client(*m_sink, it->first);
        it = m_clients.erase(it);
    }
    if (m_live == 0) {
        uv_timer_stop(m_timer.get());
    }
    if (m_events_clients == 0) {
        m_published.clear();
    }
}

void SseHub::schedule() {
    if (m_flush.is_initialised() && !uv_is_active(m_flush.handle())) {
        uv_timer_start(m_flush.get(), flush_cb, 0, 0);
    }
}

void SseHub::on_table_change() {
    if (m_events_clients > 0) {
        m_state_dirty = true;
        schedule();
    }
}

void SseHub::forget_instance(std::uint64_t inst) {
    for (auto& [id, c] : m_clients) {
        c.pos.erase(inst);
        std::erase_if(c.recent, [&](const LogPosition& p) { return p.id == inst; });
    }
}

void SseHub::prune(Client& c) {
    std::erase_if(c.pos, [&](const auto& kv) { return m_svc.table.find_id(kv.first) == nullptr; });
    std::erase_if(c.recent, [&](const LogPosition& p) { return c.pos.count(p.id) == 0; });
}

void SseHub::flush_state() {
    m_state_dirty = false;
    if (m_events_clients == 0) {
        return;
    }
    std::vector<std::string> heads;
    for (auto* inst : m_svc.table.all()) {
        json entry = ipc::instance_json(m_svc, *inst);
        json key = stable_view(entry);
        auto it = m_published.find(inst->id());
        if (it != m_published.end() && it->second == key) {
            continue;
        }
        m_published[inst->id()] = std::move(key);
        heads.push_back(sse_event_head(k_event_state, sse_data(entry)));
    }
    for (auto it = m_published.begin(); it != m_published.end();) {
        if (m_svc.table.find_id(it->first) != nullptr) {
            ++it;
            continue;
        }
        heads.push_back(sse_event_head(k_event_state, sse_data(json{{"id", it->first}, {"removed", true}})));
        forget_instance(it->first);
        it = m_published.erase(it);
    }
    for (auto& [id, c] : m_clients) {
        if (c.dead || c.kind != SseRequest::Kind::events) {
            continue;
        }
        // A client that missed one `state` gets a fresh hello when it drains.
        for (std::size_t k = 0; k < heads.size() && !c.hello_owed; ++k) {
            c.hello_owed = !write_event(c, heads[k]);
        }
    }
}

void SseHub::on_stats_tick() {
    // The change hook does not fire for everything (a deleted instance):
    // the tick catches up with the table too.
    on_table_change();
    if (m_stats_clients == 0) {
        m_stats_head.clear();
        return;
    }
    // Built once per tick and shared; a client that cannot take it now
    // gets the newest frame when it drains, never a queue of frames.
    m_stats_head = sse_event_head(k_event_stats, sse_data(stats_view(ipc::monitor_frame(m_svc))));
    for (auto& [id, c] : m_clients) {
        if (c.dead || !c.stats) {
            continue;
        }
        if (c.full_since) {
            c.stats_owed = true;
            ++m_stats.sse_events_dropped;
            continue;
        }
        c.stats_owed = !write_event(c, m_stats_head);
    }
}

void SseHub::on_timer() {
    reap();
    std::uint64_t now = uv_now(m_loop);
    bool ping = now >= m_next_ping;
    if (ping) {
        m_next_ping = now + m_limits.ping_ms;
    }
    for (auto& [id, c] : m_clients) {
        if (c.full_since && c.t->queued_bytes() < m_limits.queue_bytes) {
            c.full_since.reset();  // drained
        }
        if (c.full_since && now - *c.full_since >= m_limits.stall_close_ms) {
            SseTransport* t = c.t;
            retire(c, Why::slow);  // before close(): the server may report it closed at once
            t->close();
            continue;
        }
        if (!c.full_since && (c.behind || c.lagging || c.hello_owed || c.stats_owed)) {
            c.behind = c.behind || c.lagging;
            pump(c);
            if (c.lagging && !c.behind && !c.dead) {
                m_svc.streams.caught_up(*m_sink, c.id);  // live lines flow again at once
                c.lagging = false;
            }
        }
        if (ping) {
            write(c, k_sse_ping, false);
        }
        if (c.pos.size() > m_svc.table.instance_count()) {
            prune(c);
        }
    }
}

void SseHub::close_all() {
    for (auto& [id, c] : m_clients) {
        if (!c.dead) {
            SseTransport* t = c.t;
            retire(c, Why::shutdown);
            t->close();
        }
    }
    reap();
    uv_timer_stop(m_timer.get());
    uv_timer_stop(m_flush.get());
    m_state_dirty = false;
}

void SseHub::on_flush() {
    reap();
    if (m_state_dirty) {
        flush_state();
    }
}

void SseHub::flush_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<SseHub*>(t->data)) {
        self->on_flush();
    }
}

void SseHub::timer_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<SseHub*>(t->data)) {
        self->on_timer();
    }
}

}  // namespace pm::http
