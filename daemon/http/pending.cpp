// Stand-in until the page is built: a page that says so. Removed when
// daemon/http/page lands.
#include "daemon/http/page_asset.hpp"

namespace pm::http {

std::string_view page_html() {
    return "<!doctype html><title>pm</title><p>The web view's page is not built into this pmd.</p>";
}

}  // namespace pm::http
