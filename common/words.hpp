// Shell-style word splitting of a single command string ("python3 -m http.server
// 8000", quotes and backslashes honoured, no expansion). Pure.
// Hand-written: wordexp(3) would expand variables and globs, which we must not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pm {

Result<std::vector<std::string>> split_words(std::string_view text);

// Quotes one word so split_words() gives it back unchanged (for display).
std::string quote_word(std::string_view word);

// "a,b,,c" -> {"a", "b", "c"}: option values that list several items.
std::vector<std::string> split_csv(std::string_view text);

}  // namespace pm
