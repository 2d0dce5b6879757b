// The payloads of stream events, whatever the client's wire: a log line, a
// gap record, a monitor stats frame. Each sink wraps them in its framing.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/protocol.hpp"
#include "common/ring_buffer.hpp"
#include "daemon/ipc/context.hpp"
#include "daemon/logs/log_channel.hpp"

namespace pm::ipc {

// A LogRecord's ts_ms when its time is unknown (a line read back from a file
// without a date prefix); sent as "ts": null, never as the epoch.
constexpr std::int64_t k_ts_unknown = 0;

// Pure. One log line: instance, stream, seq, time and the text (`line`, or
// the exact bytes as `data_b64`).
json log_event_data(const logs::ChannelIdentity& who, const LogRecord& r, bool b64);
// Pure. `missed` lines were not delivered.
json gap_event_data(std::uint64_t missed);
// One stats frame: every instance with its latest metrics, pmd's RSS and
// connection count. Called after a sampler tick when a monitor is subscribed.
json monitor_frame(const Services& svc);

}  // namespace pm::ipc
