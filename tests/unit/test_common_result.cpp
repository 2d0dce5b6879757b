// Unit tests for Result<T>: value-or-Error access without exceptions.
#include "common/result.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

namespace {

pm::Result<int> half(int n) {
    if (n % 2 != 0) {
        return pm::fail(pm::ErrorCode::bad_args, "odd");
    }
    return n / 2;
}

pm::Result<void> check_positive(int n) {
    if (n <= 0) {
        return pm::Error{pm::ErrorCode::usage, "not positive"};
    }
    return {};
}

}  // namespace

TEST_SUITE("common") {

TEST_CASE("result carries either a value or an error") {
    auto ok = half(8);
    REQUIRE(ok.has_value());
    CHECK(static_cast<bool>(ok));
    CHECK(*ok == 4);
    CHECK(ok.value() == 4);

    auto bad = half(7);
    REQUIRE_FALSE(bad.has_value());
    CHECK_FALSE(static_cast<bool>(bad));
    CHECK(bad.error().code == pm::ErrorCode::bad_args);
    CHECK(bad.error().message == "odd");
}

TEST_CASE("result of void reports success or the error") {
    auto ok = check_positive(1);
    CHECK(ok.has_value());
    auto bad = check_positive(0);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == pm::ErrorCode::usage);
    CHECK(bad.error().message == "not positive");
}

TEST_CASE("result moves a move-only value out") {
    pm::Result<std::unique_ptr<std::string>> r(std::make_unique<std::string>("payload"));
    REQUIRE(r.has_value());
    CHECK(*r->get() == "payload");
    std::unique_ptr<std::string> taken = std::move(r).value();
    REQUIRE(taken != nullptr);
    CHECK(*taken == "payload");
}

}  // TEST_SUITE("common")

namespace {

pm::Result<int> quarter(int n) {
    PM_TRY_ASSIGN(int h, half(n));
    PM_TRY(check_positive(h));
    PM_TRY_ASSIGN(h, half(h));
    return h;
}

}  // namespace

TEST_SUITE("common") {

TEST_CASE("PM_TRY and PM_TRY_ASSIGN return the first error, else go on with the value") {
    CHECK(*quarter(8) == 2);
    auto odd = quarter(6);  // 6 / 2 = 3 is odd
    REQUIRE_FALSE(odd.has_value());
    CHECK(odd.error().message == "odd");
    auto negative = quarter(-4);
    REQUIRE_FALSE(negative.has_value());
    CHECK(negative.error().code == pm::ErrorCode::usage);
}

}  // TEST_SUITE
