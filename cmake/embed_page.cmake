# Turns the web page (INPUT, an HTML file) into a C++ source (OUTPUT) that
# defines pm::http::page_html(). Run at build time by daemon/CMakeLists.txt:
#   cmake -DINPUT=... -DOUTPUT=... -P embed_page.cmake
# The page is kept as one raw string literal so the generated file reads like
# the page itself; the delimiter is checked not to occur in it.
if(NOT INPUT OR NOT OUTPUT)
  message(FATAL_ERROR "embed_page.cmake: INPUT and OUTPUT are required")
endif()
file(READ "${INPUT}" page)
set(delim "pm_page_html")
string(FIND "${page}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains \")${delim}\"\", which would end the raw string early")
endif()
file(WRITE "${OUTPUT}.tmp"
"// Generated at build time from daemon/http/page/index.html by cmake/embed_page.cmake: do not edit.
#include \"daemon/http/page_asset.hpp\"

namespace pm::http {
namespace {

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored \"-Woverlength-strings\"
#endif
constexpr char k_page[] = R\"${delim}(${page})${delim}\";
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

}  // namespace

std::string_view page_html() { return {k_page, sizeof(k_page) - 1}; }

}  // namespace pm::http
")
# Only touch OUTPUT when it changed, so an unchanged page rebuilds nothing.
configure_file("${OUTPUT}.tmp" "${OUTPUT}" COPYONLY)
file(REMOVE "${OUTPUT}.tmp")
