// Integration test harness: a private PM_HOME with its own pmd, the pm CLI run
// through posix_spawn, a raw control-socket client, /proc probes, and
// wait_until() instead of sleeps (STYLE.md section 7). One header per concern;
// tests include this one.
#pragma once

#include "harness_files.hpp"
#include "harness_home.hpp"
#include "harness_proc.hpp"
#include "harness_process.hpp"
#include "harness_socket.hpp"
#include "harness_wait.hpp"
