#include "aws/cloudwatch/alarm_evaluation.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/time_format.h"

namespace nimbus::aws::cloudwatch {

namespace {

std::string comparisonText(const std::string& op) {
  if (op == "GreaterThanOrEqualToThreshold") return "greater than or equal to";
  if (op == "GreaterThanThreshold") return "greater than";
  if (op == "LessThanThreshold") return "less than";
  return "less than or equal to";
}

// Numbers as CloudWatch's reasons print them: "5.0", "12.5".
std::string decimal(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{:.1f}", v);
  return fmt::format("{}", v);
}

// "(08/12/26 01:00:00)": a datapoint's period start in a reason.
std::string reasonTime(int64_t epochMs) {
  return utcText(epochMs, "%d/%m/%y %H:%M:%S");
}

std::string plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string alarmTimestamp(int64_t epochMs) {
  return fmt::format("{}.{:03}+0000", utcText(epochMs, "%Y-%m-%dT%H:%M:%S"), epochMs % 1000);
}

std::optional<AlarmDecision> evaluateAlarm(const MetricAlarm& alarm,
                                           const std::vector<std::optional<double>>& points,
                                           int64_t endMs, int64_t nowMs) {
  const int64_t periodMs = alarm.periodSec * 1000;
  const size_t n = points.size();
  size_t breaching = 0;
  size_t known = 0;
  // The datapoints a reason lists: newest first, with their period's start.
  std::vector<std::pair<double, int64_t>> listed;
  nlohmann::json evaluated = nlohmann::json::array();
  for (size_t i = n; i-- > 0;) {
    int64_t start = endMs - static_cast<int64_t>(n - i) * periodMs;
    const auto& p = points[i];
    if (p) {
      ++known;
      if (breaches(alarm, *p)) ++breaching;
      listed.emplace_back(*p, start);
      evaluated.push_back({{"timestamp", alarmTimestamp(start)}, {"value", *p}});
    } else if (alarm.treatMissingData == "breaching") {
      ++known;
      ++breaching;
    } else if (alarm.treatMissingData == "notBreaching") {
      ++known;
    }
  }
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& [v, _] : listed) recent.push_back(v);
  nlohmann::json data{
      {"version", "1.0"},
      {"queryDate", alarmTimestamp(nowMs)},
      {"startDate", alarmTimestamp(endMs - static_cast<int64_t>(n) * periodMs)},
      {alarm.extendedStatistic ? "extendedStatistic" : "statistic", alarm.statistic},
      {"period", alarm.periodSec},
      {"recentDatapoints", recent},
      {"threshold", alarm.threshold},
      {"evaluatedDatapoints", evaluated}};
  std::string values;
  for (const auto& [v, start] : listed) {
    values += fmt::format("{}{} ({})", values.empty() ? "" : ", ", decimal(v), reasonTime(start));
  }
  AlarmDecision decision;
  decision.reasonData = data.dump();
  if (breaching >= static_cast<size_t>(alarm.datapointsToAlarm)) {
    decision.state = "ALARM";
    decision.reason = fmt::format(
        "Threshold Crossed: {} out of the last {} datapoints [{}] was {} the threshold ({}) "
        "(minimum "
        "{} for OK -> ALARM transition).",
        breaching, n, values, comparisonText(alarm.comparison), decimal(alarm.threshold),
        plural(static_cast<size_t>(alarm.datapointsToAlarm), "datapoint"));
    return decision;
  }
  if (known == 0) {
    if (alarm.treatMissingData == "ignore") return std::nullopt;
    decision.state = "INSUFFICIENT_DATA";
    decision.reason = fmt::format("Insufficient Data: {} {} unknown.", plural(n, "datapoint"),
                                  n == 1 ? "was" : "were");
    return decision;
  }
  decision.state = "OK";
  decision.reason = fmt::format("Threshold Crossed: {} [{}] was not {} the threshold ({}).",
                                plural(listed.size(), "datapoint"), values,
                                comparisonText(alarm.comparison), decimal(alarm.threshold));
  return decision;
}

}  // namespace nimbus::aws::cloudwatch
