// Unit tests for the log event payload: a line's time, and a line read back
// from a file whose time is unknown (null, never the epoch).
#include "daemon/ipc/stream_events.hpp"

#include <doctest/doctest.h>

using namespace pm;

TEST_SUITE("ipc") {

TEST_CASE("a log event carries its line's time, or null when that time is unknown") {
    logs::ChannelIdentity who{7, "web", 1};
    json timed = ipc::log_event_data(who, LogRecord{3, 1795365219045, LogStream::err, false, "up"}, false);
    CHECK(timed == json{{"id", 7},
                        {"name", "web"},
                        {"index", 1},
                        {"stream", "err"},
                        {"seq", 3},
                        {"ts", 1795365219045},
                        {"line", "up"}});
    json unknown =
        ipc::log_event_data(who, LogRecord{0, ipc::k_ts_unknown, LogStream::out, false, "from a file"}, false);
    REQUIRE(unknown.contains("ts"));
    CHECK(unknown["ts"].is_null());
    CHECK(unknown["line"] == "from a file");
}

}  // TEST_SUITE("ipc")
