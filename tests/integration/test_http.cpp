// The web view's HTTP server against the real pmd: the token, Host and
// Origin checks, the API (the socket protocol's JSON), actions, limits, and
// `pm web` (docs/http.md).
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <memory>

#include "harness.hpp"
#include "harness_http.hpp"

using namespace pm::test;

namespace {

struct Web {
    std::string url;
    std::string token;
    int port = 0;
};

// `pm web --json`: the URL and token, turning the view on when it is off.
Web web_of(const TempHome& home, const std::vector<std::string>& args = {}) {
    std::vector<std::string> a{"--json", "web"};
    a.insert(a.end(), args.begin(), args.end());
    RunResult r = run_pm(home, a);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json j = json::parse(r.out);
    Web w{j["url"], j["token"], 0};
    std::string listen = j["listen"];
    w.port = std::stoi(listen.substr(listen.rfind(':') + 1));
    CHECK(j["open"] == w.url + "#token=" + w.token);
    return w;
}

std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    return s;
}

struct SseEvent {
    std::string id, event;
    json data;
};

// The complete events in an SSE byte stream (comments and retry skipped).
std::vector<SseEvent> parse_sse(const std::string& bytes) {
    std::vector<SseEvent> out;
    std::size_t start = bytes.find("\r\n\r\n");  // past the response head
    start = start == std::string::npos ? 0 : start + 4;
    for (std::size_t end; (end = bytes.find("\n\n", start)) != std::string::npos; start = end + 2) {
        SseEvent ev;
        std::string block = bytes.substr(start, end - start);
        std::size_t pos = 0;
        while (pos <= block.size()) {
            std::size_t nl = block.find('\n', pos);
            std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
            if (line.rfind("id: ", 0) == 0) {
                ev.id = line.substr(4);
            } else if (line.rfind("event: ", 0) == 0) {
                ev.event = line.substr(7);
            } else if (line.rfind("data: ", 0) == 0) {
                ev.data = json::parse(line.substr(6), nullptr, false);
            }
            if (nl == std::string::npos) {
                break;
            }
            pos = nl + 1;
        }
        if (!ev.event.empty()) {
            out.push_back(std::move(ev));
        }
    }
    return out;
}

std::vector<SseEvent> events_named(const std::vector<SseEvent>& all, const std::string& name) {
    std::vector<SseEvent> out;
    for (const auto& e : all) {
        if (e.event == name) {
            out.push_back(e);
        }
    }
    return out;
}

// Opens an event stream; the request head carries the token and `extra`.
std::unique_ptr<HttpConnection> open_stream(const Web& w, const std::string& target,
                                            const std::vector<std::string>& extra = {}) {
    auto c = std::make_unique<HttpConnection>(w.port);
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(w.port) +
                      "\r\nAuthorization: Bearer " + w.token + "\r\n";
    for (const auto& h : extra) {
        req += h + "\r\n";
    }
    REQUIRE(c->send_raw(req + "\r\n"));
    return c;
}

// Reads from an event stream until `pred` holds for the events so far.
std::vector<SseEvent> read_events(HttpConnection& c, const std::function<bool(const std::vector<SseEvent>&)>& pred,
                                  Ms timeout = 10s) {
    auto deadline = Clock::now() + timeout;
    std::vector<SseEvent> evs;
    std::string bytes;
    while (Clock::now() < deadline) {
        bytes = c.read_more(100ms);
        evs = parse_sse(bytes);
        if (pred(evs)) {
            return evs;
        }
    }
    FAIL("the event stream did not deliver what was expected: " << bytes.substr(0, 2000));
    return evs;
}

TempHomeOptions with_http(std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--http", "127.0.0.1:0"};
    args.insert(args.end(), more.begin(), more.end());
    return with_pmd_args(args);
}

}  // namespace

