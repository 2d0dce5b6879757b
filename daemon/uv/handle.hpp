// pm::uv::Handle<T>: single owner of one heap-allocated libuv handle.
// Destruction closes it through uv_close; the loop frees the memory in the
// close callback, the moment libuv allows. `data` is cleared first, so every
// callback must check it for null.
#pragma once

#include <uv.h>

#include <utility>

namespace pm::uv {

template <typename T>
class Handle {
public:
    Handle() : m_h(new T{}) {}
    Handle(Handle&& o) noexcept
        : m_h(std::exchange(o.m_h, nullptr)), m_init(std::exchange(o.m_init, false)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            close();
            m_h = std::exchange(o.m_h, nullptr);
            m_init = std::exchange(o.m_init, false);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { close(); }

    T* get() const { return m_h; }
    uv_handle_t* handle() const { return reinterpret_cast<uv_handle_t*>(m_h); }
    // Called right after a successful uv_*_init.
    void initialised() { m_init = true; }
    bool is_initialised() const { return m_h != nullptr && m_init; }

    // Closes now (idempotent) and allocates a fresh, uninitialised handle
    // when `renew` is set, so owners can re-init (process handles per spawn).
    void close(bool renew = false) {
        if (m_h != nullptr) {
            if (!m_init) {
                delete m_h;
            } else if (!uv_is_closing(handle())) {
                m_h->data = nullptr;
                uv_close(handle(), on_close);
            }
        }
        m_h = renew ? new T{} : nullptr;
        m_init = false;
    }

private:
    static void on_close(uv_handle_t* h) noexcept { delete reinterpret_cast<T*>(h); }

    T* m_h;
    bool m_init = false;
};

// The three steps of every timer's set-up: init (it cannot fail on a live
// loop), mark it initialised for close(), and point `data` at its owner.
inline void init_timer(uv_loop_t* loop, Handle<uv_timer_t>& timer, void* data) {
    uv_timer_init(loop, timer.get());
    timer.initialised();
    timer.get()->data = data;
}

}  // namespace pm::uv
