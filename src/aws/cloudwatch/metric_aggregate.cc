#include "aws/cloudwatch/metric_aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace nimbus::aws::cloudwatch {

namespace {

constexpr double kGamma = 1.02;
const double kLogGamma = std::log(kGamma);
// Values below this count as zero: their bins would be far from any real measurement.
constexpr double kSmallest = 1e-9;

int32_t binOf(double value) {
  return static_cast<int32_t>(std::ceil(std::log(value) / kLogGamma));
}

// The representative value of a bin: the point whose relative distance to both edges is equal.
double valueOf(int32_t bin) {
  return 2.0 * std::pow(kGamma, bin) / (kGamma + 1.0);
}

void addToBin(std::vector<std::pair<int32_t, double>>& bins, int32_t bin, double count) {
  auto it = std::lower_bound(bins.begin(), bins.end(), bin,
                             [](const auto& entry, int32_t b) { return entry.first < b; });
  if (it != bins.end() && it->first == bin) {
    it->second += count;
  } else {
    bins.insert(it, {bin, count});
  }
}

}  // namespace

void ValueSketch::add(double value, double count) {
  if (count <= 0) return;
  if (value < 0) {
    unavailable_ = true;
    return;
  }
  if (value < kSmallest) {
    zeros_ += count;
    return;
  }
  addToBin(bins_, binOf(value), count);
}

void ValueSketch::merge(const ValueSketch& other) {
  unavailable_ = unavailable_ || other.unavailable_;
  zeros_ += other.zeros_;
  for (const auto& [bin, count] : other.bins_) addToBin(bins_, bin, count);
}

std::optional<double> ValueSketch::quantile(double q, double minimum, double maximum) const {
  if (unavailable_) return std::nullopt;
  double total = zeros_;
  for (const auto& entry : bins_) total += entry.second;
  if (total <= 0) return std::nullopt;
  // The extremes are known exactly; the sketch only approximates them.
  if (q >= 1) return maximum;
  if (q <= 0) return minimum;
  // The nearest-rank value: the smallest one with at least q of the data at or below it.
  double rank = std::max(q * total, 0.0);
  double seen = zeros_;
  double value = maximum;
  if (seen >= rank && zeros_ > 0) {
    value = 0;
  } else {
    for (const auto& [bin, count] : bins_) {
      seen += count;
      if (seen >= rank) {
        value = valueOf(bin);
        break;
      }
    }
  }
  return std::clamp(value, minimum, maximum);
}

std::string ValueSketch::serialize() const {
  // [flags:1][zeros:8][n × (bin:4, count:8)], host byte order (the file stays on this machine).
  std::string out;
  out.resize(1 + sizeof(double) + bins_.size() * (sizeof(int32_t) + sizeof(double)));
  char* p = out.data();
  *p++ = unavailable_ ? 1 : 0;
  std::memcpy(p, &zeros_, sizeof zeros_);
  p += sizeof zeros_;
  for (const auto& [bin, count] : bins_) {
    std::memcpy(p, &bin, sizeof bin);
    p += sizeof bin;
    std::memcpy(p, &count, sizeof count);
    p += sizeof count;
  }
  return out;
}

bool ValueSketch::parse(std::string_view bytes, ValueSketch& out) {
  constexpr size_t kEntry = sizeof(int32_t) + sizeof(double);
  if (bytes.size() < 1 + sizeof(double) || (bytes.size() - 1 - sizeof(double)) % kEntry != 0) {
    return false;
  }
  out = ValueSketch{};
  const char* p = bytes.data();
  out.unavailable_ = *p++ != 0;
  std::memcpy(&out.zeros_, p, sizeof(double));
  p += sizeof(double);
  size_t n = (bytes.size() - 1 - sizeof(double)) / kEntry;
  out.bins_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    int32_t bin = 0;
    double count = 0;
    std::memcpy(&bin, p, sizeof bin);
    p += sizeof bin;
    std::memcpy(&count, p, sizeof count);
    p += sizeof count;
    addToBin(out.bins_, bin, count);
  }
  return true;
}

void Aggregate::add(double value, double count) {
  sampleCount += count;
  sum += value * count;
  minimum = std::min(minimum, value);
  maximum = std::max(maximum, value);
  sketch.add(value, count);
}

void Aggregate::addSet(const StatisticSet& set) {
  sampleCount += set.sampleCount;
  sum += set.sum;
  minimum = std::min(minimum, set.minimum);
  maximum = std::max(maximum, set.maximum);
  // Percentiles need the values themselves; a set tells them only when they are all one value.
  if (set.sampleCount == 1 || set.minimum == set.maximum) {
    sketch.add(set.minimum, set.sampleCount);
  } else {
    sketch.markUnavailable();
  }
}

void Aggregate::merge(const Aggregate& other) {
  sampleCount += other.sampleCount;
  sum += other.sum;
  minimum = std::min(minimum, other.minimum);
  maximum = std::max(maximum, other.maximum);
  sketch.merge(other.sketch);
}

std::optional<double> Aggregate::statistic(const Statistic& s) const {
  if (empty()) return std::nullopt;
  switch (s.kind) {
    case Statistic::Kind::SampleCount:
      return sampleCount;
    case Statistic::Kind::Average:
      return sum / sampleCount;
    case Statistic::Kind::Sum:
      return sum;
    case Statistic::Kind::Minimum:
      return minimum;
    case Statistic::Kind::Maximum:
      return maximum;
    case Statistic::Kind::Percentile:
      return sketch.quantile(s.percentile / 100.0, minimum, maximum);
  }
  return std::nullopt;
}

}  // namespace nimbus::aws::cloudwatch
