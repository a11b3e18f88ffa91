// CloudWatch's datapoints in memory: one aggregate per metric, unit and time bucket (1 s wide
// for high-resolution data, 60 s otherwise), merged into wider buckets as they age, as CloudWatch
// coarsens what it keeps. Thread-safe; every call takes one short lock and does no I/O, so the
// hot paths that publish nimbus's own metrics can call it. The database writer drains its
// changes (takeChanges) and writes them off the callers' threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aws/cloudwatch/metric_aggregate.h"
#include "aws/cloudwatch/metric_types.h"

namespace nimbus::aws::cloudwatch {

// How long each bucket width is kept before it is merged into the next wider one, mirroring
// CloudWatch's retention: 1 s data for 3 hours, 1 min data for 15 days, 5 min data for 63 days,
// 1 hour data for 455 days (15 months), after which it is dropped.
struct RetentionStep {
  int32_t widthSec;
  int64_t keepMs;
  int32_t nextWidthSec;  // 0: dropped.
};
inline constexpr RetentionStep kRetention[] = {
    {1, 3LL * 3600 * 1000, 60},
    {60, 15LL * 86400 * 1000, 300},
    {300, 63LL * 86400 * 1000, 3600},
    {3600, 455LL * 86400 * 1000, 0},
};

class MetricStore {
 public:
  // One time bucket's aggregate.
  struct Bucket {
    int32_t widthSec = 60;
    Aggregate aggregate;
    bool dirty = false;  // Changed since the writer last took it.
  };

  // Adds one datum of namespace `ns` (already checked by the API) to its bucket.
  void put(std::string_view ns, const MetricDatum& datum, int64_t nowMs);
  // Adds one value at standard resolution: the cheap path for nimbus's own metrics.
  void putValue(std::string_view ns, std::string_view name, const std::vector<Dimension>& dims,
                double value, std::string_view unit, int64_t timestampMs, int64_t nowMs);

  // One period of one metric: the aggregate of every bucket whose start falls in it.
  struct PeriodAggregate {
    int64_t startMs = 0;
    std::string unit;  // Empty when the units were merged.
    Aggregate aggregate;
  };
  // The metric's data in [startMs, endMs) aggregated into periods of `periodSec` aligned on the
  // epoch, oldest first. With `unit`, only data put with that unit; without it, one aggregate
  // per unit (`splitUnits`, as GetMetricStatistics answers) or all units merged.
  std::vector<PeriodAggregate> aggregate(const MetricIdentity& metric, int64_t startMs,
                                         int64_t endMs, int64_t periodSec, std::string_view unit,
                                         bool splitUnits) const;

  struct ListFilter {
    std::optional<std::string> ns;
    std::optional<std::string> name;
    // Each dimension the metric must have, with the value it must have when given.
    std::vector<std::pair<std::string, std::optional<std::string>>> dimensions;
    int64_t activeSinceMs = 0;  // Metrics with data put at or after this time.
  };
  // The metrics that pass `filter`, sorted by namespace, name and dimensions.
  std::vector<MetricIdentity> list(const ListFilter& filter) const;

  // Merges buckets that have outlived their width into wider ones and drops those past 15
  // months (kRetention).
  void coarsen(int64_t nowMs);

  // What changed since the last call, for the database writer.
  struct SeriesRow {
    int64_t id = 0;
    MetricIdentity identity;
    int64_t lastPutMs = 0;
  };
  struct BucketRow {
    int64_t seriesId = 0;
    std::string unit;
    int64_t startSec = 0;
    int32_t widthSec = 0;
    std::optional<Aggregate> aggregate;  // nullopt: the bucket is gone (merged or expired).
  };
  struct Changes {
    std::vector<SeriesRow> series;
    std::vector<BucketRow> buckets;
    bool empty() const { return series.empty() && buckets.empty(); }
  };
  Changes takeChanges();

  // Loading what the database kept. Restored rows are not marked changed.
  void restoreSeries(int64_t id, MetricIdentity identity, int64_t lastPutMs);
  // False when no series has that id.
  bool restoreBucket(int64_t seriesId, const std::string& unit, int64_t startSec, int32_t widthSec,
                     Aggregate aggregate);

 private:
  // By (start second, width): widths differ within a metric (high-resolution data, coarsening).
  using Buckets = std::map<std::pair<int64_t, int32_t>, Bucket>;
  struct Series {
    int64_t id = 0;
    MetricIdentity identity;
    int64_t lastPutMs = 0;
    bool dirty = false;
    std::map<std::string, Buckets, std::less<>> units;  // By unit.
  };
  struct DirtyBucket {
    int64_t seriesId;
    std::string unit;
    int64_t startSec;
    int32_t widthSec;
  };

  // The series for a key made by seriesKey(), created when missing. Locked.
  Series& seriesLocked(const std::string& key, std::string_view ns, std::string_view name,
                       const std::vector<Dimension>& sortedDims);
  Bucket& bucketLocked(Series& series, std::string_view unit, int64_t timestampMs, int32_t width);
  void touchLocked(Series& series, int64_t nowMs);
  void markLocked(Series& series, const std::string& unit, std::pair<int64_t, int32_t> key,
                  Bucket& bucket);

  mutable std::mutex mutex_;
  int64_t nextId_ = 1;
  std::unordered_map<std::string, std::unique_ptr<Series>> byKey_;
  std::unordered_map<int64_t, Series*> byId_;
  std::vector<int64_t> dirtySeries_;
  std::vector<DirtyBucket> dirtyBuckets_;
};

// The key that names a metric: namespace, name and dimensions (sorted by name) with separators
// no name can contain. Written into `out` so that a caller can reuse its buffer.
void seriesKey(std::string& out, std::string_view ns, std::string_view name,
               const std::vector<Dimension>& sortedDims);

}  // namespace nimbus::aws::cloudwatch