TEST_SUITE("integration/http") {

TEST_CASE("http: pmd --http serves the page without a token and the API only with it") {
    TempHome home(with_http());
    Web w = web_of(home);
    CHECK(w.url == "http://127.0.0.1:" + std::to_string(w.port) + "/");
    CHECK(w.token.size() == 64);
    CHECK(first_line(home.file("http.token")) == w.token);
    struct stat st {};
    REQUIRE(::stat(home.file("http.token").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    HttpReply page = http_request(w.port, "GET", "/");
    CHECK(page.status == 200);
    CHECK(page.header("content-type").rfind("text/html", 0) == 0);
    CHECK(page.header("x-content-type-options") == "nosniff");
    CHECK(page.header("cache-control") == "no-store");
    CHECK(page.header("referrer-policy") == "no-referrer");
    CHECK(page.header("content-security-policy").find("default-src 'none'") != std::string::npos);
    CHECK(page.header("access-control-allow-origin").empty());

    HttpReply none = http_request(w.port, "GET", "/api/v1/processes");
    CHECK(none.status == 401);
    CHECK(json::parse(none.body)["error"]["code"] == "unauthorized");
    HttpReply wrong = http_authed(w.port, std::string(64, '0'), "GET", "/api/v1/processes");
    CHECK(wrong.status == 401);

    REQUIRE(start_child(home, "ticker", {"line", "hello", "sleep"}).exit_code == 0);
    HttpReply list = http_authed(w.port, w.token, "GET", "/api/v1/processes");
    REQUIRE(list.status == 200);
    CHECK(list.header("content-type") == "application/json");
    json api = json::parse(list.body);
    json cli = list_json(home);
    REQUIRE(api["processes"].size() == 1);
    CHECK(api["processes"][0]["name"] == cli["processes"][0]["name"]);
    CHECK(api["processes"][0]["pid"] == cli["processes"][0]["pid"]);
    CHECK(api["processes"][0].size() == cli["processes"][0].size());  // the same object, field for field
}

TEST_CASE("http: Host and Origin of another site are refused") {
    TempHome home(with_http());
    Web w = web_of(home);
    std::string port = std::to_string(w.port);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes", {"Host: evil.example:" + port}).status == 421);
    CHECK(http_request(w.port, "GET", "/", {"Host: evil.example"}).status == 421);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes", {"Host: localhost:" + port}).status == 200);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes", {"Origin: http://evil.example"}).status == 403);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes", {"Origin: http://127.0.0.1:" + port}).status ==
          200);
    json perf = json::parse(run_pm(home, {"--json", "performanceStats"}).out);
    CHECK(perf["http"]["refused"]["host"] == 2);
    CHECK(perf["http"]["refused"]["origin"] == 1);
    CHECK(perf["http"]["listening"] == true);
}

TEST_CASE("http: --http-host adds a name the Host header may carry, nothing else") {
    TempHome home(with_http({"--http-host", "pm.example"}));
    Web w = web_of(home);
    std::string port = std::to_string(w.port);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes", {"Host: pm.example:" + port}).status == 200);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes", {"Host: pm.example"}).status == 200);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes", {"Host: other.example:" + port}).status == 421);
}

TEST_CASE("http: the session cookie lets a browser's event stream carry the token") {
    TempHome home(with_http());
    Web w = web_of(home);
    HttpReply s = http_authed(w.port, w.token, "POST", "/api/v1/session");
    CHECK(s.status == 204);
    std::string cookie = s.header("set-cookie");
    CHECK(cookie.find("pm_token=" + w.token) == 0);
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(http_request(w.port, "GET", "/api/v1/processes", {"Cookie: a=b; pm_token=" + w.token}).status == 200);
    CHECK(http_request(w.port, "POST", "/api/v1/session").status == 401);
}

TEST_CASE("http: actions stop and restart a process, errors carry the protocol's codes") {
    TempHome home(with_http());
    Web w = web_of(home);
    REQUIRE(start_child(home, "svc", {"sleep"}).exit_code == 0);
    json before = wait_instance(home, "svc", [](const json& i) { return i["state"] == "online"; }, "online");

    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes/svc/restart").status == 405);
    HttpReply r = http_authed(w.port, w.token, "POST", "/api/v1/processes/svc/restart");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    json after = wait_instance(home, "svc", [](const json& i) { return i["state"] == "online"; }, "online again");
    CHECK(after["pid"] != before["pid"]);

    HttpReply stop = http_authed(w.port, w.token, "POST", "/api/v1/processes/svc/stop");
    CHECK(stop.status == 200);
    CHECK(instance(home, "svc")["state"] == "stopped");
    HttpReply start = http_authed(w.port, w.token, "POST", "/api/v1/processes/svc/start");
    CHECK_MESSAGE(start.status == 200, start.body);

    HttpReply missing = http_authed(w.port, w.token, "POST", "/api/v1/processes/nope/stop");
    CHECK(missing.status == 404);
    CHECK(json::parse(missing.body)["error"]["code"] == "not_found");
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/nothing").status == 404);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes/svc/logs?lines=x").status == 400);
}

