// RLIMIT_NOFILE handling.
#include "daemon/supervisor/nofile.hpp"

namespace pm::sup {
namespace {

rlimit g_original{};
bool g_recorded = false;

}  // namespace

rlim_t raise_nofile_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return 0;
    }
    g_original = lim;
    g_recorded = true;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
            return g_original.rlim_cur;
        }
    }
    return lim.rlim_cur;
}

const rlimit& original_nofile_limit() {
    if (!g_recorded) {
        getrlimit(RLIMIT_NOFILE, &g_original);
        g_recorded = true;
    }
    return g_original;
}

}  // namespace pm::sup
