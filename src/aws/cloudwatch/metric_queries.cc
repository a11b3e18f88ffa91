// GetMetricStatistics, GetMetricData and ListMetrics: the reads of the aggregated datapoints.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "aws/cloudwatch/cloudwatch_errors.h"
#include "aws/cloudwatch/cloudwatch_service.h"
#include "aws/cloudwatch/input.h"
#include "aws/cloudwatch/metric_math.h"

namespace nimbus::aws::cloudwatch {

using nlohmann::json;

namespace {

constexpr int64_t kMaxStatisticsDatapoints = 1440;
constexpr int64_t kDefaultMaxDatapoints = 100'800;
constexpr size_t kMaxQueries = 500;

// 1,440 as CloudWatch writes counts in its messages.
std::string withThousands(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A period CloudWatch accepts: 1, 5, 10 or 30 seconds (high-resolution data), or a multiple
// of 60.
Result<int64_t> readPeriod(const json* value, const std::string& parameter) {
  if (!value) return missingParameter(parameter);
  auto p = input::number(value);
  if (!p || *p < 1 || *p != static_cast<double>(static_cast<int64_t>(*p))) {
    return invalidValue(input::text(value).value_or(value->dump()), parameter);
  }
  auto period = static_cast<int64_t>(*p);
  if (period % 60 != 0 && period != 1 && period != 5 && period != 10 && period != 30) {
    return invalidParameter(
        fmt::format("The parameter {} must be 1, 5, 10, 30, or a multiple of 60.", parameter));
  }
  return period;
}

Result<int64_t> readTime(const json& in, const char* name) {
  const json* value = input::member(in, name);
  if (!value) return missingParameter(name);
  auto t = input::timestampMs(value);
  if (!t) return invalidValue(input::text(value).value_or(value->dump()), name);
  return *t;
}

Result<std::string> readUnit(const json* value, const std::string& parameter) {
  if (!value) return std::string();
  auto u = input::text(value);
  if (!u || !isStandardUnit(*u)) return invalidValue(u.value_or(value->dump()), parameter);
  return *u;
}

// A Metric structure (Namespace, MetricName, Dimensions) at `path` ("" at the top level).
Result<MetricIdentity> readMetric(const json& in, const std::string& path) {
  auto prefix = [&](const char* name) { return path.empty() ? std::string(name) : path + name; };
  MetricIdentity metric;
  auto ns = input::text(input::member(in, "Namespace"));
  if (!ns || ns->empty()) return missingParameter(prefix("Namespace"));
  auto name = input::text(input::member(in, "MetricName"));
  if (!name || name->empty()) return missingParameter(prefix("MetricName"));
  metric.ns = std::move(*ns);
  metric.name = std::move(*name);
  auto dims = input::list(input::member(in, "Dimensions"));
  if (!dims) return invalidValue("", prefix("Dimensions"));
  if (dims->size() > 30) return tooManyItems(prefix("Dimensions"), 30);
  for (size_t j = 0; j < dims->size(); ++j) {
    std::string at = fmt::format("{}.member.{}", prefix("Dimensions"), j + 1);
    auto dn = input::text(input::member(*(*dims)[j], "Name"));
    auto dv = input::text(input::member(*(*dims)[j], "Value"));
    if (!dn || dn->empty()) return missingParameter(at + ".Name");
    if (!dv) return missingParameter(at + ".Value");
    metric.dimensions.push_back(Dimension{std::move(*dn), std::move(*dv)});
  }
  return metric;
}

WireValue metricValue(const MetricIdentity& metric) {
  WireValue dims = WireValue::list();
  for (const auto& d : metric.dimensions) {
    dims.push(WireValue::structure()
                  .set("Name", WireValue::string(d.name))
                  .set("Value", WireValue::string(d.value)));
  }
  WireValue out = WireValue::structure();
  out.set("Namespace", WireValue::string(metric.ns));
  out.set("MetricName", WireValue::string(metric.name));
  out.set("Dimensions", std::move(dims));
  return out;
}

// One query of a GetMetricData request.
struct DataQuery {
  std::string id;
  std::string label;
  bool returnData = true;
  int64_t periodSec = 0;
  // MetricStat:
  std::optional<MetricIdentity> metric;
  Statistic stat;
  std::string unit;
  // Expression:
  std::string expression;
};

}  // namespace

Result<WireValue> CloudWatchService::getMetricStatistics(const json& in) {
  auto metric = readMetric(in, "");
  if (!metric) return metric.takeError();
  auto start = readTime(in, "StartTime");
  if (!start) return start.takeError();
  auto end = readTime(in, "EndTime");
  if (!end) return end.takeError();
  auto period = readPeriod(input::member(in, "Period"), "Period");
  if (!period) return period.takeError();
  auto unit = readUnit(input::member(in, "Unit"), "Unit");
  if (!unit) return unit.takeError();

  std::vector<Statistic> statistics;
  std::vector<Statistic> percentiles;
  auto simple = input::list(input::member(in, "Statistics"));
  auto extended = input::list(input::member(in, "ExtendedStatistics"));
  if (!simple) return invalidValue("", "Statistics");
  if (!extended) return invalidValue("", "ExtendedStatistics");
  if (simple->empty() && extended->empty()) {
    return missingParameter("Statistics or ExtendedStatistics");
  }
  if (simple->size() > 5) return tooManyItems("Statistics", 5);
  if (extended->size() > 10) return tooManyItems("ExtendedStatistics", 10);
  for (size_t i = 0; i < simple->size(); ++i) {
    auto name = input::text((*simple)[i]).value_or("");
    auto s = parseStatistic(name);
    if (!s || s->kind == Statistic::Kind::Percentile) {
      return invalidValue(name, fmt::format("Statistics.member.{}", i + 1));
    }
    statistics.push_back(*s);
  }
  for (size_t i = 0; i < extended->size(); ++i) {
    auto name = input::text((*extended)[i]).value_or("");
    auto s = parsePercentile(name);
    if (!s) return invalidValue(name, fmt::format("ExtendedStatistics.member.{}", i + 1));
    percentiles.push_back(*s);
  }
  if (*start >= *end) {
    return invalidParameter("The parameter StartTime must be less than the parameter EndTime.");
  }
  int64_t periodMs = *period * 1000;
  int64_t requested = (*end - *start + periodMs - 1) / periodMs;
  if (requested > kMaxStatisticsDatapoints) {
    return invalidCombination(fmt::format(
        "You have requested up to {} datapoints, which exceeds the limit of 1,440. You may "
        "reduce the datapoints requested by increasing Period, or decreasing the time range.",
        withThousands(requested)));
  }

  WireValue datapoints = WireValue::list();
  for (const auto& p : store_.aggregate(*metric, *start, *end, *period, *unit, true)) {
    WireValue point = WireValue::structure();
    point.set("Timestamp", WireValue::timestamp(p.startMs));
    // In the order the service writes a Datapoint's members.
    for (auto kind : {Statistic::Kind::SampleCount, Statistic::Kind::Average, Statistic::Kind::Sum,
                      Statistic::Kind::Minimum, Statistic::Kind::Maximum}) {
      for (const auto& s : statistics) {
        if (s.kind != kind) continue;
        if (auto v = p.aggregate.statistic(s)) point.set(s.name, WireValue::number(*v));
        break;
      }
    }
    point.set("Unit", WireValue::string(p.unit));
    if (!percentiles.empty()) {
      WireValue values = WireValue::map();
      for (const auto& s : percentiles) {
        if (auto v = p.aggregate.statistic(s)) values.set(s.name, WireValue::number(*v));
      }
      point.set("ExtendedStatistics", std::move(values));
    }
    datapoints.push(std::move(point));
  }
  WireValue out = WireValue::structure();
  out.set("Label", WireValue::string(metric->name));
  out.set("Datapoints", std::move(datapoints));
  return out;
}

Result<WireValue> CloudWatchService::getMetricData(const json& in) {
  auto start = readTime(in, "StartTime");
  if (!start) return start.takeError();
  auto end = readTime(in, "EndTime");
  if (!end) return end.takeError();
  if (*start >= *end) {
    return invalidParameter("The parameter StartTime must be less than the parameter EndTime.");
  }
  auto items = input::list(input::member(in, "MetricDataQueries"));
  if (!items) return invalidValue("", "MetricDataQueries");
  if (items->empty()) return missingParameter("MetricDataQueries");
  if (items->size() > kMaxQueries) return tooManyItems("MetricDataQueries", kMaxQueries);

  bool ascending = false;
  if (const json* scan = input::member(in, "ScanBy")) {
    auto s = input::text(scan).value_or("");
    if (s != "TimestampDescending" && s != "TimestampAscending") {
      return invalidValue(s, "ScanBy");
    }
    ascending = s == "TimestampAscending";
  }
  int64_t maxDatapoints = kDefaultMaxDatapoints;
  if (const json* max = input::member(in, "MaxDatapoints")) {
    auto m = input::number(max);
    if (!m || *m < 1) return invalidValue(input::text(max).value_or(max->dump()), "MaxDatapoints");
    maxDatapoints = static_cast<int64_t>(*m);
  }

  static const std::regex kId("[a-z][a-zA-Z0-9_]*");
  std::vector<DataQuery> queries;
  std::set<std::string> ids;
  for (size_t i = 0; i < items->size(); ++i) {
    const json& item = *(*items)[i];
    std::string path = fmt::format("MetricDataQueries.member.{}", i + 1);
    DataQuery q;
    auto id = input::text(input::member(item, "Id"));
    if (!id || id->empty()) return missingParameter(path + ".Id");
    if (id->size() > 255 || !std::regex_match(*id, kId)) return invalidValue(*id, path + ".Id");
    if (!ids.insert(*id).second) {
      return invalidParameter(
          fmt::format("The value {} for parameter MetricDataQueries.Id is not unique.", *id));
    }
    q.id = *id;
    if (auto r = input::boolean(input::member(item, "ReturnData"))) q.returnData = *r;
    const json* stat = input::member(item, "MetricStat");
    auto expression = input::text(input::member(item, "Expression"));
    if ((stat != nullptr) == expression.has_value()) {
      return invalidCombination(
          fmt::format("Exactly one of {0}.MetricStat and {0}.Expression must be specified.", path));
    }
    if (const json* p = input::member(item, "Period")) {
      auto period = readPeriod(p, path + ".Period");
      if (!period) return period.takeError();
      q.periodSec = *period;
    }
    if (stat) {
      const json* metric = input::member(*stat, "Metric");
      if (!metric) return missingParameter(path + ".MetricStat.Metric");
      auto m = readMetric(*metric, path + ".MetricStat.Metric.");
      if (!m) return m.takeError();
      q.metric = std::move(*m);
      auto period = readPeriod(input::member(*stat, "Period"), path + ".MetricStat.Period");
      if (!period) return period.takeError();
      q.periodSec = *period;
      auto statName = input::text(input::member(*stat, "Stat"));
      if (!statName) return missingParameter(path + ".MetricStat.Stat");
      auto s = parseStatistic(*statName);
      if (!s) return invalidValue(*statName, path + ".MetricStat.Stat");
      q.stat = *s;
      auto unit = readUnit(input::member(*stat, "Unit"), path + ".MetricStat.Unit");
      if (!unit) return unit.takeError();
      q.unit = *unit;
      q.label = q.metric->name;
    } else {
      if (expression->empty() || expression->size() > 2048) {
        return invalidValue(*expression, path + ".Expression");
      }
      q.expression = *expression;
      q.label = q.id;
    }
    if (auto label = input::text(input::member(item, "Label"))) q.label = *label;
    queries.push_back(std::move(q));
  }

  // Metric queries first; then expressions, each once what it refers to is known (an
  // expression may use another expression's id). A reference that never resolves (unknown id,
  // or a cycle) is reported by the evaluator.
  std::map<std::string, TimeSeries> results;
  for (const auto& q : queries) {
    if (!q.metric) continue;
    TimeSeries series;
    for (const auto& p : store_.aggregate(*q.metric, *start, *end, q.periodSec, q.unit, false)) {
      if (auto v = p.aggregate.statistic(q.stat)) series[p.startMs] = *v;
    }
    results[q.id] = std::move(series);
  }
  int64_t defaultPeriod = 60;
  for (const auto& q : queries) {
    if (q.metric) {
      defaultPeriod = q.periodSec;
      break;
    }
  }
  std::set<std::string> pending;
  for (const auto& q : queries) {
    if (!q.metric) pending.insert(q.id);
  }
  auto waitsOnPending = [&](const DataQuery& q) {
    auto refs = expressionReferences(q.expression);
    return std::any_of(refs.begin(), refs.end(),
                       [&](const std::string& r) { return pending.count(r) > 0; });
  };
  while (!pending.empty()) {
    // The first expression whose references are all known; when none is (a cycle), the first
    // pending one, whose evaluation then fails naming the reference it cannot resolve.
    const DataQuery* next = nullptr;
    for (const auto& q : queries) {
      if (!pending.count(q.id)) continue;
      if (!next) next = &q;
      if (!waitsOnPending(q)) {
        next = &q;
        break;
      }
    }
    const DataQuery& q = *next;
    MathContext context;
    context.series = [&](std::string_view id) -> const TimeSeries* {
      std::string key(id);
      if (pending.count(key)) return nullptr;
      auto it = results.find(key);
      return it == results.end() ? nullptr : &it->second;
    };
    int64_t periodMs = (q.periodSec > 0 ? q.periodSec : defaultPeriod) * 1000;
    for (int64_t t = (*start + periodMs - 1) / periodMs * periodMs; t < *end; t += periodMs) {
      context.grid.push_back(t);
    }
    auto series = evaluateExpression(q.expression, context);
    if (!series) {
      ServiceError e = series.takeError();
      e.message = fmt::format("Error in expression {}: {}", q.id, e.message);
      return e;
    }
    results[q.id] = std::move(*series);
    pending.erase(q.id);
  }

  // Paging runs over the returned datapoints in order (query by query): the token is the
  // position of the first datapoint of the next page.
  int64_t offset = 0;
  if (const json* token = input::member(in, "NextToken")) {
    auto t = input::text(token).value_or("");
    char* endp = nullptr;
    long long v = std::strtoll(t.c_str(), &endp, 10);
    if (t.empty() || *endp != '\0' || v < 0) {
      return ServiceError{"InvalidNextToken", "The service failed to process the NextToken.", 400};
    }
    offset = v;
  }
  int64_t pageEnd = offset + maxDatapoints;
  int64_t position = 0;
  WireValue resultList = WireValue::list();
  for (const auto& q : queries) {
    if (!q.returnData) continue;
    const TimeSeries& series = results[q.id];
    std::vector<std::pair<int64_t, double>> points(series.begin(), series.end());
    if (!ascending) std::reverse(points.begin(), points.end());
    WireValue timestamps = WireValue::list();
    WireValue values = WireValue::list();
    bool more = false;
    for (const auto& [t, v] : points) {
      if (position >= offset && position < pageEnd) {
        timestamps.push(WireValue::timestamp(t));
        values.push(WireValue::number(v));
      } else if (position >= pageEnd) {
        more = true;
      }
      ++position;
    }
    WireValue result = WireValue::structure();
    result.set("Id", WireValue::string(q.id));
    result.set("Label", WireValue::string(q.label));
    result.set("Timestamps", std::move(timestamps));
    result.set("Values", std::move(values));
    result.set("StatusCode", WireValue::string(more ? "PartialData" : "Complete"));
    resultList.push(std::move(result));
  }
  if (offset > position) {
    return ServiceError{"InvalidNextToken", "The service failed to process the NextToken.", 400};
  }
  WireValue out = WireValue::structure();
  out.set("MetricDataResults", std::move(resultList));
  if (position > pageEnd) out.set("NextToken", WireValue::string(std::to_string(pageEnd)));
  out.set("Messages", WireValue::list());
  return out;
}

}  // namespace nimbus::aws::cloudwatch

namespace nimbus::aws::cloudwatch {

Result<WireValue> CloudWatchService::listMetrics(const json& in) {
  constexpr size_t kPageSize = 500;
  MetricStore::ListFilter filter;
  if (auto ns = input::text(input::member(in, "Namespace"))) filter.ns = std::move(*ns);
  if (auto name = input::text(input::member(in, "MetricName"))) filter.name = std::move(*name);
  auto dims = input::list(input::member(in, "Dimensions"));
  if (!dims) return invalidValue("", "Dimensions");
  if (dims->size() > 10) return tooManyItems("Dimensions", 10);
  for (size_t j = 0; j < dims->size(); ++j) {
    auto name = input::text(input::member(*(*dims)[j], "Name"));
    if (!name || name->empty()) {
      return missingParameter(fmt::format("Dimensions.member.{}.Name", j + 1));
    }
    filter.dimensions.emplace_back(std::move(*name),
                                   input::text(input::member(*(*dims)[j], "Value")));
  }
  // ListMetrics shows metrics with data in the last two weeks, or the last three hours with
  // RecentlyActive=PT3H.
  int64_t nowMs = now();
  filter.activeSinceMs = nowMs - 14LL * 86400 * 1000;
  if (const json* recent = input::member(in, "RecentlyActive")) {
    auto r = input::text(recent).value_or("");
    if (r != "PT3H") return invalidValue(r, "RecentlyActive");
    filter.activeSinceMs = nowMs - 3LL * 3600 * 1000;
  }
  size_t offset = 0;
  if (const json* token = input::member(in, "NextToken")) {
    auto t = input::text(token).value_or("");
    char* end = nullptr;
    unsigned long long v = std::strtoull(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0') return invalidValue(t, "NextToken");
    offset = v;
  }
  auto metrics = store_.list(filter);
  WireValue list = WireValue::list();
  for (size_t i = offset; i < metrics.size() && i < offset + kPageSize; ++i) {
    list.push(metricValue(metrics[i]));
  }
  WireValue out = WireValue::structure();
  out.set("Metrics", std::move(list));
  if (offset + kPageSize < metrics.size()) {
    out.set("NextToken", WireValue::string(std::to_string(offset + kPageSize)));
  }
  return out;
}

}  // namespace nimbus::aws::cloudwatch