TEST_CASE("http: show, logs and history are the CLI's JSON, without environment variables") {
    TempHome home(with_http());
    Web w = web_of(home);
    REQUIRE(start_child(home, "talker", {"line", "line-one", "line", "line-two", "sleep"},
                        {"--env", "API_SECRET=hunter2"})
                .exit_code == 0);
    CHECK(run_pm(home, {"--json", "show", "talker"}).out.find("hunter2") != std::string::npos);
    HttpReply show = http_authed(w.port, w.token, "GET", "/api/v1/processes/talker");
    REQUIRE(show.status == 200);
    CHECK(show.body.find("hunter2") == std::string::npos);
    CHECK(json::parse(show.body)["spec"]["name"] == "talker");

    wait_until([&] { return http_authed(w.port, w.token, "GET", "/api/v1/processes/talker/logs?lines=5")
                                .body.find("line-two") != std::string::npos; },
               5s, "both lines in the API's logs");
    json logs = json::parse(http_authed(w.port, w.token, "GET", "/api/v1/processes/talker/logs?lines=1").body);
    REQUIRE(logs["events"].size() == 1);
    CHECK(logs["events"][0]["line"] == "line-two");
    CHECK(logs["events"][0]["stream"] == "out");

    json hist = json::parse(http_authed(w.port, w.token, "GET", "/api/v1/processes/talker/history").body);
    REQUIRE(hist["instances"].size() == 1);
    CHECK(hist["instances"][0]["name"] == "talker");
    CHECK(hist["instances"][0]["history"].is_array());
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/memoryStats").status == 200);
    CHECK(json::parse(http_authed(w.port, w.token, "GET", "/api/v1/performanceStats").body).contains("http"));
}

