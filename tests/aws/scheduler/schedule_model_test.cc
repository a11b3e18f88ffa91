// CreateSchedule's checks on a request body, the stored form of a schedule, GetSchedule's shape,
// and the payload a firing delivers.
#include "aws/scheduler/schedule_model.h"

#include <gtest/gtest.h>

#include "aws/scheduler/schedule_delivery.h"

namespace nimbus::aws::scheduler {
namespace {

using nlohmann::json;

json validBody() {
  return json::parse(R"json({
    "ScheduleExpression": "cron(0 9 ? * MON-FRI *)",
    "ScheduleExpressionTimezone": "Europe/Berlin",
    "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
    "ActionAfterCompletion": "DELETE",
    "StartDate": 1796000000,
    "Target": {
      "Arn": "arn:aws:lambda:us-east-1:000000000000:function:report",
      "RoleArn": "arn:aws:iam::000000000000:role/scheduler",
      "Input": "{\"at\":\"<aws.scheduler.scheduled-time>\"}",
      "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3},
      "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"}
    }})json");
}

std::string refusal(json body) {
  Schedule s;
  s.name = "n";
  auto status = readScheduleRequest(body, s);
  return status.ok() ? "(accepted)" : status.error().code + ": " + status.error().message;
}

TEST(ScheduleModel, ReadsAndStoresAWholeSchedule) {
  Schedule s;
  s.name = "report";
  ASSERT_TRUE(readScheduleRequest(validBody(), s).ok());
  EXPECT_EQ(s.timezone, "Europe/Berlin");
  EXPECT_EQ(s.maximumWindowInMinutes, 15);
  EXPECT_EQ(s.startDateMs, 1796000000000);
  EXPECT_EQ(s.target.maximumRetryAttempts, 3);
  s.creationDateMs = 1;
  s.lastModificationDateMs = 2;
  auto back = parseScheduleRecord(scheduleRecord(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(scheduleRecord(*back), scheduleRecord(s));

  const json api = scheduleJson(s, SchedulerLocation{});
  EXPECT_EQ(api["Arn"], "arn:aws:scheduler:us-east-1:000000000000:schedule/default/report");
  EXPECT_EQ(api["ActionAfterCompletion"], "DELETE");
  EXPECT_EQ(api["Target"]["RetryPolicy"]["MaximumEventAgeInSeconds"], 3600);
  EXPECT_EQ(api["Target"]["DeadLetterConfig"]["Arn"], "arn:aws:sqs:us-east-1:000000000000:dlq");
  EXPECT_EQ(api["StartDate"], 1796000000.0);
}

TEST(ScheduleModel, RefusesWhatSchedulerRefuses) {
  json body = validBody();
  body["ScheduleExpression"] = "rate(1 minutes)";
  EXPECT_EQ(refusal(body), "ValidationException: Invalid Schedule Expression rate(1 minutes)");
  body = validBody();
  body["ScheduleExpressionTimezone"] = "Mars/Olympus_Mons";
  EXPECT_EQ(refusal(body), "ValidationException: Invalid time zone Mars/Olympus_Mons");
  body = validBody();
  body.erase("FlexibleTimeWindow");
  EXPECT_EQ(refusal(body),
            "ValidationException: 1 validation error detected: Value null at "
            "'flexibleTimeWindow' failed to satisfy constraint: Member must not be null");
  body = validBody();
  body["FlexibleTimeWindow"] = {{"Mode", "FLEXIBLE"}};
  EXPECT_NE(refusal(body), "(accepted)");
  body = validBody();
  body["Target"]["Input"] = "not json";
  EXPECT_NE(refusal(body), "(accepted)");
  body = validBody();
  body["Target"]["RetryPolicy"]["MaximumRetryAttempts"] = 186;
  EXPECT_NE(refusal(body), "(accepted)");
  body = validBody();
  body["EndDate"] = 1700000000;
  EXPECT_EQ(refusal(body), "ValidationException: The StartDate must come before the EndDate.");
  body = validBody();
  body["ActionAfterCompletion"] = "KEEP";
  EXPECT_NE(refusal(body), "(accepted)");
  body = validBody();
  body["Target"]["Arn"] = "arn:aws:sqs:us-east-1:000000000000:jobs";
  body["Target"]["Input"] = "plain text is fine for a queue";
  EXPECT_EQ(refusal(body), "(accepted)");
}

TEST(ScheduleModel, NamesOfSchedulesAndGroups) {
  EXPECT_TRUE(validResourceName("nightly-report_v2.1"));
  EXPECT_FALSE(validResourceName(""));
  EXPECT_FALSE(validResourceName("a/b"));
  EXPECT_FALSE(validResourceName(std::string(65, 'a')));
}

TEST(ScheduleDelivery, FillsTheContextAttributesOfTheInput) {
  Firing firing;
  firing.scheduleArn = "arn:aws:scheduler:us-east-1:000000000000:schedule/default/s";
  firing.scheduledMs = 1796000000000;
  firing.executionId = "e-1";
  EXPECT_EQ(firingPayload(firing, 1), "{}");
  firing.target.input =
      "<aws.scheduler.schedule-arn> <aws.scheduler.scheduled-time> "
      "<aws.scheduler.execution-id> <aws.scheduler.attempt-number>";
  EXPECT_EQ(firingPayload(firing, 2),
            "arn:aws:scheduler:us-east-1:000000000000:schedule/default/s 2026-11-30T00:53:20Z "
            "e-1 2");
}

}  // namespace
}  // namespace nimbus::aws::scheduler
