// URL and header helpers of the HTTP server. http_parser finds the URL's
// parts; decoding and splitting them is ours (the library has no decoder).
#include "daemon/http/http_request.hpp"

#include <http_parser.h>

namespace pm::http {
namespace {

constexpr std::size_t k_max_segments = 64;
constexpr std::size_t k_max_params = 64;

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k == name) {
            return &v;
        }
    }
    return nullptr;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) {
                return std::nullopt;
            }
            int hi = hex_value(s[i + 1]);
            int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') {
            return std::nullopt;
        }
        out.push_back(c);
    }
    return out;
}

Result<void> parse_target(std::string_view target, HttpRequest& req) {
    http_parser_url u;
    http_parser_url_init(&u);
    if (target.empty() || target.front() != '/' ||
        http_parser_parse_url(target.data(), target.size(), 0, &u) != 0 || !(u.field_set & (1 << UF_PATH))) {
        return fail(ErrorCode::bad_args, "malformed request target");
    }
    std::string_view path = target.substr(u.field_data[UF_PATH].off, u.field_data[UF_PATH].len);
    req.segments.clear();
    std::size_t pos = 1;  // past the leading '/'
    while (pos <= path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        std::string_view raw = path.substr(pos, end - pos);
        if (!raw.empty()) {
            if (req.segments.size() == k_max_segments) {
                return fail(ErrorCode::bad_args, "too many path segments");
            }
            auto seg = percent_decode(raw, false);
            if (!seg) {
                return fail(ErrorCode::bad_args, "malformed escape in the path");
            }
            req.segments.push_back(std::move(*seg));
        }
        pos = end + 1;
    }
    req.query.clear();
    if (u.field_set & (1 << UF_QUERY)) {
        std::string_view q = target.substr(u.field_data[UF_QUERY].off, u.field_data[UF_QUERY].len);
        std::size_t count = 0;
        while (!q.empty()) {
            std::size_t amp = q.find('&');
            std::string_view pair = q.substr(0, amp);
            q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
            if (pair.empty()) {
                continue;
            }
            if (++count > k_max_params) {
                return fail(ErrorCode::bad_args, "too many query parameters");
            }
            std::size_t eq = pair.find('=');
            auto key = percent_decode(pair.substr(0, eq), true);
            auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
            if (!key || !value) {
                return fail(ErrorCode::bad_args, "malformed escape in the query");
            }
            req.query[std::move(*key)] = std::move(*value);
        }
    }
    return {};
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        std::size_t semi = header.find(';');
        std::string_view part = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        std::size_t eq = part.find('=');
        if (eq != std::string_view::npos && trim(part.substr(0, eq)) == name) {
            return std::string(trim(part.substr(eq + 1)));
        }
    }
    return std::nullopt;
}

}  // namespace pm::http