TEST_CASE("http: oversized headers and bodies, garbage and pipelining") {
    TempHome home(with_http());
    Web w = web_of(home);
    std::string auth = "Authorization: Bearer " + w.token;

    HttpReply big = http_authed(w.port, w.token, "GET", "/api/v1/processes", {"X-Pad: " + std::string(9000, 'a')});
    CHECK(big.status == 431);
    HttpReply body = http_authed(w.port, w.token, "POST", "/api/v1/session", {}, std::string(70000, 'b'));
    CHECK(body.status == 413);
    {
        HttpConnection c(w.port);
        REQUIRE(c.send_raw("NOT HTTP AT ALL\r\n\r\n"));
        CHECK(c.read_reply().status == 400);
        CHECK(c.closed_by_peer());
    }
    {
        // Two requests in one write, then a third split into pieces: answered in order.
        HttpConnection c(w.port);
        std::string host = "Host: 127.0.0.1:" + std::to_string(w.port) + "\r\n";
        REQUIRE(c.send_raw("GET /api/v1/processes HTTP/1.1\r\n" + host + auth + "\r\n\r\n" +
                           "GET /api/v1/nope HTTP/1.1\r\n" + host + auth + "\r\n\r\n"));
        CHECK(c.read_reply().status == 200);
        CHECK(c.read_reply().status == 404);
        std::string third = "GET /metrics HTTP/1.1\r\n" + host + auth + "\r\nConnection: close\r\n\r\n";
        for (std::size_t i = 0; i < third.size(); i += 7) {
            REQUIRE(c.send_raw(third.substr(i, 7)));
        }
        HttpReply m = c.read_reply();
        CHECK(m.status == 200);
        CHECK(m.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
        CHECK(c.closed_by_peer());
    }
    json perf = json::parse(run_pm(home, {"--json", "performanceStats"}).out);
    CHECK(perf["http"]["refused"]["header_size"] == 1);
    CHECK(perf["http"]["refused"]["body_size"] == 1);
    CHECK(perf["http"]["refused"]["bad_request"] == 1);
    CHECK(perf["http"]["requests"]["api"]["200"].get<int>() >= 1);
    CHECK(run_pm(home, {"ping"}).exit_code == 0);  // pmd is still there
}

TEST_CASE("http: a request that never completes is closed after the header timeout, and counted") {
    TempHome home(with_http());
    Web w = web_of(home);
    HttpConnection slow(w.port);
    REQUIRE(slow.send_raw("GET /api/v1/processes HTTP/1.1\r\nHost: 127.0.0.1\r\n"));  // never ends
    HttpConnection silent(w.port);                                                       // never starts
    auto t0 = Clock::now();
    CHECK(slow.closed_by_peer(15s));
    CHECK(silent.closed_by_peer(5s));
    CHECK(Clock::now() - t0 >= 9s);  // 10 s, swept every second
    json perf = json::parse(run_pm(home, {"--json", "performanceStats"}).out);
    CHECK(perf["http"]["timeouts"]["header"] == 2);
    CHECK(http_authed(w.port, w.token, "DELETE", "/").status == 405);
}

TEST_CASE("http: past the connection cap a client gets 503, the others are served") {
    TempHome home(with_http({"--http-max-connections", "32"}));
    Web w = web_of(home);
    std::vector<std::unique_ptr<HttpConnection>> held;
    for (int i = 0; i < 32; ++i) {
        held.push_back(std::make_unique<HttpConnection>(w.port));
        REQUIRE(held.back()->connected());
    }
    HttpConnection extra(w.port);
    HttpReply r = extra.read_reply();
    CHECK(r.status == 503);
    held.pop_back();
    held.pop_back();
    wait_until([&] { return http_authed(w.port, w.token, "GET", "/api/v1/processes").status == 200; }, 5s,
               "a request served once connections were freed");
}

TEST_CASE("http: read-only refuses actions, allows reads") {
    TempHome home(with_http({"--http-read-only"}));
    Web w = web_of(home);
    REQUIRE(start_child(home, "svc", {"sleep"}).exit_code == 0);
    HttpReply r = http_authed(w.port, w.token, "POST", "/api/v1/processes/svc/stop");
    CHECK(r.status == 403);
    CHECK(json::parse(r.body)["error"]["code"] == "read_only");
    CHECK(instance(home, "svc")["state"] == "online");
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/processes/svc").status == 200);
}

TEST_CASE("http: /metrics needs the token unless opened") {
    TempHome home(with_http({"--http-metrics-open"}));
    Web w = web_of(home);
    CHECK(http_request(w.port, "GET", "/metrics").status == 200);
    CHECK(http_request(w.port, "GET", "/api/v1/processes").status == 401);
}

TEST_CASE("http: pm web turns the view on in a running pmd, once") {
    TempHome home;
    json perf = json::parse(run_pm(home, {"--json", "performanceStats"}).out);
    CHECK(perf["http"]["listening"] == false);
    RunResult first = run_pm(home, {"--json", "web", "--port", "0"});
    REQUIRE_MESSAGE(first.exit_code == 0, describe(first));
    json a = json::parse(first.out);
    CHECK(a["started"] == true);
    json b = json::parse(run_pm(home, {"--json", "web"}).out);
    CHECK(b["started"] == false);
    CHECK(b["url"] == a["url"]);
    RunResult text = run_pm(home, {"web"});
    CHECK(text.out == a["open"].get<std::string>() + "\n");
    Web w = web_of(home);
    CHECK(http_request(w.port, "GET", "/").status == 200);
}

TEST_CASE("http: a non-loopback address needs --http-allow-remote, a bad one is a usage error") {
    TempHome home(no_daemon());
    RunResult r = run_process(PMD_BIN, {"--foreground", "--http", "0.0.0.0:0"}, home.env(), 10s);
    CHECK_MESSAGE(r.exit_code == 2, describe(r));
    CHECK_MESSAGE(r.err.find("--http-allow-remote") != std::string::npos, describe(r));
    RunResult bad = run_process(PMD_BIN, {"--foreground", "--http", "localhost:99999"}, home.env(), 10s);
    CHECK_MESSAGE(bad.exit_code == 2, describe(bad));
    RunResult web = run_pm(home, {"web", "--addr", "0.0.0.0", "--port", "0"});
    CHECK_MESSAGE(web.exit_code != 0, describe(web));
    CHECK_MESSAGE(web.err.find("--http-allow-remote") != std::string::npos, describe(web));
}

TEST_CASE("http: the events stream says hello, then state changes and log lines of the selected processes") {
    TempHome home(with_http());
    Web w = web_of(home);
    REQUIRE(start_child(home, "quiet", {"sleep"}).exit_code == 0);
    auto c = open_stream(w, "/api/v1/events?logs=talker&stats=1");
    auto evs = read_events(*c, [](const auto& e) { return !events_named(e, "hello").empty(); });
    CHECK(evs.front().event == "hello");
    CHECK(evs.front().data["processes"].size() == 1);
    CHECK(c->read_until("\r\n\r\n").find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(c->read_until("retry: ").find("retry: 2000") != std::string::npos);

    REQUIRE(start_child(home, "talker", {"line", "hello-sse", "sleep"}).exit_code == 0);
    REQUIRE(run_pm(home, {"stop", "quiet"}).exit_code == 0);
    evs = read_events(*c, [](const auto& e) {
        bool line = false, talker = false, quiet_stopped = false;
        for (const auto& ev : e) {
            line = line || (ev.event == "log" && ev.data["line"] == "hello-sse");
            talker = talker || (ev.event == "state" && ev.data["name"] == "talker");
            quiet_stopped = quiet_stopped || (ev.event == "state" && ev.data["name"] == "quiet" &&
                                              ev.data["state"] == "stopped");
        }
        return line && talker && quiet_stopped;
    });
    for (const auto& ev : evs) {
        CHECK(!ev.id.empty());
        if (ev.event == "log") {
            CHECK(ev.data["name"] == "talker");  // quiet is not followed
        }
    }
    read_events(*c, [](const auto& e) { return !events_named(e, "stats").empty(); });
    REQUIRE(run_pm(home, {"delete", "quiet"}).exit_code == 0);
    read_events(*c, [](const auto& e) {
        for (const auto& ev : e) {
            if (ev.event == "state" && ev.data.value("removed", false)) {
                return true;
            }
        }
        return false;
    });
}

TEST_CASE("http: a reconnect with Last-Event-ID resumes every line exactly once") {
    TempHome home(with_http());
    Web w = web_of(home);
    REQUIRE(start_child(home, "stamper", {"stamps", "100000", "20"}).exit_code == 0);
    std::string last_id;
    std::int64_t last_seq = 0;
    {
        auto c = open_stream(w, "/api/v1/logs/stamper/stream");
        auto evs = read_events(*c, [](const auto& e) { return events_named(e, "log").size() >= 5; });
        auto logs = events_named(evs, "log");
        last_id = logs.back().id;
        last_seq = logs.back().data["seq"];
    }
    // Lines go on while no one listens.
    wait_until([&] { return instance(home, "stamper").value("restarts", 0) == 0 &&
                            run_pm(home, {"logs", "stamper", "--lines", "1"}).out.size() > 0; },
               5s, "the stamper runs");
    auto c = open_stream(w, "/api/v1/logs/stamper/stream", {"Last-Event-ID: " + last_id});
    auto evs = read_events(*c, [](const auto& e) { return events_named(e, "log").size() >= 20; });
    CHECK(events_named(evs, "gap").empty());
    std::int64_t expect = last_seq + 1;
    for (const auto& ev : events_named(evs, "log")) {
        CHECK(ev.data["seq"].get<std::int64_t>() == expect);  // none twice, none missing
        ++expect;
    }
}

TEST_CASE("http: a stalled event-stream client costs pmd a bounded amount, others still get events on time") {
    TempHome home(with_http());
    Web w = web_of(home);
    REQUIRE(start_child(home, "flood", {"spew", "200"}).exit_code == 0);
    pid_t pmd = pmd_pid(home);
    auto rss_kb = [&] {
        std::ifstream in("/proc/" + std::to_string(pmd) + "/status");
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("VmRSS:", 0) == 0) {
                return std::stol(line.substr(6));
            }
        }
        return 0L;
    };
    // A client with a tiny receive buffer that asks for the flood and never reads.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(w.port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::string req = "GET /api/v1/logs/flood/stream HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(w.port) +
                      "\r\nAuthorization: Bearer " + w.token + "\r\n\r\n";
    REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    wait_until([&] {
        json perf = json::parse(run_pm(home, {"--json", "performanceStats"}).out);
        return perf["http"]["sse"]["log_lines_missed"].get<long>() > 0 ||
               perf["http"]["sse"]["events_dropped"].get<long>() > 0;
    }, 30s, "pmd stops queueing for the stalled client");
    long before = rss_kb();
    // Another client still gets a new line at once.
    auto t0 = Clock::now();
    REQUIRE(start_child(home, "marker", {"sleep-ms", "1500", "line", "fresh-line", "sleep"}).exit_code == 0);
    auto c = open_stream(w, "/api/v1/logs/marker/stream");
    read_events(*c, [](const auto& e) {
        for (const auto& ev : e) {
            if (ev.event == "log" && ev.data["line"] == "fresh-line") {
                return true;
            }
        }
        return false;
    });
    CHECK(Clock::now() - t0 < 6s);  // the line is written 1.5 s after the start
    long after = rss_kb();
    CHECK_MESSAGE(after - before < 64 * 1024, "pmd grew by " << (after - before) << " kB");
    ::close(fd);
    REQUIRE(run_pm(home, {"delete", "flood"}).exit_code == 0);
}

