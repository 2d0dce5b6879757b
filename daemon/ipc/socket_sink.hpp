// SocketSink: the control socket's StreamSink. Events are NDJSON lines
// ({"id":..,"event":..,"data":..}) queued on the client's Connection, looked
// up by id in the Server: a client that left is `gone`.
#pragma once

#include "daemon/ipc/stream_sink.hpp"

namespace pm::ipc {

class Server;

class SocketSink final : public StreamSink {
public:
    explicit SocketSink(Server& server) : m_server(server) {}

    std::string encode(const json& request_id, std::string_view event, json data) const override;
    StreamSend send(std::uint64_t client, std::string_view bytes) override;

private:
    Server& m_server;
};

}  // namespace pm::ipc
