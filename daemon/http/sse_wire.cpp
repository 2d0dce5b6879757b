// SSE framing and the resume id codec.
#include "daemon/http/sse_wire.hpp"

#include <fmt/format.h>

#include <charconv>

namespace pm::http {
namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 20) {
        return false;
    }
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

void append_resume_id(std::string& out, std::uint64_t epoch, const std::vector<LogPosition>& positions) {
    // Written for every event of every client: to_chars into a stack buffer.
    char buf[48];
    auto append = [&](std::uint64_t v, char sep) {
        char* end = std::to_chars(buf, buf + sizeof buf - 1, v).ptr;
        *end++ = sep;
        out.append(buf, end);
    };
    append(epoch, ':');
    for (std::size_t k = 0; k < positions.size(); ++k) {
        append(positions[k].id, '.');
        if (k + 1 < positions.size()) {
            append(positions[k].seq, ',');
        } else {
            char* end = std::to_chars(buf, buf + sizeof buf, positions[k].seq).ptr;
            out.append(buf, end);
        }
    }
}

Result<ResumeId> parse_resume_id(std::string_view text) {
    // Checked first and cheaply: a hostile id costs one comparison.
    if (text.size() > k_resume_max_bytes) {
        return fail(ErrorCode::bad_args, fmt::format("Last-Event-ID is longer than {} bytes", k_resume_max_bytes));
    }
    ResumeId id;
    std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || !parse_u64(text.substr(0, colon), id.epoch)) {
        return fail(ErrorCode::bad_args, "Last-Event-ID is not an id of this stream");
    }
    auto& out = id.positions;
    std::string_view rest = text.substr(colon + 1);
    while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        std::size_t dot = entry.find('.');
        LogPosition p;
        if (dot == std::string_view::npos || !parse_u64(entry.substr(0, dot), p.id) ||
            !parse_u64(entry.substr(dot + 1), p.seq)) {
            return fail(ErrorCode::bad_args, "Last-Event-ID is not an id of this stream");
        }
        if (out.size() == k_resume_max_entries) {
            return fail(ErrorCode::bad_args,
                        fmt::format("Last-Event-ID lists more than {} processes", k_resume_max_entries));
        }
        out.push_back(p);
        if (comma != std::string_view::npos && rest.empty()) {
            return fail(ErrorCode::bad_args, "Last-Event-ID is not an id of this stream");
        }
    }
    return id;
}

std::string sse_data(const json& data) { return data.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event_head(std::string_view event, std::string_view data_line) {
    std::string out;
    out.reserve(event.size() + data_line.size() + 16);
    out += "event: ";
    out += event;
    out += "\ndata: ";
    out += data_line;
    out += '\n';
    return out;
}

void append_sse_id_end(std::string& out, std::uint64_t epoch, const std::vector<LogPosition>& positions) {
    out += "id: ";
    append_resume_id(out, epoch, positions);
    out += "\n\n";
}

}  // namespace pm::http
