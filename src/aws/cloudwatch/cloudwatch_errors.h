// CloudWatch's validation errors, worded as the service words them, with the parameter named as
// the query protocol flattens it ("MetricData.member.2.Value") whatever the wire protocol: the
// service is awsQueryCompatible and keeps its query-era messages.
#pragma once

#include <fmt/format.h>

#include <string_view>

#include "core/result.h"

namespace nimbus::aws::cloudwatch {

inline ServiceError missingParameter(std::string_view parameter) {
  return ServiceError{"MissingParameter", fmt::format("The parameter {} is required.", parameter),
                      400};
}

inline ServiceError invalidValue(std::string_view value, std::string_view parameter) {
  return ServiceError{"InvalidParameterValue",
                      fmt::format("The value {} for parameter {} is invalid.", value, parameter),
                      400};
}

inline ServiceError invalidParameter(std::string message) {
  return ServiceError{"InvalidParameterValue", std::move(message), 400};
}

inline ServiceError invalidCombination(std::string message) {
  return ServiceError{"InvalidParameterCombination", std::move(message), 400};
}

inline ServiceError tooManyItems(std::string_view collection, size_t limit) {
  return invalidParameter(
      fmt::format("The collection {} must not have a size greater than {}.", collection, limit));
}

}  // namespace nimbus::aws::cloudwatch
