// Lenient JSON and YAML for ecosystem files.
#include "cli/ecosystem_text.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <regex>

#include "common/error.hpp"

namespace pm::cli {
namespace {

// nlohmann_json 3.11 skips comments itself but refuses trailing commas
// (accepted by PM2, which reads JSON files with JSON5's rules); this pass
// blanks comments and such commas with spaces, outside strings, so the
// parser's line and column still point into the user's file.
std::string blank_comments_and_trailing_commas(std::string s) {
    std::size_t pending_comma = std::string::npos;  // a comma not yet followed by a value
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') {
            pending_comma = std::string::npos;
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\') {
                    ++i;
                }
            }
        } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
            for (; i < s.size() && s[i] != '\n'; ++i) {
                s[i] = ' ';
            }
        } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            std::size_t end = s.find("*/", i + 2);
            end = end == std::string::npos ? s.size() : end + 2;
            for (; i < end; ++i) {
                if (s[i] != '\n') {
                    s[i] = ' ';
                }
            }
            --i;
        } else if (c == ',') {
            pending_comma = i;
        } else if (c == ']' || c == '}') {
            if (pending_comma != std::string::npos) {
                s[pending_comma] = ' ';
            }
            pending_comma = std::string::npos;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            pending_comma = std::string::npos;
        }
    }
    return s;
}

json scalar(const YAML::Node& n) {
    const std::string& v = n.Scalar();
    if (n.Tag() == "!") {
        return v;  // quoted: always a string
    }
    if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") {
        return nullptr;
    }
    if (v == "true" || v == "True" || v == "TRUE") {
        return true;
    }
    if (v == "false" || v == "False" || v == "FALSE") {
        return false;
    }
    static const std::regex int_re("[-+]?[0-9]+");
    static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    if (std::regex_match(v, int_re)) {
        errno = 0;
        long long x = std::strtoll(v.c_str(), nullptr, 10);
        if (errno == 0) {
            return x;
        }
    }
    if (std::regex_match(v, float_re)) {
        return std::strtod(v.c_str(), nullptr);
    }
    return v;
}

json to_json(const YAML::Node& n, int depth) {
    if (depth > 64) {
        throw YAML::Exception(n.Mark(), "nested more than 64 levels deep");
    }
    switch (n.Type()) {
    case YAML::NodeType::Sequence: {
        json a = json::array();
        for (const auto& e : n) {
            a.push_back(to_json(e, depth + 1));
        }
        return a;
    }
    case YAML::NodeType::Map: {
        json o = json::object();
        for (const auto& kv : n) {
            o[kv.first.Scalar()] = to_json(kv.second, depth + 1);
        }
        return o;
    }
    case YAML::NodeType::Scalar:
        return scalar(n);
    default:
        return nullptr;
    }
}

}  // namespace

Result<json> parse_lenient_json(const std::string& text) {
    try {
        return json::parse(blank_comments_and_trailing_commas(text), nullptr, true, true);
    } catch (const json::parse_error& e) {
        // what(): "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
        std::string what = e.what();
        auto at = what.find("at line");
        return fail(ErrorCode::bad_args,
                    fmt::format("the file is not valid JSON: {}", at == std::string::npos ? what : what.substr(at + 3)));
    }
}

Result<json> parse_yaml(const std::string& text) {
    try {
        return to_json(YAML::Load(text), 0);
    } catch (const YAML::Exception& e) {
        return fail(ErrorCode::bad_args, fmt::format("the file is not valid YAML: line {}, column {}: {}",
                                                      e.mark.line + 1, e.mark.column + 1, e.msg));
    }
}

}  // namespace pm::cli
