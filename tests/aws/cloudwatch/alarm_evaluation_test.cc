#include "aws/cloudwatch/alarm_evaluation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::aws::cloudwatch {
namespace {

MetricAlarm alarm(int n, int m, std::string missing = "missing") {
  MetricAlarm a;
  a.name = "errors";
  a.metric = {"AWS/Lambda", "Errors", {{"FunctionName", "fn"}}};
  a.statistic = "Sum";
  a.periodSec = 60;
  a.evaluationPeriods = n;
  a.datapointsToAlarm = m;
  a.threshold = 1;
  a.comparison = "GreaterThanOrEqualToThreshold";
  a.treatMissingData = std::move(missing);
  return a;
}

// 2026-12-08T01:02:00Z
constexpr int64_t kEnd = 1796691720000;

TEST(AlarmEvaluationTest, MOutOfNBreachingIsAlarmWithCloudWatchsReason) {
  auto d = evaluateAlarm(alarm(3, 2), {5.0, 0.0, 2.0}, kEnd, kEnd + 1500);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "ALARM");
  EXPECT_EQ(d->reason,
            "Threshold Crossed: 2 out of the last 3 datapoints [2.0 (08/12/26 01:01:00), 0.0 "
            "(08/12/26 01:00:00), 5.0 (08/12/26 00:59:00)] was greater than or equal to the "
            "threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).");
  auto data = nlohmann::json::parse(d->reasonData);
  EXPECT_EQ(data["recentDatapoints"], nlohmann::json({2.0, 0.0, 5.0}));
  EXPECT_EQ(data["statistic"], "Sum");
  EXPECT_EQ(data["period"], 60);
}

TEST(AlarmEvaluationTest, FewerBreachingIsOk) {
  auto d = evaluateAlarm(alarm(3, 2), {0.0, 0.0, 2.0}, kEnd, kEnd);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "OK");
  EXPECT_EQ(d->reason.substr(0, 38), "Threshold Crossed: 3 datapoints [2.0 (");
  EXPECT_NE(d->reason.find("was not greater than or equal to the threshold (1.0)."),
            std::string::npos);
}

TEST(AlarmEvaluationTest, MissingDataAsEachTreatmentSays) {
  std::vector<std::optional<double>> none{std::nullopt, std::nullopt};
  EXPECT_EQ(evaluateAlarm(alarm(2, 1), none, kEnd, kEnd)->state, "INSUFFICIENT_DATA");
  EXPECT_EQ(evaluateAlarm(alarm(2, 1), none, kEnd, kEnd)->reason,
            "Insufficient Data: 2 datapoints were unknown.");
  EXPECT_EQ(evaluateAlarm(alarm(2, 2, "breaching"), none, kEnd, kEnd)->state, "ALARM");
  EXPECT_EQ(evaluateAlarm(alarm(2, 1, "notBreaching"), none, kEnd, kEnd)->state, "OK");
  EXPECT_FALSE(evaluateAlarm(alarm(2, 1, "ignore"), none, kEnd, kEnd));
  // One breaching datapoint and one missing treated as breaching make two.
  EXPECT_EQ(evaluateAlarm(alarm(2, 2, "breaching"), {3.0, std::nullopt}, kEnd, kEnd)->state,
            "ALARM");
  EXPECT_EQ(evaluateAlarm(alarm(2, 2, "missing"), {3.0, std::nullopt}, kEnd, kEnd)->state, "OK");
}

TEST(AlarmEvaluationTest, ComparisonOperators) {
  auto a = alarm(1, 1);
  a.comparison = "LessThanThreshold";
  EXPECT_TRUE(breaches(a, 0.5));
  EXPECT_FALSE(breaches(a, 1));
  a.comparison = "GreaterThanThreshold";
  EXPECT_FALSE(breaches(a, 1));
  a.comparison = "LessThanOrEqualToThreshold";
  EXPECT_TRUE(breaches(a, 1));
}

TEST(AlarmEvaluationTest, AlarmsRoundTripThroughTheirRecord) {
  auto a = alarm(3, 2);
  a.alarmActions = {"arn:aws:sns:us-east-1:000000000000:ops"};
  a.state = "ALARM";
  a.history.push_back({5, "StateUpdate", "Alarm updated from OK to ALARM", "{}"});
  auto back = alarmFromJson(alarmToJson(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->alarmActions, a.alarmActions);
  EXPECT_EQ(back->metric.dimensions, a.metric.dimensions);
  EXPECT_EQ(back->state, "ALARM");
  EXPECT_EQ(back->history.size(), 1u);
  EXPECT_EQ(back->datapointsToAlarm, 2);
}

}  // namespace
}  // namespace nimbus::aws::cloudwatch
