// Daemon-level commands: ping, version (the `hello` request), kill, save,
// resurrect. Only version and save carry arguments; ping, kill and resurrect
// need nothing beyond their rows in cli/command_table.cpp.
#include <fmt/format.h>

#include "cli/command_table.hpp"

namespace pm::cli {

Bound define_version(CLI::App&) {
    return Bound{[](const GlobalOptions&) -> Result<json> { return json{{"protocol", k_protocol_version}}; }, {}};
}

Bound define_save(CLI::App& sub) {
    auto force = std::make_shared<bool>(false);
    sub.add_flag("--force", *force, "save even an empty list over the previous one");
    return Bound{[force](const GlobalOptions&) -> Result<json> { return json{{"force", *force}}; }, {}};
}

Bound define_web(CLI::App& sub) {
    auto port = std::make_shared<int>(-1);
    auto addr = std::make_shared<std::string>();
    sub.add_option("--port", *port, "port to listen on when the web view is off (default 9615; 0: any free port)")
        ->check(CLI::Range(0, 65535));
    sub.add_option("--addr", *addr, "address to listen on when the web view is off (default 127.0.0.1)");
    return Bound{[port, addr](const GlobalOptions&) -> Result<json> {
                     json args = json::object();
                     if (*port >= 0 || !addr->empty()) {
                         std::string host = addr->empty() ? "127.0.0.1" : *addr;
                         if (host.find(':') != std::string::npos && host.front() != '[') {
                             host = "[" + host + "]";
                         }
                         args["listen"] = fmt::format("{}:{}", host, *port >= 0 ? *port : 9615);
                     }
                     return args;
                 },
                 {}};
}

}  // namespace pm::cli
