// PromText: the text format's escaping and number rules
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include "daemon/http/prom_text.hpp"

#include <charconv>
#include <cmath>

namespace pm::http {

void append_label_value(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            default: out.push_back(c);
        }
    }
}

void append_help_text(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            default: out.push_back(c);
        }
    }
}

void append_value(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_value(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    // Whole numbers below 2^53 print without an exponent or a fraction.
    if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
        if (v < 0) {
            out.push_back('-');
        }
        append_value(out, static_cast<std::uint64_t>(std::fabs(v)));
        return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

Labels& Labels::add(std::string_view name, std::string_view value) {
    if (!m_text.empty()) {
        m_text.push_back(',');
    }
    m_text.append(name);
    m_text += "=\"";
    append_label_value(m_text, value);
    m_text.push_back('"');
    return *this;
}

void PromWriter::family(std::string_view name, std::string_view help, MetricType type) {
    m_family.assign(name);
    m_out += "# HELP ";
    m_out.append(name);
    m_out.push_back(' ');
    append_help_text(m_out, help);
    m_out += "\n# TYPE ";
    m_out.append(name);
    switch (type) {
        case MetricType::counter: m_out += " counter\n"; break;
        case MetricType::gauge: m_out += " gauge\n"; break;
        case MetricType::histogram: m_out += " histogram\n"; break;
    }
}

void PromWriter::head(std::string_view labels, std::string_view extra, std::string_view suffix) {
    m_out += m_family;
    m_out.append(suffix);
    if (labels.empty() && extra.empty()) {
        m_out.push_back(' ');
        return;
    }
    m_out.push_back('{');
    m_out.append(labels);
    if (!labels.empty() && !extra.empty()) {
        m_out.push_back(',');
    }
    m_out.append(extra);
    m_out += "} ";
}

void PromWriter::sample(std::string_view labels, std::string_view extra, double v) {
    head(labels, extra);
    append_value(m_out, v);
    m_out.push_back('\n');
}

void PromWriter::sample(std::string_view labels, std::string_view extra, std::uint64_t v) {
    head(labels, extra);
    append_value(m_out, v);
    m_out.push_back('\n');
}

void PromWriter::histogram_us(std::string_view labels, const Histogram& h, std::span<const int> bounds) {
    std::uint64_t cumulative = 0;
    int next = 0;  // the first Histogram bucket not yet added
    for (int b : bounds) {
        for (; next <= b && next < Histogram::k_buckets; ++next) {
            cumulative += h.bucket(next);
        }
        double le = b == 0 ? 0.0 : static_cast<double>((std::uint64_t{1} << b) - 1) / 1e6;
        std::string extra = "le=\"";
        append_value(extra, le);
        extra.push_back('"');
        head(labels, extra, "_bucket");
        append_value(m_out, cumulative);
        m_out.push_back('\n');
    }
    head(labels, "le=\"+Inf\"", "_bucket");
    append_value(m_out, h.count());
    m_out.push_back('\n');
    head(labels, {}, "_sum");
    append_value(m_out, static_cast<double>(h.sum()) / 1e6);
    m_out.push_back('\n');
    head(labels, {}, "_count");
    append_value(m_out, h.count());
    m_out.push_back('\n');
}

}  // namespace pm::http
