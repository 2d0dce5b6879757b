// PM2's interpreter rules, and the one probe of the script file they need.
#include "cli/script_interpreter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>

namespace pm::cli {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The words of a "#!" line as the kernel reads it: the interpreter, then at
// most one argument (the rest of the line, trimmed).
std::vector<std::string> shebang_words(std::string_view block) {
    if (block.substr(0, 2) != "#!") {
        return {};
    }
    std::string_view line =
        block.substr(2, block.find('\n') == std::string_view::npos ? std::string_view::npos : block.find('\n') - 2);
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
            s.remove_prefix(1);
        }
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
            s.remove_suffix(1);
        }
        return s;
    };
    line = trim(line);
    if (line.empty()) {
        return {};
    }
    auto sp = line.find_first_of(" \t");
    std::vector<std::string> words{std::string(line.substr(0, sp))};
    if (sp != std::string_view::npos && !trim(line.substr(sp)).empty()) {
        words.emplace_back(trim(line.substr(sp)));
    }
    return words;
}

}  // namespace

ScriptFile probe_script(const std::string& path, const std::string& cwd) {
    std::string full = (!path.empty() && path[0] == '/') || cwd.empty() ? path : cwd + "/" + path;
    ScriptFile f;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return f;
    }
    f.exists = true;
    f.executable = ::access(full.c_str(), X_OK) == 0;
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return f;
    }
    std::array<char, 512> buf{};
    ssize_t n = ::read(fd, buf.data(), buf.size());
    ::close(fd);
    std::string_view block(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
    f.binary = block.find('\0') != std::string_view::npos;
    f.shebang = f.binary ? std::vector<std::string>{} : shebang_words(block);
    return f;
}

std::optional<std::string> interpreter_for_extension(std::string_view script) {
    static constexpr std::pair<std::string_view, std::string_view> k_map[] = {
        {".js", "node"}, {".cjs", "node"}, {".mjs", "node"}, {".py", "python3"}, {".sh", "bash"},       {".rb", "ruby"},
        {".php", "php"}, {".pl", "perl"},  {".ts", "bun"},   {".tsx", "bun"},    {".coffee", "coffee"}, {".ls", "lsc"},
    };
    for (const auto& [ext, interp] : k_map) {
        if (ends_with(script, ext)) {
            return std::string(interp);
        }
    }
    return std::nullopt;
}

std::vector<std::string> interpreter_for(std::string_view script, const std::optional<std::string>& interpreter,
                                         const ScriptFile& file) {
    if (interpreter) {
        return *interpreter == "none" || interpreter->empty() ? std::vector<std::string>{}
                                                              : std::vector<std::string>{*interpreter};
    }
    if (auto by_ext = interpreter_for_extension(script)) {
        return {*by_ext};
    }
    if (!file.exists || file.executable || file.binary) {
        return {};  // run as it is: the kernel runs it, or the spawn names why not
    }
    if (!file.shebang.empty()) {
        return file.shebang;
    }
    return {"node"};
}

bool is_python(std::string_view interpreter) {
    auto base = interpreter.substr(interpreter.rfind('/') == std::string_view::npos ? 0 : interpreter.rfind('/') + 1);
    return base.rfind("python", 0) == 0;
}

}  // namespace pm::cli
