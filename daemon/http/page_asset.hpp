// The web view's one page (HTML with its CSS and JS inline), embedded in pmd
// at build time from daemon/http/page/index.html.
#pragma once

#include <string_view>

namespace pm::http {

std::string_view page_html();

}  // namespace pm::http
