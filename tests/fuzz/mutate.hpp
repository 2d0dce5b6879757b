// Request mutations for the protocol fuzz tests (RELIABILITY I1): a seed
// corpus of well-formed requests and hostile shapes, and deterministic
// mutations of it (byte flips, truncation, splices, invalid UTF-8, NUL,
// huge numbers, deep nesting). Header-only, no dependencies: used by the
// unit fuzz (parser) and the integration fuzz (a real pmd).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace pm::fuzz {

inline std::vector<std::string> seed_corpus(const std::string& child) {
    std::string start = R"({"id":1,"cmd":"start","args":{"name":"fz","argv":[")" + child +
                        R"(","exit","0"],"restart":"never","instances":2}})";
    return {
        start,
        R"({"id":2,"cmd":"list"})",
        R"({"id":3,"cmd":"ping","args":{}})",
        R"({"id":4,"cmd":"show","args":{"selector":"fz"}})",
        R"({"id":5,"cmd":"stop","args":{"selector":"fz"}})",
        R"({"id":6,"cmd":"restart","args":{"selector":"fz:1"}})",
        R"({"id":7,"cmd":"delete","args":{"selector":"fz"}})",
        R"({"id":8,"cmd":"scale","args":{"name":"fz","instances":3}})",
        R"({"id":9,"cmd":"signal","args":{"signal":"SIGUSR2","selector":"fz"}})",
        R"({"id":10,"cmd":"memoryStats","args":{"detail":true}})",
        R"({"id":11,"cmd":"performanceStats"})",
        R"({"id":12,"cmd":"errors"})",
        R"({"id":13,"cmd":"flush","args":{"selector":"all"}})",
        R"({"id":14,"cmd":"reset","args":{"selector":"fz"}})",
        R"({"id":15,"cmd":"hello","args":{"protocol":1,"client":"fuzz"}})",
        R"({"id":16,"cmd":"reload","args":{"selector":"fz","timeout":500}})",
        R"({"id":17,"cmd":"start","args":{"name":"fz","dry_run":true,"argv":["x"],"watch":"/nonexistent"}})",
        R"({"id":18,"cmd":"logs","args":{"selector":"fz","lines":5}})",
        R"({"id":23,"cmd":"env","args":{"selector":"fz:0"}})",
        R"({"id":24,"cmd":"rotateLogs","args":{"selector":"fz"}})",
        R"({"id":25,"cmd":"restart","args":{"selector":"fz","env":{"A":"1"},"env_base":{"B":"2"}}})",
        R"({"id":"s","cmd":"ping","args":{"extra":[1,2,{"a":null}]}})",
        R"({"id":19,"cmd":"nosuchcommand"})",
        R"({"id":20,"cmd":"start","args":{"argv":["\u0000"]}})",
        R"({"id":21,"cmd":"scale","args":{"name":"fz","instances":99999999999999999999999}})",
        R"({"id":1e308,"cmd":"ping"})",
        std::string(200, '[') + std::string(200, ']'),
        "{\"id\":22,\"cmd\":\"show\",\"args\":{\"selector\":\"\xff\xfe\xc3\"}}",
        "not json at all",
        "",
        "{}",
        "[]",
        "null",
    };
}

// A seed still valid JSON, with one argument given a hostile value (wrong
// type, out of range, huge, empty, invalid UTF-8): reaches the handlers.
inline std::string mutate_value(const std::string& seed, std::mt19937& rng) {
    auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    static const char* const k_values[] = {
        "-1", "0", "1", "3", "64", "100000", "9223372036854775807", "-9223372036854775808", "1e308", "0.5",
        "true", "false", "null", "\"\"", "\"all\"", "\"fz\"", "\"fz:1\"", "\"7\"", "\"SIGKILL\"", "\"10s\"",
        "\"1G\"", "[]", "{}", "[\"a\"]", "{\"a\":\"b\"}", "\"\\u0000\"", "\"\xff\xfe\"", "\"/\"", "\"..\""};
    static const char* const k_keys[] = {"selector", "name", "instances", "argv", "cwd", "env", "restart",
                                         "kill_timeout", "stop_signal", "log_buffer", "timeout", "lines",
                                         "signal", "watch_delay", "ready_tcp", "max_memory", "force",
                                         "detail", "dry_run"};
    std::string key = k_keys[pick(std::size(k_keys))];
    std::string value = k_values[pick(std::size(k_values))];
    auto args = seed.find("\"args\":{");
    if (args == std::string::npos) {
        return seed;
    }
    // Set it first in args, so it overrides nothing and is always present.
    std::string inner = "\"" + key + "\":" + value;
    std::size_t at = args + 8;
    bool empty = seed[at] == '}';
    return seed.substr(0, at) + inner + (empty ? "" : ",") + seed.substr(at);
}

// One mutation of `s`, chosen and applied with `rng`.
inline std::string mutate(std::string s, std::mt19937& rng, const std::vector<std::string>& corpus) {
    auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    if (pick(2) == 0) {
        return mutate_value(s, rng);  // half the time: valid JSON, hostile values
    }
    static const char* const k_tokens[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "-1",
                                           "1e999", "\"all\"", "\"\\u0000\"", "\xc0\x80", "\xed\xa0\x80",
                                           "18446744073709551616", "0.5", "{\"a\":"};
    int rounds = 1 + static_cast<int>(pick(4));
    for (int r = 0; r < rounds; ++r) {
        switch (pick(7)) {
            case 0:  // flip a byte
                if (!s.empty()) {
                    s[pick(s.size())] = static_cast<char>(pick(256));
                }
                break;
            case 1:  // truncate
                s.resize(pick(s.size() + 1));
                break;
            case 2:  // insert a token
                s.insert(pick(s.size() + 1), k_tokens[pick(std::size(k_tokens))]);
                break;
            case 3:  // delete a span
                if (!s.empty()) {
                    std::size_t at = pick(s.size());
                    s.erase(at, pick(s.size() - at + 1));
                }
                break;
            case 4: {  // splice with another seed
                const std::string& o = corpus[pick(corpus.size())];
                s = s.substr(0, pick(s.size() + 1)) + o.substr(pick(o.size() + 1));
                break;
            }
            case 5:  // duplicate a span
                if (!s.empty()) {
                    std::size_t at = pick(s.size());
                    s.insert(at, s.substr(at, pick(64)));
                }
                break;
            default:  // deep nesting around a value
                s = std::string(pick(80), '[') + s + std::string(pick(80), ']');
                break;
        }
    }
    // A newline ends a request: keep each mutated request on one line.
    for (char& c : s) {
        if (c == '\n') {
            c = ' ';
        }
    }
    return s;
}

}  // namespace pm::fuzz
