#include "aws/cloudwatch/alarm.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "aws/cloudwatch/input.h"

namespace nimbus::aws::cloudwatch {

namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 4> kComparisons = {
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold"};
constexpr std::array<std::string_view, 4> kMissingData = {"breaching", "notBreaching", "ignore",
                                                          "missing"};
constexpr std::array<std::string_view, 5> kStatistics = {"SampleCount", "Average", "Sum", "Minimum",
                                                         "Maximum"};

ServiceError missing(std::string_view member) {
  return {"MissingParameter", fmt::format("The parameter {} is required.", member), 400};
}

ServiceError invalidValue(std::string_view message) {
  return {"InvalidParameterValue", std::string(message), 400};
}

template <size_t N>
bool oneOf(const std::array<std::string_view, N>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

Result<std::vector<std::string>> actions(const json& input, std::string_view member) {
  std::vector<std::string> out;
  auto items = input::list(input::member(input, member));
  if (!items) return out;
  if (items->size() > 5) {
    return invalidValue(
        fmt::format("The collection {} must not have a size greater than 5.", member));
  }
  for (const auto* item : *items) {
    auto arn = input::text(item);
    if (!arn || !arn->starts_with("arn:")) {
      return invalidValue(fmt::format("Invalid arn syntax: {}", arn.value_or("")));
    }
    out.push_back(*arn);
  }
  return out;
}

json stringList(const std::vector<std::string>& items) {
  json out = json::array();
  for (const auto& i : items) out.push_back(i);
  return out;
}

WireValue wireList(const std::vector<std::string>& items) {
  WireValue out = WireValue::list();
  for (const auto& i : items) out.push(WireValue::string(i));
  return out;
}

}  // namespace

Result<MetricAlarm> readAlarm(const json& in, const std::string& region,
                              const std::string& accountId, int64_t nowMs) {
  MetricAlarm a;
  auto name = input::text(input::member(in, "AlarmName"));
  if (!name || name->empty()) return missing("AlarmName");
  if (name->size() > 255) {
    return invalidValue("The parameter AlarmName must be shorter than 256 characters.");
  }
  a.name = *name;
  a.arn = fmt::format("arn:aws:cloudwatch:{}:{}:alarm:{}", region, accountId, a.name);
  a.description = input::text(input::member(in, "AlarmDescription")).value_or("");
  a.actionsEnabled = input::boolean(input::member(in, "ActionsEnabled")).value_or(true);
  for (auto [member, target] :
       {std::pair{"OKActions", &a.okActions}, std::pair{"AlarmActions", &a.alarmActions},
        std::pair{"InsufficientDataActions", &a.insufficientDataActions}}) {
    auto list = actions(in, member);
    if (!list) return list.takeError();
    *target = std::move(*list);
  }
  if (input::member(in, "Metrics")) {
    return invalidValue("Alarms on metric math expressions (Metrics) are not supported by nimbus.");
  }
  auto metricName = input::text(input::member(in, "MetricName"));
  auto ns = input::text(input::member(in, "Namespace"));
  if (!metricName) return missing("MetricName");
  if (!ns) return missing("Namespace");
  a.metric.ns = *ns;
  a.metric.name = *metricName;
  if (auto dims = input::list(input::member(in, "Dimensions"))) {
    for (const auto* d : *dims) {
      auto dn = input::text(input::member(*d, "Name"));
      auto dv = input::text(input::member(*d, "Value"));
      if (!dn || !dv) return missing("Dimensions.member.Name");
      a.metric.dimensions.push_back({*dn, *dv});
    }
  }
  a.metric.dimensions = sortedDimensions(std::move(a.metric.dimensions));
  auto statistic = input::text(input::member(in, "Statistic"));
  auto extended = input::text(input::member(in, "ExtendedStatistic"));
  if (statistic && extended) {
    return ServiceError{"InvalidParameterCombination",
                        "Exactly one of the parameters Statistic or ExtendedStatistic must be "
                        "specified.",
                        400};
  }
  if (!statistic && !extended) return missing("Statistic");
  if (statistic && !oneOf(kStatistics, *statistic)) {
    return invalidValue(
        fmt::format("The parameter Statistic must be one of SampleCount, Average, "
                    "Sum, Minimum, Maximum; got {}.",
                    *statistic));
  }
  if (extended && !parsePercentile(*extended)) {
    return invalidValue(
        fmt::format("The parameter ExtendedStatistic must be a percentile; got {}.", *extended));
  }
  a.statistic = statistic ? *statistic : *extended;
  a.extendedStatistic = !statistic;
  auto period = input::number(input::member(in, "Period"));
  if (!period) return missing("Period");
  a.periodSec = static_cast<int64_t>(*period);
  bool highResolution = a.periodSec == 10 || a.periodSec == 30;
  if (a.periodSec <= 0 || (!highResolution && a.periodSec % 60 != 0)) {
    return invalidValue("The parameter Period must be 10, 30 or a multiple of 60.");
  }
  a.unit = input::text(input::member(in, "Unit")).value_or("");
  if (!a.unit.empty() && !isStandardUnit(a.unit)) {
    return invalidValue(fmt::format("The parameter Unit has an invalid value: {}.", a.unit));
  }
  auto evaluation = input::number(input::member(in, "EvaluationPeriods"));
  if (!evaluation) return missing("EvaluationPeriods");
  a.evaluationPeriods = static_cast<int>(*evaluation);
  if (a.evaluationPeriods < 1) {
    return invalidValue("The parameter EvaluationPeriods must be greater than or equal to 1.");
  }
  if (a.periodSec * a.evaluationPeriods > 86400 * 7) {
    return invalidValue(
        "Metrics cannot be checked across more than a week (EvaluationPeriods * "
        "Period must be <= 604800).");
  }
  a.datapointsToAlarm = static_cast<int>(
      input::number(input::member(in, "DatapointsToAlarm")).value_or(a.evaluationPeriods));
  if (a.datapointsToAlarm < 1 || a.datapointsToAlarm > a.evaluationPeriods) {
    return invalidValue(
        "DatapointsToAlarm must be greater than 0 and less than or equal to EvaluationPeriods.");
  }
  auto threshold = input::number(input::member(in, "Threshold"));
  if (!threshold) return missing("Threshold");
  a.threshold = *threshold;
  auto comparison = input::text(input::member(in, "ComparisonOperator"));
  if (!comparison) return missing("ComparisonOperator");
  if (!oneOf(kComparisons, *comparison)) {
    return invalidValue(
        fmt::format("The parameter ComparisonOperator has an unsupported value: {}.", *comparison));
  }
  a.comparison = *comparison;
  a.treatMissingData = input::text(input::member(in, "TreatMissingData")).value_or("missing");
  if (!oneOf(kMissingData, a.treatMissingData)) {
    return invalidValue(
        "The parameter TreatMissingData must be one of breaching, notBreaching, ignore, missing.");
  }
  a.configurationUpdatedMs = nowMs;
  a.stateUpdatedMs = nowMs;
  return a;
}

WireValue alarmWire(const MetricAlarm& a) {
  WireValue out = WireValue::structure();
  out.set("AlarmName", WireValue::string(a.name));
  out.set("AlarmArn", WireValue::string(a.arn));
  if (!a.description.empty()) out.set("AlarmDescription", WireValue::string(a.description));
  out.set("AlarmConfigurationUpdatedTimestamp", WireValue::timestamp(a.configurationUpdatedMs));
  out.set("ActionsEnabled", WireValue::boolean(a.actionsEnabled));
  out.set("OKActions", wireList(a.okActions));
  out.set("AlarmActions", wireList(a.alarmActions));
  out.set("InsufficientDataActions", wireList(a.insufficientDataActions));
  out.set("StateValue", WireValue::string(a.state));
  out.set("StateReason", WireValue::string(a.stateReason));
  if (!a.stateReasonData.empty()) out.set("StateReasonData", WireValue::string(a.stateReasonData));
  out.set("StateUpdatedTimestamp", WireValue::timestamp(a.stateUpdatedMs));
  out.set("MetricName", WireValue::string(a.metric.name));
  out.set("Namespace", WireValue::string(a.metric.ns));
  out.set(a.extendedStatistic ? "ExtendedStatistic" : "Statistic", WireValue::string(a.statistic));
  WireValue dims = WireValue::list();
  for (const auto& d : a.metric.dimensions) {
    WireValue dim = WireValue::structure();
    dim.set("Name", WireValue::string(d.name));
    dim.set("Value", WireValue::string(d.value));
    dims.push(std::move(dim));
  }
  out.set("Dimensions", std::move(dims));
  out.set("Period", WireValue::integer(a.periodSec));
  if (!a.unit.empty()) out.set("Unit", WireValue::string(a.unit));
  out.set("EvaluationPeriods", WireValue::integer(a.evaluationPeriods));
  out.set("DatapointsToAlarm", WireValue::integer(a.datapointsToAlarm));
  out.set("Threshold", WireValue::number(a.threshold));
  out.set("ComparisonOperator", WireValue::string(a.comparison));
  out.set("TreatMissingData", WireValue::string(a.treatMissingData));
  out.set("StateTransitionedTimestamp", WireValue::timestamp(a.stateUpdatedMs));
  return out;
}

std::string alarmToJson(const MetricAlarm& a) {
  json dims = json::array();
  for (const auto& d : a.metric.dimensions) dims.push_back({{"name", d.name}, {"value", d.value}});
  json history = json::array();
  for (const auto& h : a.history) {
    history.push_back(
        {{"timestamp", h.timestampMs}, {"type", h.type}, {"summary", h.summary}, {"data", h.data}});
  }
  json out{{"name", a.name},
           {"arn", a.arn},
           {"description", a.description},
           {"actionsEnabled", a.actionsEnabled},
           {"okActions", stringList(a.okActions)},
           {"alarmActions", stringList(a.alarmActions)},
           {"insufficientDataActions", stringList(a.insufficientDataActions)},
           {"namespace", a.metric.ns},
           {"metricName", a.metric.name},
           {"dimensions", dims},
           {"statistic", a.statistic},
           {"extendedStatistic", a.extendedStatistic},
           {"period", a.periodSec},
           {"unit", a.unit},
           {"evaluationPeriods", a.evaluationPeriods},
           {"datapointsToAlarm", a.datapointsToAlarm},
           {"threshold", a.threshold},
           {"comparison", a.comparison},
           {"treatMissingData", a.treatMissingData},
           {"configurationUpdatedMs", a.configurationUpdatedMs},
           {"state", a.state},
           {"stateReason", a.stateReason},
           {"stateReasonData", a.stateReasonData},
           {"stateUpdatedMs", a.stateUpdatedMs},
           {"history", history}};
  return out.dump();
}

std::optional<MetricAlarm> alarmFromJson(const std::string& text) {
  json in = json::parse(text, nullptr, false);
  if (!in.is_object()) return std::nullopt;
  try {
    MetricAlarm a;
    a.name = in.at("name").get<std::string>();
    a.arn = in.at("arn").get<std::string>();
    a.description = in.value("description", "");
    a.actionsEnabled = in.value("actionsEnabled", true);
    a.okActions = in.value("okActions", std::vector<std::string>{});
    a.alarmActions = in.value("alarmActions", std::vector<std::string>{});
    a.insufficientDataActions = in.value("insufficientDataActions", std::vector<std::string>{});
    a.metric.ns = in.at("namespace").get<std::string>();
    a.metric.name = in.at("metricName").get<std::string>();
    for (const auto& d : in.at("dimensions")) {
      a.metric.dimensions.push_back(
          {d.at("name").get<std::string>(), d.at("value").get<std::string>()});
    }
    a.statistic = in.at("statistic").get<std::string>();
    a.extendedStatistic = in.value("extendedStatistic", false);
    a.periodSec = in.at("period").get<int64_t>();
    a.unit = in.value("unit", "");
    a.evaluationPeriods = in.at("evaluationPeriods").get<int>();
    a.datapointsToAlarm = in.at("datapointsToAlarm").get<int>();
    a.threshold = in.at("threshold").get<double>();
    a.comparison = in.at("comparison").get<std::string>();
    a.treatMissingData = in.value("treatMissingData", "missing");
    a.configurationUpdatedMs = in.value("configurationUpdatedMs", int64_t{0});
    a.state = in.value("state", "INSUFFICIENT_DATA");
    a.stateReason = in.value("stateReason", "");
    a.stateReasonData = in.value("stateReasonData", "");
    a.stateUpdatedMs = in.value("stateUpdatedMs", int64_t{0});
    for (const auto& h : in.value("history", json::array())) {
      a.history.push_back({h.at("timestamp").get<int64_t>(), h.at("type").get<std::string>(),
                           h.at("summary").get<std::string>(), h.at("data").get<std::string>()});
    }
    return a;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

bool breaches(const MetricAlarm& a, double value) {
  if (a.comparison == "GreaterThanOrEqualToThreshold") return value >= a.threshold;
  if (a.comparison == "GreaterThanThreshold") return value > a.threshold;
  if (a.comparison == "LessThanThreshold") return value < a.threshold;
  return value <= a.threshold;
}

std::string regionDisplayName(const std::string& region) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"us-east-1", "US East (N. Virginia)"},
      {"us-east-2", "US East (Ohio)"},
      {"us-west-1", "US West (N. California)"},
      {"us-west-2", "US West (Oregon)"},
      {"eu-west-1", "EU (Ireland)"},
      {"eu-west-2", "EU (London)"},
      {"eu-west-3", "EU (Paris)"},
      {"eu-central-1", "EU (Frankfurt)"},
      {"eu-north-1", "EU (Stockholm)"},
      {"ap-southeast-1", "Asia Pacific (Singapore)"},
      {"ap-southeast-2", "Asia Pacific (Sydney)"},
      {"ap-northeast-1", "Asia Pacific (Tokyo)"},
      {"ap-south-1", "Asia Pacific (Mumbai)"},
      {"sa-east-1", "South America (Sao Paulo)"},
      {"ca-central-1", "Canada (Central)"}};
  for (const auto& [code, name] : kNames) {
    if (region == code) return name;
  }
  return region;
}

}  // namespace nimbus::aws::cloudwatch
