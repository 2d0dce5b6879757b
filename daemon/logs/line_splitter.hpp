// LineSplitter: one stream's bytes in, complete lines out. A partial line
// waits for its end (or an idle flush, or EOF); a line longer than the limit
// is cut into pieces marked partial, never inside a UTF-8 sequence. Pure.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace pm::logs {

inline constexpr std::size_t k_max_line = 64 * 1024;

class LineSplitter {
public:
    // (text without newline, partial) for each line; `text` is valid only
    // during the call.
    using Emit = std::function<void(std::string_view text, bool partial)>;

    explicit LineSplitter(std::size_t max_line = k_max_line) : m_max(max_line) {}

    void feed(std::string_view bytes, const Emit& emit);
    // Emits a pending partial line (idle timeout or EOF). Returns whether
    // anything was pending.
    bool flush(const Emit& emit);
    std::size_t pending() const { return m_pending.size(); }

private:
    void emit_long(std::string_view text, bool ends_line, const Emit& emit);

    std::string m_pending;
    std::size_t m_max;
};

}  // namespace pm::logs
