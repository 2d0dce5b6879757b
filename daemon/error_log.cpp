// Error ring: 128 entries, oldest overwritten; counts never reset.
#include "daemon/error_log.hpp"

#include <array>
#include <chrono>

#include "common/circular_buffer.hpp"
#include "daemon/log.hpp"

namespace pm {
namespace {

constexpr std::size_t k_capacity = 128;
constexpr std::size_t k_max_message = 512;

struct Entry {
    std::int64_t ts_ms = 0;
    ErrorKind kind = ErrorKind::internal;
    std::string message;
};

CircularBuffer<Entry> g_recent(k_capacity);
std::array<std::uint64_t, k_error_kinds> g_counts{};

}  // namespace

std::string_view to_string(ErrorKind k) {
    switch (k) {
        case ErrorKind::spawn_failed: return "spawn_failed";
        case ErrorKind::log_write: return "log_write";
        case ErrorKind::client_rejected: return "client_rejected";
        case ErrorKind::memory_limit: return "memory_limit";
        case ErrorKind::gave_up: return "gave_up";
        case ErrorKind::watch: return "watch";
        case ErrorKind::internal: return "internal";
    }
    return "internal";
}

void report_error(ErrorKind kind, std::string_view message) {
    using namespace std::chrono;
    auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    g_recent.push(Entry{now, kind, std::string(message.substr(0, k_max_message))});
    ++g_counts[static_cast<std::size_t>(kind)];
    PM_LOG(warn, "{}: {}", to_string(kind), message);
}

json errors_json() {
    json counts = json::object();
    for (int k = 0; k < k_error_kinds; ++k) {
        counts[std::string(to_string(static_cast<ErrorKind>(k)))] = g_counts[static_cast<std::size_t>(k)];
    }
    json recent = json::array();
    for (std::size_t i = 0; i < g_recent.size(); ++i) {
        const Entry& e = g_recent.at(i);
        recent.push_back(json{{"ts", e.ts_ms}, {"kind", to_string(e.kind)}, {"message", e.message}});
    }
    return json{{"counts", counts}, {"recent", recent}, {"capacity", k_capacity}};
}

std::size_t error_log_bytes() {
    std::size_t n = g_recent.bytes();
    for (std::size_t i = 0; i < g_recent.size(); ++i) {
        n += g_recent.at(i).message.capacity();
    }
    return n;
}

}  // namespace pm
