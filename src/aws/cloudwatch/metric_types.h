// The values CloudWatch metrics are made of: dimensions, what PutMetricData takes for one metric,
// and the statistics a query asks for. Shared by the store, the metric math and the API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::aws::cloudwatch {

struct Dimension {
  std::string name;
  std::string value;
  bool operator==(const Dimension&) const = default;
};

// A statistic set as PutMetricData's StatisticValues carries it: values aggregated by the caller.
struct StatisticSet {
  double sampleCount = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;
};

// One metric's data as PutMetricData takes it: either values (each with a count, 1 when no
// counts are given; a single Value is a one-element list) or a statistic set.
struct MetricDatum {
  std::string metricName;
  std::vector<Dimension> dimensions;
  int64_t timestampMs = 0;
  std::string unit = "None";  // A StandardUnit name ("Count", "Milliseconds", ...) or "None".
  std::vector<double> values;
  std::vector<double> counts;  // Empty, or one per value.
  std::optional<StatisticSet> statisticValues;
  int storageResolution = 60;  // 1 (high resolution) or 60 seconds.
};

// What names one metric: CloudWatch treats each combination of namespace, name and dimension set
// as its own metric. Dimensions are kept sorted by name, so that the order a caller lists them
// in does not make a different metric.
struct MetricIdentity {
  std::string ns;
  std::string name;
  std::vector<Dimension> dimensions;
};

// A statistic a query asks for: the five simple ones, or a percentile ("p99", "p99.9").
struct Statistic {
  enum class Kind { SampleCount, Average, Sum, Minimum, Maximum, Percentile };
  Kind kind = Kind::Average;
  double percentile = 0;  // 0..100 for Kind::Percentile.
  std::string name;       // As the caller wrote it, for answers keyed by statistic.
};

// "Average", "p90", "p99.99"; nullopt for anything else (trimmed means and the other extended
// statistics CloudWatch has are not supported).
std::optional<Statistic> parseStatistic(std::string_view text);
// Only "pNN" forms (ExtendedStatistics refuses the simple names).
std::optional<Statistic> parsePercentile(std::string_view text);

// True for the StandardUnit names CloudWatch accepts.
bool isStandardUnit(std::string_view unit);

// `dims` sorted by name (stable for equal names), as MetricIdentity keeps them.
std::vector<Dimension> sortedDimensions(std::vector<Dimension> dims);

}  // namespace nimbus::aws::cloudwatch
