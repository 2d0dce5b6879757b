// wait_until() and the deadline arithmetic of the harness.
#include "harness_wait.hpp"

#include <doctest/doctest.h>

#include <thread>

namespace pm::test {

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

bool wait_until_impl(const std::function<bool(std::string&)>& pred, Ms timeout, std::string_view what) {
    auto deadline = Clock::now() + timeout;
    std::string observed;
    for (;;) {
        observed.clear();
        if (pred(observed)) {
            return true;
        }
        if (Clock::now() >= deadline) {
            FAIL_CHECK("timed out after " << timeout.count() << "ms waiting until: " << what << "\n  last observed: "
                                          << (observed.empty() ? "(nothing recorded)" : observed));
            return false;
        }
        std::this_thread::sleep_for(10ms);  // the poll interval, not a timing assumption
    }
}

}  // namespace pm::test
