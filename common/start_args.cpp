// parse_start_args and the serialisers: one switch over the option kinds,
// driven by the start-option table; the checks that give a few options
// their meaning (argv, environment names, ready_fd) follow the table pass.
#include "common/start_args.hpp"

#include <fmt/format.h>

#include "common/signals.hpp"

namespace pm {
namespace {

const json* given(const json& args, std::string_view key) {
    auto it = args.find(key);
    return it == args.end() || it->is_null() ? nullptr : &*it;
}

// A duration given either as a number (ms) or a string with units.
Result<std::int64_t> read_duration(const json& args, const StartOption& o, std::int64_t fallback) {
    const json* v = given(args, o.key);
    if (v == nullptr) {
        return fallback;
    }
    if (v->is_number_integer()) {
        return arg_int(args, o.key, fallback, o.min, o.max);
    }
    if (!v->is_string()) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be a duration like 500ms or 10s", o.key)};
    }
    auto ms = parse_duration_ms(v->get<std::string>());
    if (!ms) {
        return Error{ErrorCode::bad_args, fmt::format("'{}': {}", o.key, ms.error().message)};
    }
    if (*ms > o.max) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be at most 7 days", o.key)};
    }
    return *ms;
}

// A size given either as a number (bytes) or a string with units.
Result<std::int64_t> read_size(const json& args, const StartOption& o, std::int64_t fallback) {
    const json* v = given(args, o.key);
    if (v == nullptr) {
        return fallback;
    }
    std::int64_t n = fallback;
    if (v->is_number_integer()) {
        PM_TRY_ASSIGN(n, arg_int(args, o.key, fallback, o.min, o.max));
    } else if (v->is_string()) {
        auto bytes = parse_size_bytes(v->get<std::string>());
        if (!bytes) {
            return Error{ErrorCode::bad_args, fmt::format("'{}': {}", o.key, bytes.error().message)};
        }
        n = *bytes;
    } else {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be a size like 64K or 10M", o.key)};
    }
    if (n < o.min || n > o.max) {
        return Error{ErrorCode::bad_args, fmt::format("'{}' must be between {} and {} bytes", o.key, o.min, o.max)};
    }
    return n;
}

// "watch": true (the cwd, "."), a path, or a list of paths.
Result<std::vector<std::string>> read_watch(const json& args, const StartOption& o) {
    const json* v = given(args, o.key);
    std::vector<std::string> paths;
    if (v == nullptr || (v->is_boolean() && !v->get<bool>())) {
        return paths;
    }
    if (v->is_boolean()) {
        paths.emplace_back(".");
    } else if (v->is_string()) {
        paths.push_back(v->get<std::string>());
    } else {
        auto list = arg_string_list(args, o.key, static_cast<std::size_t>(o.max));
        if (!list) {
            return fail(ErrorCode::bad_args, "'watch' must be true, a path or a list of paths");
        }
        paths = std::move(*list);
    }
    for (const auto& p : paths) {
        if (p.empty() || p.find('\0') != std::string::npos) {
            return fail(ErrorCode::bad_args, "'watch' paths must be non-empty");
        }
    }
    return paths;
}

// The kinds read from a string: signal, restart mode, cron schedule, date format.
Result<void> read_parsed(const json& args, const StartOption& o, StartArgs& a) {
    if (given(args, o.key) == nullptr) {
        return {};
    }
    PM_TRY_ASSIGN(std::string text, arg_string(args, o.key));
    if (o.kind == OptionKind::signal) {
        PM_TRY_ASSIGN(a.*o.field.number, parse_signal(text));
    } else if (o.kind == OptionKind::restart_mode) {
        auto m = restart_mode_from_string(text);
        if (!m) {
            return fail(ErrorCode::bad_args, fmt::format("'{}' must be {}", o.key, restart_mode_list()));
        }
        a.restart = *m;
    } else if (text.empty()) {
        return {};  // no schedule, no date prefix
    } else if (o.kind == OptionKind::cron) {
        PM_TRY_ASSIGN(a.cron_restart, parse_cron_rule(text));
    } else {
        PM_TRY_ASSIGN(a.log_date_format, DateFormat::parse(text));
    }
    return {};
}

Result<void> read_option(const json& args, const StartOption& o, StartArgs& a) {
    const auto& f = o.field;
    auto max_items = static_cast<std::size_t>(o.max);
    switch (o.kind) {
        case OptionKind::string:
        case OptionKind::path: {
            PM_TRY_ASSIGN(a.*f.text, arg_string(args, o.key, a.*f.text));
            return {};
        }
        case OptionKind::boolean: {
            PM_TRY_ASSIGN(a.*f.flag, arg_bool(args, o.key, a.*f.flag));
            return {};
        }
        case OptionKind::integer: {
            PM_TRY_ASSIGN(a.*f.number, arg_int(args, o.key, a.*f.number, o.zero_off ? 0 : o.min, o.max));
            return {};
        }
        case OptionKind::duration: {
            PM_TRY_ASSIGN(a.*f.number, read_duration(args, o, a.*f.number));
            return {};
        }
        case OptionKind::size: {
            PM_TRY_ASSIGN(a.*f.number, read_size(args, o, a.*f.number));
            return {};
        }
        case OptionKind::string_list:
        case OptionKind::command: {
            PM_TRY_ASSIGN(a.*f.list, arg_string_list(args, o.key, max_items));
            return {};
        }
        case OptionKind::string_map: {
            PM_TRY_ASSIGN(a.*f.map, arg_string_map(args, o.key, max_items));
            return {};
        }
        case OptionKind::watch: {
            PM_TRY_ASSIGN(a.*f.list, read_watch(args, o));
            return {};
        }
        case OptionKind::signal:
        case OptionKind::restart_mode:
        case OptionKind::cron:
        case OptionKind::date_format: return read_parsed(args, o, a);
    }
    return {};
}

