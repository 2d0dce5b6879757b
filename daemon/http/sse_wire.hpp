// The SSE wire form of pm's event streams, pure: one event's bytes (event,
// data, id lines), the stream's fixed lines (retry, ping) and the resume id
// every event carries (which line of each process a client has seen).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.hpp"
#include "common/result.hpp"

namespace pm::http {

// First bytes of every stream: the browser's reconnect delay.
inline constexpr std::string_view k_sse_retry = "retry: 2000\n\n";
// The heartbeat comment (keeps proxies and idle timers from closing).
inline constexpr std::string_view k_sse_ping = ": ping\n\n";

// One process's place in a client's log stream: the seq of the last line of
// instance `id` the client has (its LogRing seq).
struct LogPosition {
    std::uint64_t id = 0;
    std::uint64_t seq = 0;
    bool operator==(const LogPosition&) const = default;
};

// A resume id lists at most this many processes; a Last-Event-ID longer
// than k_resume_max_bytes is refused before it is read.
inline constexpr std::size_t k_resume_max_entries = 32;
inline constexpr std::size_t k_resume_max_bytes = 1536;

// A resume id: pmd's start time (unix ms; seqs restart with pmd, so an id
// of an earlier pmd says nothing about today's rings) and the positions.
struct ResumeId {
    std::uint64_t epoch = 0;
    std::vector<LogPosition> positions;
};

// Pure. "EPOCH:" then ID.SEQ pairs joined by ',' ("1733300000000:3.120,7.55";
// "EPOCH:" lists none).
void append_resume_id(std::string& out, std::uint64_t epoch, const std::vector<LogPosition>& positions);
// Pure. bad_args when it is not an id pm writes, lists more than
// k_resume_max_entries, or is longer than k_resume_max_bytes (checked first).
Result<ResumeId> parse_resume_id(std::string_view text);

// Pure. JSON on one line (a data: line); invalid UTF-8 replaced.
std::string sse_data(const json& data);
// Pure. "event: E\ndata: D\n": an event without its id line and end; the
// hub appends "id: ...\n\n" per client.
std::string sse_event_head(std::string_view event, std::string_view data_line);
// Pure. Appends "id: ID\n\n" after a head, ending the event.
void append_sse_id_end(std::string& out, std::uint64_t epoch, const std::vector<LogPosition>& positions);

}  // namespace pm::http
