// A strict reader of the Prometheus text format for tests: parses /metrics
// output back and lists every rule it breaks (one HELP and one TYPE before a
// family's samples, valid names, escapes, no duplicate series, counters
// named _total, histogram buckets cumulative with +Inf equal to _count).
#pragma once

#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pm::test {

struct PromSample {
    std::string name;
    std::map<std::string, std::string> labels;  // values unescaped
    double value = 0;
};

struct PromFamily {
    std::string help;  // unescaped
    std::string type;
    std::vector<PromSample> samples;
};

struct PromText {
    std::map<std::string, PromFamily> families;
    std::vector<std::string> errors;  // every rule broken, with its line

    // The value of the one sample `name` with exactly `labels`, if any.
    std::optional<double> value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
        for (const auto& [fname, f] : families) {
            for (const auto& s : f.samples) {
                if (s.name == name && s.labels == labels) {
                    return s.value;
                }
            }
        }
        return std::nullopt;
    }
};

namespace prom_detail {

inline bool name_start(char c, bool colon) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
inline bool name_char(char c, bool colon) { return name_start(c, colon) || (c >= '0' && c <= '9'); }

// Reads a name at `pos`; empty when none.
inline std::string read_name(std::string_view line, std::size_t& pos, bool colon) {
    std::size_t start = pos;
    if (pos < line.size() && name_start(line[pos], colon)) {
        while (pos < line.size() && name_char(line[pos], colon)) {
            ++pos;
        }
    }
    return std::string(line.substr(start, pos - start));
}

inline std::optional<double> read_value(std::string_view v) {
    if (v == "+Inf") {
        return std::numeric_limits<double>::infinity();
    }
    if (v == "-Inf") {
        return -std::numeric_limits<double>::infinity();
    }
    if (v == "NaN") {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::string s(v);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) {
        return std::nullopt;
    }
    return d;
}

// Parses `{a="x",b="y"}` at pos (on '{'); false on any error.
inline bool read_labels(std::string_view line, std::size_t& pos, std::map<std::string, std::string>& out) {
    ++pos;  // '{'
    while (pos < line.size() && line[pos] != '}') {
        std::string name = read_name(line, pos, false);
        if (name.empty() || pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"') {
            return false;
        }
        pos += 2;
        std::string value;
        for (;;) {
            if (pos >= line.size()) {
                return false;
            }
            char c = line[pos++];
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                if (pos >= line.size()) {
                    return false;
                }
                char e = line[pos++];
                if (e == 'n') {
                    value.push_back('\n');
                } else if (e == '\\' || e == '"') {
                    value.push_back(e);
                } else {
                    return false;
                }
            } else {
                value.push_back(c);
            }
        }
        if (!out.emplace(name, value).second) {
            return false;  // a label twice
        }
        if (pos < line.size() && line[pos] == ',') {
            ++pos;
        }
    }
    if (pos >= line.size()) {
        return false;
    }
    ++pos;  // '}'
    return true;
}

inline bool unescape_help(std::string_view in, std::string& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\') {
            out.push_back(in[i]);
        } else if (i + 1 < in.size() && (in[i + 1] == 'n' || in[i + 1] == '\\')) {
            out.push_back(in[++i] == 'n' ? '\n' : '\\');
        } else {
            return false;
        }
    }
    return true;
}

inline std::string series_key(const PromSample& s) {
    std::string k = s.name;
    for (const auto& [n, v] : s.labels) {
        k += '\x1f' + n + '=' + v;
    }
    return k;
}

inline bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

