// StringPool implementation.
#include "common/string_pool.hpp"

namespace pm {

const std::string& InternedString::str() const {
    static const std::string k_empty;
    return m_e != nullptr ? m_e->text : k_empty;
}

void InternedString::release() {
    if (m_e != nullptr && --m_e->refs == 0) {
        detail::PoolEntry* e = m_e;
        m_e = nullptr;
        if (e->pool != nullptr) {
            e->pool->drop(e);
        } else {
            delete e;  // the pool is gone; the last handle frees its entry
        }
    }
    m_e = nullptr;
}

StringPool::~StringPool() {
    // Handles that outlive the pool keep their entries alive on their own.
    for (auto& [key, e] : m_entries) {
        e->pool = nullptr;
        if (e->refs > 0) {
            e.release();
        }
    }
}

InternedString StringPool::intern(std::string_view text) {
    ++m_lookups;
    if (auto it = m_entries.find(text); it != m_entries.end()) {
        ++m_hits;
        return InternedString(it->second.get());
    }
    auto e = std::make_unique<detail::PoolEntry>();
    e->text.assign(text);
    e->pool = this;
    detail::PoolEntry* raw = e.get();
    m_bytes += raw->text.size();
    m_entries.emplace(std::string_view(raw->text), std::move(e));
    return InternedString(raw);
}

void StringPool::drop(detail::PoolEntry* e) {
    m_bytes -= e->text.size();
    auto it = m_entries.find(std::string_view(e->text));
    if (it != m_entries.end()) {
        m_entries.erase(it);
    }
}

StringPoolStats StringPool::stats() const {
    StringPoolStats s;
    s.entries = m_entries.size();
    s.bytes = m_bytes;
    s.lookups = m_lookups;
    s.hits = m_hits;
    for (const auto& [key, e] : m_entries) {
        if (e->refs > 1) {
            s.bytes_saved += (e->refs - 1) * e->text.size();
        }
    }
    return s;
}

}  // namespace pm
