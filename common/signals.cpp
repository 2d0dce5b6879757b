// Signal name table.
#include "common/signals.hpp"

#include <cctype>
#include <charconv>
#include <csignal>
#include <fmt/format.h>

namespace pm {
namespace {

struct SigName {
    int sig;
    std::string_view name;
};

constexpr SigName k_signals[] = {
    {SIGHUP, "HUP"},   {SIGINT, "INT"},   {SIGQUIT, "QUIT"}, {SIGABRT, "ABRT"},
    {SIGKILL, "KILL"}, {SIGUSR1, "USR1"}, {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"},
    {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"}, {SIGTERM, "TERM"}, {SIGCONT, "CONT"},
    {SIGSTOP, "STOP"}, {SIGTSTP, "TSTP"}, {SIGWINCH, "WINCH"}, {SIGBUS, "BUS"},
    {SIGFPE, "FPE"},   {SIGILL, "ILL"},   {SIGTRAP, "TRAP"},  {SIGSYS, "SYS"},
    {SIGCHLD, "CHLD"}, {SIGTTIN, "TTIN"}, {SIGTTOU, "TTOU"}, {SIGURG, "URG"},
    {SIGXCPU, "XCPU"}, {SIGXFSZ, "XFSZ"}, {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"},
    {SIGIO, "IO"},     {SIGPWR, "PWR"},
};

bool same_upper(std::string_view a, std::string_view upper) {
    if (a.size() != upper.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(a[i])) != upper[i]) {
            return false;
        }
    }
    return true;
}


}  // namespace

Result<int> parse_signal(std::string_view text) {
    int n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && p == text.data() + text.size()) {
        if (n >= 1 && n < NSIG) {
            return n;
        }
        return fail(ErrorCode::bad_args, fmt::format("invalid signal number {}", n));
    }
    std::string_view s = text;
    if (s.size() > 3 && same_upper(s.substr(0, 3), "SIG")) {  // SIGUSR2, sigusr2, USR2, usr2
        s.remove_prefix(3);
    }
    for (const auto& e : k_signals) {
        if (same_upper(s, e.name)) {
            return e.sig;
        }
    }
    return fail(ErrorCode::bad_args, fmt::format("unknown signal '{}'", text));
}

std::string signal_name(int sig) {
    for (const auto& e : k_signals) {
        if (e.sig == sig) {
            return fmt::format("SIG{}", e.name);
        }
    }
    return fmt::format("SIG{}", sig);
}

}  // namespace pm
