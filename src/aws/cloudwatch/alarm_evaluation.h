// How a metric alarm judges its last N periods, as CloudWatch does: each period's statistic is
// breaching, not breaching or missing; missing periods count as TreatMissingData says; M
// breaching out of N (DatapointsToAlarm out of EvaluationPeriods) is ALARM. The reason and its
// data are worded as CloudWatch words them, since people and notification parsers read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/cloudwatch/alarm.h"

namespace nimbus::aws::cloudwatch {

struct AlarmDecision {
  std::string state;  // "OK", "ALARM", "INSUFFICIENT_DATA".
  std::string reason;
  std::string reasonData;  // JSON.
};

// `points` holds the statistic of the last EvaluationPeriods periods, oldest first, the last
// one ending at `endMs`. Returns nullopt when the alarm keeps its state (TreatMissingData
// "ignore" with nothing to judge).
std::optional<AlarmDecision> evaluateAlarm(const MetricAlarm& alarm,
                                           const std::vector<std::optional<double>>& points,
                                           int64_t endMs, int64_t nowMs);

// "2026-12-08T01:01:30.123+0000": the timestamps of alarm notifications and reason data.
std::string alarmTimestamp(int64_t epochMs);

}  // namespace nimbus::aws::cloudwatch