inline void check_histogram(const std::string& name, const PromFamily& f, std::vector<std::string>& errors) {
    struct Group {
        std::vector<std::pair<double, double>> buckets;  // le, count in order
        std::optional<double> count, sum;
    };
    std::map<std::string, Group> groups;
    for (const auto& s : f.samples) {
        auto labels = s.labels;
        std::string le = labels.count("le") ? labels["le"] : "";
        labels.erase("le");
        PromSample base{name, labels, 0};
        Group& g = groups[series_key(base)];
        if (s.name == name + "_bucket") {
            auto v = read_value(le);
            if (!v) {
                errors.push_back(name + ": bucket without a valid le");
                continue;
            }
            g.buckets.emplace_back(*v, s.value);
        } else if (s.name == name + "_count") {
            g.count = s.value;
        } else if (s.name == name + "_sum") {
            g.sum = s.value;
        } else {
            errors.push_back(name + ": histogram sample " + s.name);
        }
    }
    for (const auto& [key, g] : groups) {
        if (g.buckets.empty() || !g.count || !g.sum) {
            errors.push_back(name + ": histogram series without buckets, _count or _sum");
            continue;
        }
        for (std::size_t i = 1; i < g.buckets.size(); ++i) {
            if (!(g.buckets[i].first > g.buckets[i - 1].first) || g.buckets[i].second < g.buckets[i - 1].second) {
                errors.push_back(name + ": buckets not ascending and cumulative");
            }
        }
        if (g.buckets.back().first != std::numeric_limits<double>::infinity() || g.buckets.back().second != *g.count) {
            errors.push_back(name + ": the last bucket is not +Inf equal to _count");
        }
    }
}

}  // namespace prom_detail

inline PromText parse_prom_text(std::string_view text) {
    using namespace prom_detail;
    PromText out;
    std::set<std::string> series;
    std::string current;  // the family whose samples may follow
    bool typed = false;
    auto error = [&](int n, const std::string& what) {
        out.errors.push_back("line " + std::to_string(n) + ": " + what);
    };
    if (!text.empty() && text.back() != '\n') {
        out.errors.push_back("the text does not end with a newline");
    }
    int n = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        ++n;
        if (line.rfind("# HELP ", 0) == 0) {
            std::size_t pos = 7;
            std::string name = read_name(line, pos, true);
            if (name.empty() || pos >= line.size() || line[pos] != ' ') {
                error(n, "bad HELP line");
                continue;
            }
            if (out.families.count(name)) {
                error(n, "a second HELP for " + name);
            }
            PromFamily& f = out.families[name];
            if (!unescape_help(line.substr(pos + 1), f.help)) {
                error(n, "bad escape in HELP of " + name);
            }
            current = name;
            typed = false;
        } else if (line.rfind("# TYPE ", 0) == 0) {
            std::size_t pos = 7;
            std::string name = read_name(line, pos, true);
            std::string type = pos < line.size() ? std::string(line.substr(pos + 1)) : "";
            if (name != current || typed) {
                error(n, "TYPE of " + name + " not right after its HELP");
                continue;
            }
            if (type != "counter" && type != "gauge" && type != "histogram") {
                error(n, "unexpected type " + type);
            }
            if (type == "counter" && !ends_with(name, "_total")) {
                error(n, "counter " + name + " does not end in _total");
            }
            out.families[name].type = type;
            typed = true;
        } else if (!line.empty() && line[0] == '#') {
            error(n, "unexpected comment");
        } else {
            PromSample s;
            std::size_t pos = 0;
            s.name = read_name(line, pos, true);
            if (s.name.empty()) {
                error(n, "no metric name");
                continue;
            }
            if (pos < line.size() && line[pos] == '{' && !read_labels(line, pos, s.labels)) {
                error(n, "bad labels");
                continue;
            }
            auto v = pos < line.size() && line[pos] == ' ' ? read_value(line.substr(pos + 1)) : std::nullopt;
            if (!v) {
                error(n, "bad value");
                continue;
            }
            s.value = *v;
            if (!typed) {
                error(n, s.name + " before its family's HELP and TYPE");
                continue;
            }
            PromFamily& f = out.families[current];
            bool ok = s.name == current ||
                      (f.type == "histogram" &&
                       (s.name == current + "_bucket" || s.name == current + "_sum" || s.name == current + "_count"));
            if (!ok) {
                error(n, s.name + " in the family " + current);
            }
            if (!series.insert(series_key(s)).second) {
                error(n, "duplicate series " + std::string(line));
            }
            f.samples.push_back(std::move(s));
        }
    }
    for (const auto& [name, f] : out.families) {
        if (f.type == "histogram") {
            check_histogram(name, f, out.errors);
        }
    }
    return out;
}

}  // namespace pm::test
