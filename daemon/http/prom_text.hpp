// PromText: a writer of the Prometheus text exposition format (0.0.4): HELP
// and TYPE once per family, then its samples, label values and HELP text
// escaped. Pure; knows nothing of pm.
//
// Written by hand rather than with prometheus-cpp's TextSerializer: Debian
// ships prometheus-cpp-core only as a shared library built against the
// shared libstdc++, and pmd links libstdc++ statically (PM_STATIC_RUNTIME).
// Passing std::string/std::vector-based MetricFamily objects between two
// copies of libstdc++ is not sound, and the .so would add a runtime
// dependency and its startup cost to pmd. The format is small: this file is
// all of it that pm needs, tested by parsing its output back.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/histogram.hpp"

namespace pm::http {

enum class MetricType { counter, gauge, histogram };

// `s` with backslash, double quote and newline escaped (a label value).
void append_label_value(std::string& out, std::string_view s);
// `s` with backslash and newline escaped (HELP text).
void append_help_text(std::string& out, std::string_view s);
// A sample value: integers exactly, others shortest round-trip, +Inf/-Inf/NaN.
void append_value(std::string& out, double v);
void append_value(std::string& out, std::uint64_t v);

// A label set being built: `name="value",...` (no braces).
class Labels {
public:
    Labels() = default;
    Labels& add(std::string_view name, std::string_view value);
    const std::string& text() const { return m_text; }

private:
    std::string m_text;
};

class PromWriter {
public:
    explicit PromWriter(std::size_t reserve = 0) { m_out.reserve(reserve); }

    // Starts a family: its # HELP and # TYPE lines. Samples follow.
    void family(std::string_view name, std::string_view help, MetricType type);
    // One sample of the current family, labelled `labels` then `extra`
    // (each a Labels text, either may be empty).
    void sample(std::string_view labels, std::string_view extra, double v);
    void sample(std::string_view labels, std::string_view extra, std::uint64_t v);
    void sample(std::string_view labels, double v) { sample(labels, {}, v); }
    void sample(std::string_view labels, std::uint64_t v) { sample(labels, {}, v); }
    // A histogram family's samples from a microsecond Histogram: cumulative
    // buckets at the given bucket indexes (le = 2^b - 1 us, in seconds, the
    // largest value bucket b holds), +Inf, _sum (seconds) and _count.
    void histogram_us(std::string_view labels, const Histogram& h, std::span<const int> bounds);

    const std::string& text() const { return m_out; }
    std::string take() { return std::move(m_out); }

private:
    void head(std::string_view labels, std::string_view extra, std::string_view suffix = {});

    std::string m_out;
    std::string m_family;
};

}  // namespace pm::http
