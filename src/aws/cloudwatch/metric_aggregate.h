// The aggregate CloudWatch keeps per metric and time bucket: sample count, sum, minimum and
// maximum, plus a bounded sketch of the values from which percentiles are answered.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/cloudwatch/metric_types.h"

namespace nimbus::aws::cloudwatch {

// A log-scale histogram of positive values (the DDSketch idea): a value v falls in bin
// ceil(log(v) / log(gamma)) with gamma = 1.02, so any percentile read back is within 1% of a
// value that was put (relative error), whatever the spread. Bins are few (35 per doubling, a few
// hundred for latencies from microseconds to minutes) and kept in a sorted vector, so memory is
// bounded by the range of values, not by their number. Zero is its own
// bin. CloudWatch gives no percentiles once a negative value is in the data, nor for statistic
// sets whose values spread (SampleCount > 1 and Minimum < Maximum); `unavailable` records that.
class ValueSketch {
 public:
  void add(double value, double count);
  void merge(const ValueSketch& other);
  // The value at quantile q (0..1) of what was added, clamped to [minimum, maximum]; nullopt when
  // empty or unavailable.
  std::optional<double> quantile(double q, double minimum, double maximum) const;

  bool unavailable() const { return unavailable_; }
  void markUnavailable() { unavailable_ = true; }

  // A compact binary form for the database, and its reader (false on damaged input).
  std::string serialize() const;
  static bool parse(std::string_view bytes, ValueSketch& out);

 private:
  std::vector<std::pair<int32_t, double>> bins_;  // (bin index, count), sorted by index.
  double zeros_ = 0;
  bool unavailable_ = false;
};

// SampleCount, Sum, Minimum and Maximum of one bucket, with its value sketch.
struct Aggregate {
  double sampleCount = 0;
  double sum = 0;
  double minimum = std::numeric_limits<double>::infinity();
  double maximum = -std::numeric_limits<double>::infinity();
  ValueSketch sketch;

  void add(double value, double count);
  void addSet(const StatisticSet& set);
  void merge(const Aggregate& other);
  bool empty() const { return sampleCount <= 0; }
  // The statistic's value, or nullopt (a percentile that cannot be answered, an empty bucket).
  std::optional<double> statistic(const Statistic& s) const;
};

}  // namespace nimbus::aws::cloudwatch
