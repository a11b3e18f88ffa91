// A documented subset of CloudWatch metric math, for GetMetricData's Expression queries:
//   - numbers, the ids of other queries, parentheses;
//   - the operators + - * / (and unary minus) between series and scalars: two series combine
//     where both have a datapoint at the same timestamp, a scalar applies to every datapoint,
//     and a division by zero gives no datapoint;
//   - SUM, AVG, MIN, MAX of a list `[m1, m2, e1 * 2]` (per timestamp, over the series that have
//     a datapoint there) or of one series (one value over the whole range, a scalar);
//   - FILL(series, value): the series with every missing timestamp of the query's range filled;
//   - ABS(x).
// Anything else (METRICS(), SEARCH, IF, RATE, ...) is refused with the position it stopped at.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nimbus::aws::cloudwatch {

// A time series: value by timestamp (epoch milliseconds).
using TimeSeries = std::map<int64_t, double>;

struct MathContext {
  // The series of another query by id, or null when no query has that id.
  std::function<const TimeSeries*(std::string_view id)> series;
  // Every period start in the query's range: what FILL fills and scalars spread over.
  std::vector<int64_t> grid;
};

// Evaluates `expression`; a scalar result becomes a datapoint at every grid timestamp. Errors are
// ValidationError with a message naming what was not understood.
Result<TimeSeries> evaluateExpression(std::string_view expression, const MathContext& context);

// The ids an expression refers to (to order queries so that each runs after what it uses).
std::vector<std::string> expressionReferences(std::string_view expression);

}  // namespace nimbus::aws::cloudwatch