TEST_CASE("http: a stream of a selector that names nothing is 404, past the query's bounds 400") {
    TempHome home(with_http());
    Web w = web_of(home);
    CHECK(http_authed(w.port, w.token, "GET", "/api/v1/logs/nobody/stream").status == 404);
    HttpReply hostile = http_authed(w.port, w.token, "GET", "/api/v1/events",
                                    {"Last-Event-ID: " + std::string(4000, '9')});
    CHECK(hostile.status == 400);
    CHECK(http_request(w.port, "GET", "/api/v1/events").status == 401);
}

TEST_CASE("http: /metrics of 1,000 processes is well-formed Prometheus text with one series each") {
    TempHome home(with_http());
    Web w = web_of(home);
    RunResult r = run_pm(home, {"--timeout", "90s", "start", "--name", "many", "-i", "1000", "--", "sleep", "600"}, {}, 100s);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    HttpReply m = http_authed(w.port, w.token, "GET", "/metrics");
    REQUIRE(m.status == 200);
    std::size_t up = 0, lines = 0;
    std::set<std::string> series;
    std::istringstream in(m.body);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        ++lines;
        std::size_t sp = line.rfind(' ');
        REQUIRE_MESSAGE(sp != std::string::npos, line);
        CHECK_MESSAGE(series.insert(line.substr(0, sp)).second, "duplicate series: " << line);
        if (line.rfind("pm_process_up{", 0) == 0) {
            ++up;
            CHECK(line.find("app=\"many\"") != std::string::npos);
        }
    }
    CHECK(up == 1000);
    CHECK(lines > 10000);
    CHECK(m.body.find("process_resident_memory_bytes ") != std::string::npos);
    CHECK(m.body.find("pm_build_info{") != std::string::npos);
    REQUIRE(run_pm(home, {"--timeout", "90s", "delete", "many"}, {}, 100s).exit_code == 0);
}

