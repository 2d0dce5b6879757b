// StringPool: each distinct string held once (process names, argv, cwd,
// environment entries); records hold InternedString handles. An entry is
// released when its last handle goes. Single-threaded (the loop thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pm {

class StringPool;

namespace detail {
struct PoolEntry {
    std::string text;
    std::uint32_t refs = 0;
    StringPool* pool = nullptr;
};
}  // namespace detail

class InternedString {
public:
    InternedString() = default;
    InternedString(const InternedString& o) : m_e(o.m_e) { retain(); }
    InternedString(InternedString&& o) noexcept : m_e(o.m_e) { o.m_e = nullptr; }
    InternedString& operator=(const InternedString& o) {
        if (this != &o) {
            release();
            m_e = o.m_e;
            retain();
        }
        return *this;
    }
    InternedString& operator=(InternedString&& o) noexcept {
        if (this != &o) {
            release();
            m_e = o.m_e;
            o.m_e = nullptr;
        }
        return *this;
    }
    ~InternedString() { release(); }

    std::string_view view() const { return m_e != nullptr ? std::string_view(m_e->text) : std::string_view(); }
    const std::string& str() const;
    const char* c_str() const { return str().c_str(); }
    bool empty() const { return view().empty(); }
    bool operator==(const InternedString& o) const { return m_e == o.m_e || view() == o.view(); }

private:
    friend class StringPool;
    explicit InternedString(detail::PoolEntry* e) : m_e(e) { retain(); }
    void retain() {
        if (m_e != nullptr) {
            ++m_e->refs;
        }
    }
    void release();

    detail::PoolEntry* m_e = nullptr;
};

struct StringPoolStats {
    std::size_t entries = 0;
    std::size_t bytes = 0;        // text bytes held once
    std::uint64_t lookups = 0;
    std::uint64_t hits = 0;
    std::size_t bytes_saved = 0;  // text bytes that duplicates would have cost
};

class StringPool {
public:
    StringPool() = default;
    StringPool(const StringPool&) = delete;
    StringPool& operator=(const StringPool&) = delete;
    ~StringPool();

    InternedString intern(std::string_view text);
    StringPoolStats stats() const;
    std::size_t size() const { return m_entries.size(); }

private:
    friend class InternedString;
    void drop(detail::PoolEntry* e);

    // Keys view the entries' own text, so each string is stored once.
    std::unordered_map<std::string_view, std::unique_ptr<detail::PoolEntry>> m_entries;
    std::size_t m_bytes = 0;
    std::uint64_t m_lookups = 0;
    std::uint64_t m_hits = 0;
};

}  // namespace pm
