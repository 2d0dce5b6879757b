// SocketSink: NDJSON events onto a Connection's bounded stream queue.
#include "daemon/ipc/socket_sink.hpp"

#include "daemon/ipc/server.hpp"

namespace pm::ipc {

std::string SocketSink::encode(const json& request_id, std::string_view event, json data) const {
    return to_line(make_event(request_id, event, std::move(data)));
}

StreamSend SocketSink::send(std::uint64_t client, std::string_view bytes) {
    Connection* c = m_server.find(client);
    return c != nullptr ? c->send_stream(bytes) : StreamSend::gone;
}

}  // namespace pm::ipc