// What the table cannot say: a command to run, variable names, fds past stdio.
Result<void> check_meaning(StartArgs& a) {
    if (a.argv.empty() || a.argv[0].empty()) {
        return fail(ErrorCode::bad_args, "'argv' must name a command");
    }
    for (const auto& word : a.argv) {
        if (word.find('\0') != std::string::npos) {
            return fail(ErrorCode::bad_args, "'argv' must not contain NUL bytes");
        }
    }
    if (a.shell) {
        std::string joined;
        for (const auto& word : a.argv) {
            joined += (joined.empty() ? "" : " ") + word;
        }
        a.argv = {"/bin/sh", "-c", joined};
    }
    StringMap merged = a.env_base;
    for (const auto& [k, v] : a.env) {
        merged[k] = v;
    }
    for (const auto& [k, v] : merged) {
        if (k.empty() || k.find_first_of(std::string_view("=\0", 2)) != std::string::npos ||
            v.find('\0') != std::string::npos) {
            return fail(ErrorCode::bad_args, fmt::format("invalid environment variable '{}'", k));
        }
    }
    if (a.increment_var.find_first_of(std::string_view("=\0", 2)) != std::string::npos) {
        return fail(ErrorCode::bad_args, "'increment_var' must be a variable name");
    }
    if (a.ready_fd > 0 && a.ready_fd < 3) {
        return fail(ErrorCode::bad_args, "'ready_fd' must be 3 or more (0, 1 and 2 are stdio)");
    }
    PM_TRY(parse_listen_urls(a.listen, a.ready_fd));
    return {};
}

bool needs_met(const StartOption& o, const StartArgs& a) {
    const StartOption* needed = find_start_option(o.needs);
    return needed == nullptr || is_set(*needed, a);
}

}  // namespace

Result<StartArgs> parse_start_args(const json& args) {
    StartArgs a;
    for (const auto& o : k_start_options) {
        if (!o.key.empty() && needs_met(o, a)) {
            PM_TRY(read_option(args, o, a));
        }
    }
    PM_TRY(check_meaning(a));
    return a;
}

bool is_set(const StartOption& o, const StartArgs& a) {
    const auto& f = o.field;
    switch (o.kind) {
        case OptionKind::string:
        case OptionKind::path: return !(a.*f.text).empty();
        case OptionKind::boolean: return f.flag != nullptr && a.*f.flag;
        case OptionKind::integer:
        case OptionKind::duration:
        case OptionKind::size: return a.*f.number != 0;
        case OptionKind::string_list:
        case OptionKind::watch:
        case OptionKind::command: return !(a.*f.list).empty();
        case OptionKind::string_map: return !(a.*f.map).empty();
        case OptionKind::cron: return a.cron_restart.has_value();
        case OptionKind::date_format: return a.log_date_format.has_value();
        case OptionKind::signal:
        case OptionKind::restart_mode: return true;
    }
    return false;
}

json option_value(const StartOption& o, const StartArgs& a) {
    const auto& f = o.field;
    switch (o.kind) {
        case OptionKind::string:
        case OptionKind::path: return a.*f.text;
        case OptionKind::boolean: return f.flag != nullptr && a.*f.flag;
        case OptionKind::integer:
        case OptionKind::duration:
        case OptionKind::size: return a.*f.number;
        case OptionKind::signal: return signal_name(static_cast<int>(a.*f.number));
        case OptionKind::string_list:
        case OptionKind::watch:
        case OptionKind::command: return a.*f.list;
        case OptionKind::string_map: return a.*f.map;
        case OptionKind::restart_mode: return to_string(a.restart);
        case OptionKind::cron: return a.cron_restart ? a.cron_restart->text : std::string();
        case OptionKind::date_format: return a.log_date_format ? a.log_date_format->text() : std::string();
    }
    return nullptr;
}

json show_start_args(const StartArgs& a) {
    json j = json::object();
    for (const auto& o : k_start_options) {
        if (o.key.empty() || o.shown == Shown::hidden) {
            continue;
        }
        std::string key(o.show.empty() ? o.key : o.show);
        j[key] = o.shown == Shown::null_if_unset && !is_set(o, a) ? json(nullptr) : option_value(o, a);
    }
    return j;
}

json save_start_args(const StartArgs& a) {
    json j = json::object();
    for (const auto& o : k_start_options) {
        if (o.key.empty() || o.saved == Saved::never || !needs_met(o, a) ||
            (o.saved == Saved::if_set && !is_set(o, a))) {
            continue;
        }
        j[std::string(o.key)] = option_value(o, a);
    }
    return j;
}

}  // namespace pm
