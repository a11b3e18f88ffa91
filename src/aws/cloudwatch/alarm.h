// A CloudWatch metric alarm: what PutMetricAlarm defines (one metric, a statistic over a period,
// a threshold, M out of N datapoints, the treatment of missing data, actions per state) and the
// state it is in. Read from any of the three protocols' inputs, answered as DescribeAlarms
// writes it, and kept in the store as JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/cloudwatch/metric_types.h"
#include "aws/cloudwatch/wire_value.h"
#include "core/result.h"

namespace nimbus::aws::cloudwatch {

struct AlarmHistoryItem {
  int64_t timestampMs = 0;
  std::string type;  // "StateUpdate", "ConfigurationUpdate", "Action".
  std::string summary;
  std::string data;  // JSON.
};

struct MetricAlarm {
  std::string name;
  std::string arn;
  std::string description;
  bool actionsEnabled = true;
  std::vector<std::string> okActions;
  std::vector<std::string> alarmActions;
  std::vector<std::string> insufficientDataActions;
  MetricIdentity metric;
  std::string statistic;  // "Sum", "Average", ... or a percentile ("p99") when extended.
  bool extendedStatistic = false;
  int64_t periodSec = 60;
  std::string unit;  // Empty: any.
  int evaluationPeriods = 1;
  int datapointsToAlarm = 1;
  double threshold = 0;
  std::string comparison;  // "GreaterThanOrEqualToThreshold", ...
  std::string treatMissingData = "missing";
  int64_t configurationUpdatedMs = 0;

  std::string state = "INSUFFICIENT_DATA";
  std::string stateReason = "Unchecked: Initial alarm creation";
  std::string stateReasonData;
  int64_t stateUpdatedMs = 0;
  std::vector<AlarmHistoryItem> history;  // Newest last, bounded.
};

// PutMetricAlarm's input, checked as CloudWatch checks it.
Result<MetricAlarm> readAlarm(const nlohmann::json& input, const std::string& region,
                              const std::string& accountId, int64_t nowMs);

// One MetricAlarms member of DescribeAlarms.
WireValue alarmWire(const MetricAlarm& alarm);

std::string alarmToJson(const MetricAlarm& alarm);
std::optional<MetricAlarm> alarmFromJson(const std::string& text);

// True when `value` crosses the threshold the way the alarm's operator says.
bool breaches(const MetricAlarm& alarm, double value);

// "US East (N. Virginia)": the region's name, as alarm notifications give it.
std::string regionDisplayName(const std::string& region);

}  // namespace nimbus::aws::cloudwatch
