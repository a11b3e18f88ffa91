// The in-memory aggregates: statistics and percentiles, period aggregation, coarsening with age
// and the change log the database writer drains.
#include "aws/cloudwatch/metric_store.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nimbus::aws::cloudwatch {
namespace {

constexpr int64_t kNowMs = 1'796'731'200'000;  // 2026-12-08T12:00:00Z

Statistic stat(std::string_view name) {
  return *parseStatistic(name);
}

TEST(ValueSketch, PercentilesAreWithinOnePercent) {
  Aggregate a;
  for (int i = 1; i <= 1000; ++i) a.add(i, 1);
  EXPECT_EQ(*a.statistic(stat("SampleCount")), 1000);
  EXPECT_EQ(*a.statistic(stat("Average")), 500.5);
  EXPECT_EQ(*a.statistic(stat("Minimum")), 1);
  EXPECT_EQ(*a.statistic(stat("Maximum")), 1000);
  EXPECT_NEAR(*a.statistic(stat("p50")), 500, 5);
  EXPECT_NEAR(*a.statistic(stat("p99")), 990, 10);
  EXPECT_NEAR(*a.statistic(stat("p99.9")), 999, 10);
  EXPECT_EQ(*a.statistic(stat("p100")), 1000);
  EXPECT_EQ(*a.statistic(stat("p0")), 1);
}

TEST(ValueSketch, NegativeValuesAndSpreadSetsGiveNoPercentiles) {
  Aggregate negative;
  negative.add(5, 1);
  negative.add(-1, 1);
  EXPECT_FALSE(negative.statistic(stat("p50")).has_value());
  EXPECT_EQ(*negative.statistic(stat("Sum")), 4);

  Aggregate same;
  same.addSet(StatisticSet{3, 21, 7, 7});
  EXPECT_EQ(*same.statistic(stat("p50")), 7);
  Aggregate spread;
  spread.addSet(StatisticSet{3, 21, 1, 10});
  EXPECT_FALSE(spread.statistic(stat("p50")).has_value());
}

TEST(ValueSketch, SerializesAndMerges) {
  Aggregate a;
  a.add(0, 2);
  a.add(12.5, 3);
  ValueSketch copy;
  ASSERT_TRUE(ValueSketch::parse(a.sketch.serialize(), copy));
  Aggregate b;
  b.sampleCount = a.sampleCount;
  b.sum = a.sum;
  b.minimum = a.minimum;
  b.maximum = a.maximum;
  b.sketch = copy;
  EXPECT_EQ(*b.statistic(stat("p20")), 0);
  EXPECT_NEAR(*b.statistic(stat("p90")), 12.5, 0.13);
  EXPECT_FALSE(ValueSketch::parse("xy", copy));
}

TEST(Statistics, ParsesSimpleAndPercentileNames) {
  EXPECT_EQ(parseStatistic("Maximum")->kind, Statistic::Kind::Maximum);
  EXPECT_EQ(parseStatistic("p99.5")->percentile, 99.5);
  EXPECT_FALSE(parseStatistic("p101").has_value());
  EXPECT_FALSE(parseStatistic("tm99").has_value());
  EXPECT_FALSE(parsePercentile("Average").has_value());
}

MetricDatum datum(std::string name, double value, int64_t ts, int resolution = 60) {
  MetricDatum d;
  d.metricName = std::move(name);
  d.values = {value};
  d.timestampMs = ts;
  d.storageResolution = resolution;
  return d;
}

TEST(MetricStore, AggregatesIntoPeriodsPerUnit) {
  MetricStore store;
  MetricDatum a = datum("M", 1, kNowMs - 170'000);  // 11:57:10
  a.dimensions = {{"b", "2"}, {"a", "1"}};
  store.put("NS", a, kNowMs);
  MetricDatum b = datum("M", 3, kNowMs - 110'000);  // 11:58:10
  b.dimensions = {{"a", "1"}, {"b", "2"}};          // The same metric: order does not matter.
  store.put("NS", b, kNowMs);
  MetricDatum c = b;
  c.unit = "Count";
  store.put("NS", c, kNowMs);

  MetricIdentity metric{"NS", "M", {{"a", "1"}, {"b", "2"}}};
  auto split = store.aggregate(metric, kNowMs - 3'600'000, kNowMs, 300, "", true);
  ASSERT_EQ(split.size(), 2u);
  EXPECT_EQ(split[0].startMs, kNowMs - 300'000);
  EXPECT_EQ(split[0].unit, "Count");
  EXPECT_EQ(split[1].unit, "None");
  EXPECT_EQ(split[1].aggregate.sum, 4);
  auto merged = store.aggregate(metric, kNowMs - 3'600'000, kNowMs, 60, "", false);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[1].aggregate.sum, 6);
  auto counts = store.aggregate(metric, kNowMs - 3'600'000, kNowMs, 60, "Count", true);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_TRUE(store.aggregate(MetricIdentity{"NS", "M", {}}, 0, kNowMs, 60, "", true).empty());
}

TEST(MetricStore, HighResolutionBucketsAreOneSecond) {
  MetricStore store;
  store.put("NS", datum("M", 1, kNowMs - 10'500, 1), kNowMs);
  store.put("NS", datum("M", 2, kNowMs - 9'500, 1), kNowMs);
  auto points =
      store.aggregate(MetricIdentity{"NS", "M", {}}, kNowMs - 60'000, kNowMs, 1, "", false);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].startMs, kNowMs - 11'000);
  EXPECT_EQ(points[1].startMs, kNowMs - 10'000);
}

TEST(MetricStore, CoarsensWithAgeAndLogsChanges) {
  MetricStore store;
  int64_t t0 = kNowMs - 4 * 3'600'000;  // Four hours ago: 1 s buckets become 1 min ones.
  store.put("NS", datum("M", 1, t0 + 1'000, 1), kNowMs);
  store.put("NS", datum("M", 2, t0 + 2'000, 1), kNowMs);
  auto changes = store.takeChanges();
  EXPECT_EQ(changes.series.size(), 1u);
  EXPECT_EQ(changes.buckets.size(), 2u);
  EXPECT_TRUE(store.takeChanges().empty());

  store.coarsen(kNowMs);
  changes = store.takeChanges();
  // The minute bucket is written and both second buckets deleted.
  ASSERT_EQ(changes.buckets.size(), 3u);
  int written = 0;
  for (const auto& b : changes.buckets) {
    if (b.aggregate) {
      ++written;
      EXPECT_EQ(b.widthSec, 60);
      EXPECT_EQ(b.aggregate->sum, 3);
    } else {
      EXPECT_EQ(b.widthSec, 1);
    }
  }
  EXPECT_EQ(written, 1);

  // Past 15 months, data is dropped.
  store.coarsen(kNowMs + 500LL * 86'400'000);
  EXPECT_TRUE(store.aggregate(MetricIdentity{"NS", "M", {}}, 0, kNowMs + 1, 60, "", false).empty());
}

TEST(MetricStore, ListsWithFilters) {
  MetricStore store;
  MetricDatum a = datum("Errors", 1, kNowMs);
  a.dimensions = {{"FunctionName", "f"}};
  store.put("AWS/Lambda", a, kNowMs);
  store.put("AWS/Lambda", datum("Errors", 1, kNowMs), kNowMs - 5 * 3'600'000);
  store.put("App", datum("Hits", 1, kNowMs), kNowMs);
  MetricStore::ListFilter filter;
  EXPECT_EQ(store.list(filter).size(), 3u);
  filter.ns = "AWS/Lambda";
  EXPECT_EQ(store.list(filter).size(), 2u);
  filter.dimensions = {{"FunctionName", std::nullopt}};
  EXPECT_EQ(store.list(filter).size(), 1u);
  filter.dimensions = {{"FunctionName", "g"}};
  EXPECT_TRUE(store.list(filter).empty());
  filter.dimensions.clear();
  filter.activeSinceMs = kNowMs - 3 * 3'600'000;
  EXPECT_EQ(store.list(filter).size(), 1u);
}

}  // namespace
}  // namespace nimbus::aws::cloudwatch
