// What a command handler may touch: narrow services, the calling client,
// and a Responder for replies that complete later (stop waits for exits).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>

#include "common/protocol.hpp"
#include "common/result.hpp"
#include "common/string_pool.hpp"
#include "daemon/ipc/client.hpp"

namespace pm::sup {
class ProcessTable;
}
namespace pm::logs {
class LogHub;
}
namespace pm::metrics {
class Sampler;
class SelfStats;
}

namespace pm::http {
struct HttpStats;
}

namespace pm::ipc {

class Server;
class Connection;
struct DispatchStats;
class StreamSink;
class Subscriptions;

struct DaemonInfo {
    int pid = 0;
    std::int64_t started_unix_ms = 0;
    std::string home;
};

// Built whole by the composition root once every component exists.
struct Services {
    sup::ProcessTable& table;
    logs::LogHub& hub;
    StringPool& pool;
    metrics::Sampler& sampler;
    metrics::SelfStats& self;
    Server& server;
    Subscriptions& streams;   // every client's streams (follows, monitors)
    StreamSink& socket_sink;  // how the socket's clients receive stream events
    const DispatchStats& dispatch;
    const http::HttpStats& http_stats;  // the web view's counters (zero while it is off)
    DaemonInfo info;
    std::function<void()> request_shutdown;  // begins an orderly daemon exit
    bool shutting_down = false;              // set once it has begun: no more changes
    // Instances a rolling reload is going through (one reload at a time per
    // instance): the reload jobs' state, which nothing in the supervisor reads.
    std::set<std::uint64_t> reloading = {};
    // `web`: turns the web view on (args: optional "listen", "[ADDR:]PORT")
    // or reports it; {url, token, listen, started}.
    std::function<Result<json>(const json& args)> web = {};
    // The web view's state for performanceStats, or null while it is off.
    std::function<json()> web_status = {};
};

// Completes a deferred reply. Holds ids, not pointers: the client may be gone
// by then, in which case the reply is dropped.
class Responder {
public:
    Responder(ClientDirectory& clients, std::uint64_t conn_id, json request_id)
        : m_clients(&clients), m_conn_id(conn_id), m_request_id(std::move(request_id)) {}
    void reply(const Result<json>& result) const;
    std::uint64_t connection_id() const { return m_conn_id; }

private:
    ClientDirectory* m_clients;
    std::uint64_t m_conn_id;
    json m_request_id;
};

struct CommandContext {
    Services& svc;
    Client& conn;               // who asked
    ClientDirectory& clients;   // where `conn` can be found again by id
    StreamSink* sink;           // how `conn` receives stream events; null: it cannot (HTTP)
    json request_id;
    bool deferred = false;

    // The handler will reply later through the returned Responder; what it
    // returns now is discarded unless it is an error.
    Responder defer();
};

}  // namespace pm::ipc
