// Stand-in until the /metrics renderer is built: no metrics. Removed when
// metrics_text lands.
#include "daemon/http/metrics_text.hpp"

namespace pm::http {

std::string render_metrics(const ipc::Services&, const HttpStats&) { return {}; }

}  // namespace pm::http
