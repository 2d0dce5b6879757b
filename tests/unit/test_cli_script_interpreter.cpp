// Unit tests for PM2's interpreter rules (which program runs a script) and
// the probe of the script file they read.
#include "cli/script_interpreter.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using pm::cli::interpreter_for;
using pm::cli::ScriptFile;
using Words = std::vector<std::string>;

namespace {

ScriptFile text_file(bool executable, Words shebang = {}) {
    return ScriptFile{.exists = true, .executable = executable, .binary = false, .shebang = std::move(shebang)};
}

// A scratch directory removed at the end of the test.
struct Scratch {
    std::string dir;
    Scratch() {
        char tmpl[] = "/tmp/pm-interp-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    std::string write(const std::string& name, const std::string& text, mode_t mode) const {
        std::string p = dir + "/" + name;
        std::ofstream(p, std::ios::binary) << text;
        ::chmod(p.c_str(), mode);
        return p;
    }
};

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("a known extension picks PM2's interpreter, whatever the file's execute bit") {
    const std::pair<const char*, const char*> cases[] = {
        {"app.js", "node"}, {"app.cjs", "node"}, {"app.mjs", "node"}, {"srv.py", "python3"}, {"run.sh", "bash"},
        {"app.rb", "ruby"}, {"i.php", "php"},    {"t.pl", "perl"},    {"main.ts", "bun"},    {"ui.tsx", "bun"},
    };
    for (const auto& [script, interp] : cases) {
        CAPTURE(script);
        CHECK(interpreter_for(script, std::nullopt, text_file(true)) == Words{interp});
        CHECK(interpreter_for(script, std::nullopt, ScriptFile{}) == Words{interp});
    }
}

TEST_CASE("the interpreter key wins over the extension, and none runs the file directly") {
    CHECK(interpreter_for("app.js", std::string("/opt/node20/bin/node"), text_file(false)) ==
          Words{"/opt/node20/bin/node"});
    CHECK(interpreter_for("app.js", std::string("none"), text_file(false)).empty());
    CHECK(interpreter_for("tool", std::string("python3"), text_file(true)) == Words{"python3"});
}

TEST_CASE("a file with no known extension: run directly when executable, by its shebang when not, else node") {
    CHECK(interpreter_for("bin/server", std::nullopt, text_file(true, {"/usr/bin/env", "python3"})).empty());
    CHECK(interpreter_for("bin/server", std::nullopt, text_file(false, {"/usr/bin/env", "python3"})) ==
          Words{"/usr/bin/env", "python3"});
    CHECK(interpreter_for("bin/server", std::nullopt, text_file(false)) == Words{"node"});
    ScriptFile binary{.exists = true, .executable = false, .binary = true, .shebang = {}};
    CHECK(interpreter_for("bin/server", std::nullopt, binary).empty());
    CHECK(interpreter_for("missing", std::nullopt, ScriptFile{}).empty());
}

TEST_CASE("probe_script reads the execute bit, the shebang and binary content") {
    Scratch s;
    s.write("tool", "#!/usr/bin/env  python3 -u \nprint(1)\n", 0644);
    auto tool = pm::cli::probe_script("tool", s.dir);
    CHECK(tool.exists);
    CHECK_FALSE(tool.executable);
    CHECK(tool.shebang == Words{"/usr/bin/env", "python3 -u"});

    auto exe = pm::cli::probe_script(s.write("exe", "#!/bin/sh\n", 0755), "/");
    CHECK(exe.executable);
    CHECK(exe.shebang == Words{"/bin/sh"});

    auto bin = pm::cli::probe_script(s.write("bin",
                                             std::string("\x7f"
                                                         "ELF\0\0",
                                                         6),
                                             0644),
                                     "/");
    CHECK(bin.binary);
    CHECK(bin.shebang.empty());

    CHECK_FALSE(pm::cli::probe_script("nope", s.dir).exists);
    CHECK_FALSE(pm::cli::probe_script(s.dir, "/").exists);  // a directory is no script
}

TEST_CASE("python interpreters are recognised by their base name") {
    CHECK(pm::cli::is_python("python3"));
    CHECK(pm::cli::is_python("/usr/bin/python3.11"));
    CHECK(pm::cli::is_python("python"));
    CHECK_FALSE(pm::cli::is_python("node"));
    CHECK_FALSE(pm::cli::is_python("/opt/python3/bin/node"));
}

}  // TEST_SUITE("cli")
