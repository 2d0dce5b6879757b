// NDJSON message helpers and non-throwing argument extraction.
#include "common/protocol.hpp"

#include <fmt/format.h>

namespace pm {

int json_depth(std::string_view text, int limit) {
    int depth = 0;
    int max_depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                max_depth = depth;
                if (max_depth > limit) {
                    return max_depth;
                }
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return max_depth;
}

Result<Request> parse_request(std::string_view line, json& id_out) {
    id_out = nullptr;
    if (json_depth(line, k_max_json_depth) > k_max_json_depth) {
        return fail(ErrorCode::too_deep,
                    fmt::format("request nests deeper than {} levels", k_max_json_depth));
    }
    json doc = json::parse(line, nullptr, false);
    if (doc.is_discarded()) {
        return fail(ErrorCode::invalid_json, "request is not valid JSON");
    }
    if (!doc.is_object()) {
        return fail(ErrorCode::invalid_json, "request must be a JSON object");
    }
    Request req;
    if (auto it = doc.find("id"); it != doc.end()) {
        if (!it->is_number_integer() && !it->is_string()) {
            return fail(ErrorCode::bad_args, "'id' must be an integer or a string");
        }
        req.id = *it;
        id_out = *it;
    }
    auto cmd = doc.find("cmd");
    if (cmd == doc.end() || !cmd->is_string()) {
        return fail(ErrorCode::bad_args, "request needs a string 'cmd'");
    }
    req.cmd = cmd->get<std::string>();
    if (auto it = doc.find("args"); it != doc.end() && !it->is_null()) {
        if (!it->is_object()) {
            return fail(ErrorCode::bad_args, "'args' must be an object");
        }
        req.args = std::move(*it);
    }
    return req;
}

json make_request(const json& id, std::string_view cmd, json args) {
    return json{{"id", id}, {"cmd", cmd}, {"args", std::move(args)}};
}

json make_ok(const json& id, json result) {
    return json{{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

json make_error(const json& id, const Error& err) {
    return json{{"id", id},
                {"ok", false},
                {"error", {{"code", to_string(err.code)}, {"message", err.message}}}};
}

json make_event(const json& id, std::string_view event, json data) {
    return json{{"id", id}, {"event", event}, {"data", std::move(data)}};
}

std::string to_line(const json& msg) {
    std::string out = msg.dump(-1, ' ', false, json::error_handler_t::replace);
    out.push_back('\n');
    return out;
}

namespace {

Error type_error(std::string_view key, std::string_view expected) {
    return Error{ErrorCode::bad_args, fmt::format("'{}' must be {}", key, expected)};
}

const json* find(const json& args, std::string_view key) {
    if (!args.is_object()) {
        return nullptr;
    }
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

}  // namespace

Result<std::string> arg_string(const json& args, std::string_view key, std::string fallback) {
    const json* v = find(args, key);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_string()) {
        return type_error(key, "a string");
    }
    return v->get<std::string>();
}

Result<std::string> arg_required_string(const json& args, std::string_view key) {
    if (find(args, key) == nullptr) {
        return Error{ErrorCode::bad_args, fmt::format("missing argument '{}'", key)};
    }
    return arg_string(args, key);
}

Result<std::int64_t> arg_int(const json& args, std::string_view key, std::int64_t fallback,
                             std::int64_t min, std::int64_t max) {
    const json* v = find(args, key);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_number_integer()) {
        return type_error(key, "an integer");
    }
    std::int64_t n = v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX
                         ? INT64_MAX
                         : v->get<std::int64_t>();
    if (n < min || n > max) {
        return Error{ErrorCode::bad_args,
                     fmt::format("'{}' must be between {} and {}", key, min, max)};
    }
    return n;
}

Result<bool> arg_bool(const json& args, std::string_view key, bool fallback) {
    const json* v = find(args, key);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_boolean()) {
        return type_error(key, "true or false");
    }
    return v->get<bool>();
}

Result<std::vector<std::string>> arg_string_list(const json& args, std::string_view key,
                                                 std::size_t max_items) {
    std::vector<std::string> out;
    const json* v = find(args, key);
    if (v == nullptr) {
        return out;
    }
    if (!v->is_array()) {
        return type_error(key, "an array of strings");
    }
    if (v->size() > max_items) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' has more than {} items", key, max_items)};
    }
    for (const auto& item : *v) {
        if (!item.is_string()) {
            return type_error(key, "an array of strings");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

Result<std::map<std::string, std::string>> arg_string_map(const json& args, std::string_view key,
                                                          std::size_t max_items) {
    std::map<std::string, std::string> out;
    const json* v = find(args, key);
    if (v == nullptr) {
        return out;
    }
    if (!v->is_object()) {
        return type_error(key, "an object of strings");
    }
    if (v->size() > max_items) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' has more than {} items", key, max_items)};
    }
    for (const auto& [k, val] : v->items()) {
        if (!val.is_string()) {
            return type_error(key, "an object of strings");
        }
        out.emplace(k, val.get<std::string>());
    }
    return out;
}

}  // namespace pm
