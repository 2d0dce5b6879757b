// CircularBuffer<T>: a fixed-capacity ring that overwrites its oldest item.
// Used for metrics history; the capacity is set once and never grows. Pure.
#pragma once

#include <cstddef>
#include <vector>

namespace pm {

template <typename T>
class CircularBuffer {
public:
    explicit CircularBuffer(std::size_t capacity) : m_items(capacity == 0 ? 1 : capacity) {}

    void push(const T& item) {
        m_items[m_head] = item;
        m_head = (m_head + 1) % m_items.size();
        if (m_size < m_items.size()) {
            ++m_size;
        }
    }
    std::size_t size() const { return m_size; }
    std::size_t capacity() const { return m_items.size(); }
    bool empty() const { return m_size == 0; }
    // i = 0 is the oldest item held.
    const T& at(std::size_t i) const {
        return m_items[(m_head + m_items.size() - m_size + i) % m_items.size()];
    }
    const T& newest() const { return at(m_size - 1); }
    void clear() { m_size = 0; }
    std::size_t bytes() const { return m_items.capacity() * sizeof(T); }

private:
    std::vector<T> m_items;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

}  // namespace pm
