// Ecosystem file text as PM2 reads it: JSON with comments and trailing
// commas, YAML with its scalar types, errors with line and column.
#include <doctest/doctest.h>

#include "cli/ecosystem.hpp"
#include "cli/ecosystem_text.hpp"

using namespace pm;
using namespace pm::cli;

TEST_CASE("ecosystem JSON accepts comments and trailing commas, and keeps // inside strings") {
    auto doc = parse_lenient_json(R"({
  // PM2 files often carry comments
  "apps": [
    {
      "name": "web", /* inline */
      "script": "server.js",
      "env": {"URL": "http://example.com//x", "Q": "a,]b",},
    },
  ],
})");
    REQUIRE_MESSAGE(doc.has_value(), (doc ? "" : doc.error().message));
    CHECK((*doc)["apps"].size() == 1);
    CHECK((*doc)["apps"][0]["name"] == "web");
    CHECK((*doc)["apps"][0]["env"]["URL"] == "http://example.com//x");
    CHECK((*doc)["apps"][0]["env"]["Q"] == "a,]b");
}

TEST_CASE("ecosystem JSON syntax errors name the line and column") {
    auto doc = parse_lenient_json("{\n  \"apps\": [\n    {\"name\": \"web\" \"script\": \"x\"}\n  ]\n}\n");
    REQUIRE_FALSE(doc.has_value());
    CHECK(doc.error().message.find("not valid JSON") != std::string::npos);
    CHECK(doc.error().message.find("line 3, column") != std::string::npos);
}

TEST_CASE("ecosystem YAML gives the same document, quoted scalars stay strings") {
    auto doc = parse_yaml(R"(apps:
  - name: api
    script: ./api.py
    instances: 2
    autorestart: false
    max_memory_restart: 200M
    env:
      PORT: "8080"
      RATIO: 0.5
      EMPTY: ~
)");
    REQUIRE_MESSAGE(doc.has_value(), (doc ? "" : doc.error().message));
    const json& app = (*doc)["apps"][0];
    CHECK(app["name"] == "api");
    CHECK(app["instances"] == 2);
    CHECK(app["autorestart"] == false);
    CHECK(app["max_memory_restart"] == "200M");
    CHECK(app["env"]["PORT"] == "8080");
    CHECK(app["env"]["RATIO"] == 0.5);
    CHECK(app["env"]["EMPTY"].is_null());
}

TEST_CASE("ecosystem YAML errors name the line and column") {
    auto doc = parse_yaml("apps:\n  - name: a\n    script: [unclosed\n");
    REQUIRE_FALSE(doc.has_value());
    CHECK(doc.error().message.find("not valid YAML: line") != std::string::npos);
}

TEST_CASE("ecosystem file formats are told by name, as PM2 tells them") {
    CHECK(ecosystem_format("ecosystem.config.js") == EcoFormat::javascript);
    CHECK(ecosystem_format("/x/pm2.config.cjs") == EcoFormat::javascript);
    CHECK(ecosystem_format("ecosystem.mjs") == EcoFormat::javascript);
    CHECK(ecosystem_format("app.js") == EcoFormat::none);  // a program, run as one
    CHECK(ecosystem_format("apps.yml") == EcoFormat::yaml);
    CHECK(ecosystem_format("apps.yaml") == EcoFormat::yaml);
    CHECK(ecosystem_format("apps.json") == EcoFormat::json);
    CHECK(ecosystem_format("Procfile") == EcoFormat::procfile);
}

TEST_CASE("ecosystem one app object without apps is one app, named after its script without the extension") {
    Ecosystem eco = parse_ecosystem_doc(json{{"script", "/bin/server.sh"}, {"args", "--port 1"}}, "/tmp");
    REQUIRE_MESSAGE(eco.errors.empty(), eco.errors.front());
    REQUIRE(eco.apps.size() == 1);
    CHECK(eco.apps[0].name == "server");
    Ecosystem bad = parse_ecosystem_doc(json{{"nothing", 1}}, "/tmp");
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].find("one app object") != std::string::npos);
}
