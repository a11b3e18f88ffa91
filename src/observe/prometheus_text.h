// Prometheus' text exposition format (version 0.0.4) for `/_nimbus/metrics`: the counters and
// histograms of FunctionMetrics, and gauges the caller reads from the services at scrape time
// (environments per function, messages per queue).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "observe/function_metrics.h"

namespace nimbus::observe {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct GaugeFamily {
  std::string name;  // "nimbus_lambda_environments"
  std::string help;
  std::vector<std::pair<Labels, double>> samples;
};

// The exposition: every family with its HELP and TYPE lines, label values escaped.
std::string prometheusText(const FunctionMetrics& metrics, const std::vector<GaugeFamily>& gauges,
                           uint64_t droppedLogLines);

}  // namespace nimbus::observe
