// CloudWatch's Embedded Metric Format: a log event that is a JSON object with an `_aws` member
// declaring metrics (`CloudWatchMetrics`: namespace, dimension sets, metric names and units)
// whose values are members of the same object. CloudWatch turns each into metric data; so does
// nimbus, for every line a function prints. The runtime's own prefix on a line
// ("<time>\t<request id>\tINFO\t{...}") is skipped, as Lambda's console.log lines carry one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::observe {

struct EmfMetric {
  std::string ns;
  std::string name;
  std::vector<std::pair<std::string, std::string>> dimensions;  // In the set's order.
  std::vector<double> values;
  std::string unit = "None";
  int storageResolution = 60;
  int64_t timestampMs = 0;
};

// Whether `line` may hold EMF: cheap, for every line on the log path.
bool mayBeEmf(std::string_view line);

// The metrics an EMF event declares; empty when the line is not EMF or is malformed (CloudWatch
// drops an invalid EMF event's metrics and keeps the event as a log line). `error`, when given,
// gets why a line that looked like EMF was not taken.
std::vector<EmfMetric> parseEmf(std::string_view line, std::string* error = nullptr);

}  // namespace nimbus::observe
