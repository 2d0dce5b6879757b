// The embedded web page: present, small, self-contained, no HTML built from data.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "daemon/http/page_asset.hpp"

namespace {

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

}  // namespace

TEST_CASE("page: the embedded page is the whole of index.html and under 100 KB") {
    std::string_view page = pm::http::page_html();
    REQUIRE_FALSE(page.empty());
    CHECK(page.size() < 100 * 1024);
    CHECK(page.substr(0, 15) == "<!doctype html>");
    CHECK(contains(page, "</html>"));
    std::ifstream in(PM_SOURCE_DIR "/daemon/http/page/index.html", std::ios::binary);
    REQUIRE(in);
    std::ostringstream src;
    src << in.rdbuf();
    CHECK(page == src.str());  // byte for byte: nothing lost or added by the embedding
}

TEST_CASE("page: loads nothing from another host") {
    std::string_view page = pm::http::page_html();
    // The CSP forbids other hosts anyway; the page must not even try (no CDN, no fonts).
    CHECK_FALSE(contains(page, "http://"));
    CHECK_FALSE(contains(page, "https://"));
    CHECK_FALSE(contains(page, "src=\"//"));
    CHECK_FALSE(contains(page, "<link rel=\"stylesheet\""));
    // Every API URL is relative, so the page works behind a proxy prefix.
    CHECK(contains(page, "'api/v1/events"));
    CHECK_FALSE(contains(page, "'/api/"));
}

TEST_CASE("page: process names and log lines are never parsed as HTML") {
    std::string_view page = pm::http::page_html();
    // Names and lines are user data: the page builds its DOM with textContent only.
    CHECK_FALSE(contains(page, "innerHTML"));
    CHECK_FALSE(contains(page, "outerHTML"));
    CHECK_FALSE(contains(page, "insertAdjacentHTML"));
    CHECK_FALSE(contains(page, "document.write"));
    CHECK_FALSE(contains(page, "eval("));
}
