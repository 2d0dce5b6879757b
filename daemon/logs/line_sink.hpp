// LineSink: where the hub hands every complete (or idle-flushed partial)
// line after the ring and the file have it. The hub knows nothing of who
// listens; the follower fan-out lives in ipc/ (ipc::Subscriptions).
#pragma once

#include "common/ring_buffer.hpp"
#include "daemon/logs/log_channel.hpp"

namespace pm::logs {

class LineSink {
public:
    // Called on the loop thread from the read (or idle flush) that produced
    // the line; `rec` is the ring's copy and lives until the next push.
    virtual void on_line(const ChannelIdentity& who, const LogRecord& rec) = 0;

protected:
    ~LineSink() = default;
};

}  // namespace pm::logs
