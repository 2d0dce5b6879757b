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
