// pm startup: prints, installs or removes a systemd user unit that starts pmd
// (and resurrects the saved list) at boot. Never talks to pmd.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "cli/client.hpp"
#include "cli/command_table.hpp"
#include "common/paths.hpp"

namespace pm::cli {
namespace {

namespace fs = std::filesystem;

std::string unit_text(const std::string& pmd) {
    return fmt::format(
        "[Unit]\n"
        "Description=pm process manager (pmd)\n\n"
        "[Service]\n"
        "Type=simple\n"
        "Environment=PM_HOME={}\n"
        "ExecStart={} --foreground --resurrect\n"
        "ExecStop={} --no-autostart kill\n"
        "Restart=on-failure\n"
        "KillMode=mixed\n"
        "TimeoutStopSec=70\n\n"
        "[Install]\n"
        "WantedBy=default.target\n",
        resolve_paths().home, pmd, pmd.substr(0, pmd.rfind('/') + 1) + "pm");
}

int uninstall(const fs::path& dir) {
    std::string unit_path = (dir / "pm.service").string();
    std::error_code ec;
    // What `systemctl --user disable` removes, so that no dangling
    // link is left once the unit file is gone.
    std::string wants = (dir / "default.target.wants/pm.service").string();
    bool unlinked = fs::is_symlink(wants, ec) && fs::remove(wants, ec);
    if (!fs::remove(unit_path, ec)) {
        if (ec) {
            std::fprintf(stderr, "pm: unable to remove %s: %s\n", unit_path.c_str(), ec.message().c_str());
            return k_exit_failure;
        }
        std::printf("no %s to remove\n", unit_path.c_str());
        return k_exit_ok;
    }
    std::printf(
        "removed %s%s\nstop a running one with: systemctl --user daemon-reload && "
        "systemctl --user stop pm.service\n",
        unit_path.c_str(), unlinked ? " and its default.target.wants link" : "");
    return k_exit_ok;
}

int install(const fs::path& dir) {
    std::string unit_path = (dir / "pm.service").string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        std::fprintf(stderr, "pm: unable to create %s: %s\n", dir.c_str(), ec.message().c_str());
        return k_exit_failure;
    }
    std::ofstream out(unit_path);
    out << unit_text(find_pmd());
    if (!out.flush()) {
        std::fprintf(stderr, "pm: unable to write %s\n", unit_path.c_str());
        return k_exit_failure;
    }
    std::printf("wrote %s\nenable it with: systemctl --user enable --now pm.service\n", unit_path.c_str());
    return k_exit_ok;
}

int run_startup(bool do_install, bool do_uninstall) {
    if (!do_install && !do_uninstall) {
        std::printf("%s", unit_text(find_pmd()).c_str());
        return k_exit_ok;
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home != '/') {
        std::fprintf(stderr, "pm: HOME is not set to an absolute path; no place for a systemd user unit\n");
        return k_exit_failure;
    }
    fs::path dir = fs::path(home) / ".config/systemd/user";
    return do_uninstall ? uninstall(dir) : install(dir);
}

}  // namespace

Bound define_startup(CLI::App& sub) {
    auto install_flag = std::make_shared<bool>(false);
    auto uninstall_flag = std::make_shared<bool>(false);
    auto* opt = sub.add_flag("--install", *install_flag, "write ~/.config/systemd/user/pm.service");
    sub.add_flag("--uninstall", *uninstall_flag, "remove ~/.config/systemd/user/pm.service (PM2's unstartup)")
        ->excludes(opt);
    return Bound{{}, [install_flag, uninstall_flag](const GlobalOptions&, const CliCommand&, const json&) {
                     return run_startup(*install_flag, *uninstall_flag);
                 }};
}

}  // namespace pm::cli
