// base64 encoding for the lossless raw log mode (data_b64). Pure.
// Hand-written: a dozen lines, and no Debian C++ library we already use has it.
#pragma once

#include <string>
#include <string_view>

namespace pm {

std::string base64_encode(std::string_view bytes);

}  // namespace pm

namespace pm {

// Decodes standard base64; returns false on malformed input.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace pm
