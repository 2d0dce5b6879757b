// Shared request/print/exit-code plumbing for CLI commands.
#include "cli/command.hpp"

#include <cstdio>
#include <cstdlib>

#include "common/units.hpp"

namespace pm::cli {

GlobalOptions for_stop_wait(const GlobalOptions& g) {
    GlobalOptions o = g;
    if (!o.timeout_given) {
        o.timeout = k_stop_wait_timeout;
    }
    return o;
}

int print_error(const GlobalOptions& g, const Error& err) {
    if (g.json) {
        json j{{"ok", false}, {"error", {{"code", to_string(err.code)}, {"message", err.message}}}};
        std::printf("%s", to_line(j).c_str());
    } else {
        std::fprintf(stderr, "pm: %s\n", err.message.c_str());
    }
    return exit_code_for(err.code);
}

Result<std::int64_t> timeout_ms(const GlobalOptions& g) {
    PM_TRY_ASSIGN(auto ms, parse_flag_duration_ms("--timeout", g.timeout));
    if (ms <= 0) {
        return fail(ErrorCode::usage, "--timeout must be a positive duration like 10s");
    }
    return ms;
}

Result<Client> open_client(const GlobalOptions& g) {
    PM_TRY_ASSIGN(auto ms, timeout_ms(g));
    ClientOptions o;
    o.paths = resolve_paths();
    o.timeout = std::chrono::milliseconds(ms);
    const char* env = std::getenv("PM_NO_AUTOSTART");
    o.autostart = !g.no_autostart && !(env != nullptr && *env != '\0' && std::string(env) != "0");
    Client c(std::move(o));
    if (auto ok = c.connect(); !ok) {
        return ok.error();
    }
    return c;
}

int run_request(const GlobalOptions& g, std::string_view cmd, const json& args, const Render& render) {
    auto client = open_client(g);
    if (!client) {
        return print_error(g, client.error());
    }
    auto result = client->call(cmd, args);
    if (!result) {
        return print_error(g, result.error());
    }
    if (g.json) {
        std::printf("%s", to_line(*result).c_str());
    } else if (render) {
        render(*result);
    }
    return k_exit_ok;
}

}  // namespace pm::cli
