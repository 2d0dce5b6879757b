// Result<T>: a value or a pm::Error, shaped like std::expected.
// Hand-written because C++20 has no std::expected and tl-expected is not in
// Debian; the API mirrors std::expected so a C++23 switch can alias it.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/error.hpp"

namespace pm {

struct Unexpected {
    Error error;
};

inline Unexpected fail(ErrorCode code, std::string message) {
    return Unexpected{Error{code, std::move(message)}};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Unexpected u) : m_v(std::in_place_index<1>, std::move(u.error)) {}
    Result(Error e) : m_v(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const { return m_v.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(m_v); }
    const T& value() const& { assert(has_value()); return std::get<0>(m_v); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { assert(!has_value()); return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Unexpected u) : m_err(std::move(u.error)), m_ok(false) {}
    Result(Error e) : m_err(std::move(e)), m_ok(false) {}
    bool has_value() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const { assert(!m_ok); return m_err; }

private:
    Error m_err{};
    bool m_ok = true;
};

}  // namespace pm

// ccache-style early return: evaluates `expr` (a Result) and returns its
// error from the enclosing function, which must return a Result or Error.
#define PM_TRY(expr)                         \
    do {                                     \
        auto pm_try_result_ = (expr);        \
        if (!pm_try_result_) {               \
            return pm_try_result_.error();   \
        }                                    \
    } while (false)

#define PM_TRY_CONCAT_(a, b) a##b
#define PM_TRY_NAME_(line) PM_TRY_CONCAT_(pm_try_value_, line)
// The same, assigning the value to `lhs` on success: PM_TRY_ASSIGN(a.port, arg_int(...));
#define PM_TRY_ASSIGN(lhs, expr) PM_TRY_ASSIGN_IMPL_(lhs, expr, PM_TRY_NAME_(__LINE__))
#define PM_TRY_ASSIGN_IMPL_(lhs, expr, tmp) \
    auto tmp = (expr);                      \
    if (!tmp) {                             \
        return tmp.error();                 \
    }                                       \
    lhs = std::move(*tmp)
