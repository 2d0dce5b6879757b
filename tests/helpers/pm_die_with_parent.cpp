// pm_die_with_parent PARENT_PID PROGRAM [ARG...]: execs PROGRAM so that the
// kernel SIGKILLs it when the process that started it dies. The integration
// harness and the shell suite start pmd through it: a crashed test run
// leaves no daemon behind.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: pm_die_with_parent PARENT_PID PROGRAM [ARG...]\n");
        return 2;
    }
    char* end = nullptr;
    long parent = std::strtol(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || parent <= 0) {
        std::fprintf(stderr, "pm_die_with_parent: '%s' is not a pid\n", argv[1]);
        return 2;
    }
    // The death signal is kept across exec (PROGRAM is not set-uid) and is
    // sent when the parent *thread* exits: the caller forks from the thread
    // that lives as long as the test.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        std::fprintf(stderr, "pm_die_with_parent: prctl: %s\n", std::strerror(errno));
        return 111;
    }
    // The parent may have died before prctl: then no signal ever comes.
    if (::getppid() != static_cast<pid_t>(parent)) {
        std::fprintf(stderr, "pm_die_with_parent: parent %ld is gone\n", parent);
        return 111;
    }
    ::execv(argv[2], argv + 2);
    std::fprintf(stderr, "pm_die_with_parent: unable to exec %s: %s\n", argv[2], std::strerror(errno));
    return 111;
}
