#include "aws/cloudwatch/metric_store.h"

#include <algorithm>

namespace nimbus::aws::cloudwatch {

namespace {

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool dimsSorted(const std::vector<Dimension>& dims) {
  return std::is_sorted(dims.begin(), dims.end(),
                        [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
}

}  // namespace

void seriesKey(std::string& out, std::string_view ns, std::string_view name,
               const std::vector<Dimension>& sortedDims) {
  // Separators below any printable character: names and values are printable ASCII, so two
  // different metrics never share a key, and keys sort as namespace, name, dimensions.
  out.clear();
  out.append(ns).push_back('\x01');
  out.append(name);
  for (const auto& d : sortedDims) {
    out.push_back('\x01');
    out.append(d.name).push_back('\x02');
    out.append(d.value);
  }
}

MetricStore::Series& MetricStore::seriesLocked(const std::string& key, std::string_view ns,
                                               std::string_view name,
                                               const std::vector<Dimension>& sortedDims) {
  auto it = byKey_.find(key);
  if (it != byKey_.end()) return *it->second;
  auto series = std::make_unique<Series>();
  series->id = nextId_++;
  series->identity = MetricIdentity{std::string(ns), std::string(name), sortedDims};
  Series& ref = *series;
  byId_[ref.id] = &ref;
  byKey_.emplace(key, std::move(series));
  return ref;
}

void MetricStore::touchLocked(Series& series, int64_t nowMs) {
  series.lastPutMs = std::max(series.lastPutMs, nowMs);
  if (!series.dirty) {
    series.dirty = true;
    dirtySeries_.push_back(series.id);
  }
}

void MetricStore::markLocked(Series& series, const std::string& unit,
                             std::pair<int64_t, int32_t> key, Bucket& bucket) {
  if (bucket.dirty) return;
  bucket.dirty = true;
  dirtyBuckets_.push_back(DirtyBucket{series.id, unit, key.first, key.second});
}

MetricStore::Bucket& MetricStore::bucketLocked(Series& series, std::string_view unit,
                                               int64_t timestampMs, int32_t width) {
  auto u = series.units.find(unit);
  if (u == series.units.end()) u = series.units.emplace(std::string(unit), Buckets()).first;
  std::pair<int64_t, int32_t> key{floorDiv(timestampMs, 1000LL * width) * width, width};
  Bucket& bucket = u->second[key];
  bucket.widthSec = width;
  markLocked(series, u->first, key, bucket);
  return bucket;
}

void MetricStore::put(std::string_view ns, const MetricDatum& datum, int64_t nowMs) {
  std::vector<Dimension> dims = sortedDimensions(datum.dimensions);
  std::string key;
  seriesKey(key, ns, datum.metricName, dims);
  std::lock_guard lock(mutex_);
  Series& series = seriesLocked(key, ns, datum.metricName, dims);
  touchLocked(series, nowMs);
  Bucket& bucket =
      bucketLocked(series, datum.unit, datum.timestampMs, datum.storageResolution == 1 ? 1 : 60);
  if (datum.statisticValues) {
    bucket.aggregate.addSet(*datum.statisticValues);
    return;
  }
  for (size_t i = 0; i < datum.values.size(); ++i) {
    bucket.aggregate.add(datum.values[i], i < datum.counts.size() ? datum.counts[i] : 1.0);
  }
}

void MetricStore::putValue(std::string_view ns, std::string_view name,
                           const std::vector<Dimension>& dims, double value, std::string_view unit,
                           int64_t timestampMs, int64_t nowMs) {
  // The key buffer is kept per thread so that a steady stream of puts allocates nothing once
  // its metric and bucket exist.
  thread_local std::string key;
  const std::vector<Dimension>* sorted = &dims;
  std::vector<Dimension> copy;
  if (!dimsSorted(dims)) {
    copy = sortedDimensions(dims);
    sorted = &copy;
  }
  seriesKey(key, ns, name, *sorted);
  std::lock_guard lock(mutex_);
  Series& series = seriesLocked(key, ns, name, *sorted);
  touchLocked(series, nowMs);
  bucketLocked(series, unit, timestampMs, 60).aggregate.add(value, 1.0);
}

std::vector<MetricStore::PeriodAggregate> MetricStore::aggregate(const MetricIdentity& metric,
                                                                 int64_t startMs, int64_t endMs,
                                                                 int64_t periodSec,
                                                                 std::string_view unit,
                                                                 bool splitUnits) const {
  std::vector<PeriodAggregate> out;
  if (periodSec <= 0 || endMs <= startMs) return out;
  std::string key;
  seriesKey(key, metric.ns, metric.name, sortedDimensions(metric.dimensions));
  std::map<std::pair<int64_t, std::string>, Aggregate> periods;
  {
    std::lock_guard lock(mutex_);
    auto it = byKey_.find(key);
    if (it == byKey_.end()) return out;
    int64_t firstSec = floorDiv(startMs, 1000);
    int64_t endSec = floorDiv(endMs + 999, 1000);
    for (const auto& [unitName, buckets] : it->second->units) {
      if (!unit.empty() && unitName != unit) continue;
      auto b = buckets.lower_bound({firstSec, 0});
      for (; b != buckets.end() && b->first.first < endSec; ++b) {
        // A bucket counts when its start is in range (data inside a bucket is not resolved
        // further: a 60 s bucket starting before StartTime is outside).
        if (b->first.first * 1000 < startMs) continue;
        int64_t periodStart = floorDiv(b->first.first, periodSec) * periodSec * 1000;
        std::string label = splitUnits || !unit.empty() ? unitName : std::string();
        periods[{periodStart, std::move(label)}].merge(b->second.aggregate);
      }
    }
  }
  out.reserve(periods.size());
  for (auto& [k, aggregate] : periods) {
    out.push_back(PeriodAggregate{k.first, k.second, std::move(aggregate)});
  }
  return out;
}

std::vector<MetricIdentity> MetricStore::list(const ListFilter& filter) const {
  std::vector<std::pair<std::string, MetricIdentity>> found;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, series] : byKey_) {
      const MetricIdentity& id = series->identity;
      if (series->lastPutMs < filter.activeSinceMs) continue;
      if (filter.ns && id.ns != *filter.ns) continue;
      if (filter.name && id.name != *filter.name) continue;
      bool match =
          std::all_of(filter.dimensions.begin(), filter.dimensions.end(), [&](const auto& wanted) {
            return std::any_of(id.dimensions.begin(), id.dimensions.end(), [&](const Dimension& d) {
              return d.name == wanted.first && (!wanted.second || d.value == *wanted.second);
            });
          });
      if (match) found.emplace_back(key, id);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<MetricIdentity> out;
  out.reserve(found.size());
  for (auto& entry : found) out.push_back(std::move(entry.second));
  return out;
}

void MetricStore::coarsen(int64_t nowMs) {
  std::lock_guard lock(mutex_);
  for (auto& [key, series] : byKey_) {
    for (auto& [unitName, buckets] : series->units) {
      // Narrowest first, so that data coarsened twice in one pass lands in its final width.
      for (const RetentionStep& step : kRetention) {
        int64_t cutoffSec = floorDiv(nowMs - step.keepMs, 1000);
        for (auto b = buckets.begin(); b != buckets.end() && b->first.first < cutoffSec;) {
          if (b->first.second != step.widthSec || b->first.first + b->first.second > cutoffSec) {
            ++b;
            continue;
          }
          if (step.nextWidthSec != 0) {
            std::pair<int64_t, int32_t> wider{
                floorDiv(b->first.first, step.nextWidthSec) * step.nextWidthSec, step.nextWidthSec};
            Bucket& target = buckets[wider];
            target.widthSec = step.nextWidthSec;
            target.aggregate.merge(b->second.aggregate);
            markLocked(*series, unitName, wider, target);
          }
          // The row goes: a dirty entry whose bucket no longer exists is written as a deletion.
          dirtyBuckets_.push_back(
              DirtyBucket{series->id, unitName, b->first.first, b->first.second});
          b = buckets.erase(b);
        }
      }
    }
  }
}

MetricStore::Changes MetricStore::takeChanges() {
  Changes changes;
  std::lock_guard lock(mutex_);
  changes.series.reserve(dirtySeries_.size());
  for (int64_t id : dirtySeries_) {
    auto it = byId_.find(id);
    if (it == byId_.end()) continue;
    it->second->dirty = false;
    changes.series.push_back(SeriesRow{id, it->second->identity, it->second->lastPutMs});
  }
  dirtySeries_.clear();
  changes.buckets.reserve(dirtyBuckets_.size());
  for (auto& d : dirtyBuckets_) {
    BucketRow row{d.seriesId, std::move(d.unit), d.startSec, d.widthSec, std::nullopt};
    if (auto s = byId_.find(d.seriesId); s != byId_.end()) {
      if (auto u = s->second->units.find(row.unit); u != s->second->units.end()) {
        if (auto b = u->second.find({d.startSec, d.widthSec}); b != u->second.end()) {
          // A bucket both deleted and re-made in one batch is listed twice; the first entry
          // writes it whole, the second (clean by then) must not delete it.
          if (!b->second.dirty) continue;
          b->second.dirty = false;
          row.aggregate = b->second.aggregate;
        }
      }
    }
    changes.buckets.push_back(std::move(row));
  }
  dirtyBuckets_.clear();
  return changes;
}

void MetricStore::restoreSeries(int64_t id, MetricIdentity identity, int64_t lastPutMs) {
  identity.dimensions = sortedDimensions(std::move(identity.dimensions));
  std::string key;
  seriesKey(key, identity.ns, identity.name, identity.dimensions);
  std::lock_guard lock(mutex_);
  auto series = std::make_unique<Series>();
  series->id = id;
  series->identity = std::move(identity);
  series->lastPutMs = lastPutMs;
  byId_[id] = series.get();
  byKey_[key] = std::move(series);
  nextId_ = std::max(nextId_, id + 1);
}

bool MetricStore::restoreBucket(int64_t seriesId, const std::string& unit, int64_t startSec,
                                int32_t widthSec, Aggregate aggregate) {
  std::lock_guard lock(mutex_);
  auto s = byId_.find(seriesId);
  if (s == byId_.end()) return false;
  Bucket& bucket = s->second->units[unit][{startSec, widthSec}];
  bucket.widthSec = widthSec;
  bucket.aggregate.merge(aggregate);
  return true;
}

}  // namespace nimbus::aws::cloudwatch
