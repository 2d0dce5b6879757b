// Wire format of the pm protocol: NDJSON requests, replies and events, plus
// the typed argument helpers that read client JSON without throwing.
// Shared by pmd and pm; no I/O here.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pm {

using json = nlohmann::json;

inline constexpr int k_protocol_version = 1;
inline constexpr std::size_t k_max_line_bytes = 1024 * 1024;
inline constexpr int k_max_json_depth = 64;

// Names of the events a stream carries ({"id", "event", "data"}): log lines
// and gap records of a `logs` follow, frames of a `monitor`.
inline constexpr std::string_view k_event_log = "log";
inline constexpr std::string_view k_event_gap = "gap";
inline constexpr std::string_view k_event_stats = "stats";

// pmd's exit code when another pmd already holds the home's lock. pm's
// autostart loses that race harmlessly and connects to the winner.
inline constexpr int k_pmd_exit_already_running = 3;

struct Request {
    json id;  // number or string, echoed back verbatim
    std::string cmd;
    json args = json::object();
};

// Pure. Largest nesting depth of arrays/objects in `text`, scanning past strings;
// stops counting once `limit` is exceeded so hostile input stays O(n).
int json_depth(std::string_view text, int limit);

// Pure. Parses one request line: invalid JSON, excessive depth, missing or
// mistyped id/cmd/args all become errors (never exceptions). When the id
// could be read it is stored in `id_out` so the error reply can carry it.
Result<Request> parse_request(std::string_view line, json& id_out);

json make_request(const json& id, std::string_view cmd, json args);
json make_ok(const json& id, json result);
json make_error(const json& id, const Error& err);
json make_event(const json& id, std::string_view event, json data);

// Serialises one message as a line; invalid UTF-8 is replaced, never thrown.
std::string to_line(const json& msg);

// Typed argument access on a client-supplied object. Missing optional keys
// yield the fallback; present keys of the wrong type are bad_args errors.
Result<std::string> arg_string(const json& args, std::string_view key, std::string fallback = {});
Result<std::string> arg_required_string(const json& args, std::string_view key);
Result<std::int64_t> arg_int(const json& args, std::string_view key, std::int64_t fallback,
                             std::int64_t min, std::int64_t max);
Result<bool> arg_bool(const json& args, std::string_view key, bool fallback);
Result<std::vector<std::string>> arg_string_list(const json& args, std::string_view key,
                                                 std::size_t max_items);
Result<std::map<std::string, std::string>> arg_string_map(const json& args, std::string_view key,
                                                          std::size_t max_items);

}  // namespace pm