TEST_CASE("http: the events stream of 1,000 processes says hello with all of them, then stats frames of all") {
    // Their hello is about 300 KB, more than a stream's 256 KiB queue: an
    // empty queue takes it whole. A stats frame carries only what changes on
    // every tick, so it stays small.
    TempHome home(with_http());
    Web w = web_of(home);
    RunResult r = run_pm(home, {"--timeout", "90s", "start", "--name", "many", "-i", "1000", "--", "sleep", "600"}, {}, 100s);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    auto c = open_stream(w, "/api/v1/events?logs=all&stats=1");
    // Read as bytes and parsed once: read_events parses the whole stream after every read.
    auto deadline = Clock::now() + 30s;
    std::string bytes = c->read_until("event: stats", 30s);
    std::size_t at = bytes.find("event: stats");
    REQUIRE_MESSAGE(at != std::string::npos, "no stats frame, " << bytes.size() << " bytes: " << bytes.substr(0, 300));
    while (bytes.find("\n\n", at) == std::string::npos && Clock::now() < deadline) {
        bytes = c->read_more(100ms);
    }
    auto evs = parse_sse(bytes);
    auto hello = events_named(evs, "hello");
    REQUIRE(hello.size() == 1);
    CHECK(hello.front().data["processes"].size() == 1000);
    auto stats = events_named(evs, "stats");
    REQUIRE(stats.size() >= 1);
    const json& frame = stats.front().data;
    CHECK(frame["processes"].size() == 1000);
    for (const json& e : frame["processes"]) {
        CHECK(e.contains("id"));
        CHECK(e.contains("cpu"));
        CHECK(e.contains("memory"));
        CHECK(e.contains("uptime_ms"));
        CHECK(!e.contains("name"));  // in hello and state, not on every tick
        CHECK(!e.contains("command"));
    }
    CHECK(frame.dump().size() < 100 * 1000);
    REQUIRE(run_pm(home, {"--timeout", "90s", "delete", "many"}, {}, 100s).exit_code == 0);
}

}  // TEST_SUITE("integration/http")
