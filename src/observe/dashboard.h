// The web dashboard, GET /_nimbus/ on the AWS endpoint: one self-contained page
// (dashboard/index.html, embedded into the binary at build time) that reads the AWS APIs and
// /_nimbus/metrics of the same origin and follows /_nimbus/events.
#pragma once

#include <string_view>

namespace nimbus::observe {

extern const std::string_view kDashboardHtml;

}  // namespace nimbus::observe
