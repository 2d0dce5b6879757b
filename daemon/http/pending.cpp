// Stand-ins until the page and the /metrics renderer are built: a page that
// says so, and no metrics. Removed when daemon/http/page and metrics_text land.
#include "daemon/http/metrics_text.hpp"
#include "daemon/http/page_asset.hpp"

namespace pm::http {

std::string_view page_html() {
    return "<!doctype html><title>pm</title><p>The web view's page is not built into this pmd.</p>";
}

std::string render_metrics(const ipc::Services&, const HttpStats&) { return {}; }

}  // namespace pm::http
