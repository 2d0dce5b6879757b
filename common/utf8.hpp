// UTF-8 helpers: validity boundaries for cutting child output safely. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pm {

// Largest cut position <= max such that bytes [0, cut) do not end inside a
// multibyte sequence (backs off at most 3 bytes). Returns max when the text
// is not UTF-8 at that point anyway.
std::size_t utf8_safe_cut(std::string_view text, std::size_t max);

// Copy of `bytes` with every invalid sequence replaced by U+FFFD.
std::string utf8_sanitize(std::string_view bytes);

}  // namespace pm
