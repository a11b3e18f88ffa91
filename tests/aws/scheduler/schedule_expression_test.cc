// Schedule expressions: what EventBridge rules and EventBridge Scheduler accept, the errors they
// answer, and the instants each expression fires at (rate anchors, cron's L, W and #, leap years,
// time zones across daylight-saving changes, at()).
#include "aws/scheduler/schedule_expression.h"

#include <gtest/gtest.h>

#include <string>

#include "schedule_test_support.h"

namespace nimbus::aws::scheduler {
namespace {

using testing::isoUtc;
using testing::utcMs;

ScheduleExpression parsed(std::string_view text, std::string_view zone = "UTC") {
  auto result = ScheduleExpression::parse(text, zone);
  EXPECT_TRUE(result.ok()) << text << " in " << zone << ": "
                           << ScheduleExpression::problem(text, zone);
  if (!result.ok()) return *ScheduleExpression::parse("rate(1 day)");
  return *result;
}

// The next firing after `after` (UTC) as ISO text, or "never".
std::string next(std::string_view text, const std::string& after, std::string_view zone = "UTC") {
  auto fire = parsed(text, zone).nextFireAfterMs(utcMs(after));
  return fire ? isoUtc(*fire) : "never";
}

// The first `count` firings after `after`, joined by spaces.
std::string firings(std::string_view text, const std::string& after, int count,
                    std::string_view zone = "UTC") {
  const ScheduleExpression expr = parsed(text, zone);
  std::string out;
  int64_t at = utcMs(after);
  for (int i = 0; i < count; ++i) {
    auto fire = expr.nextFireAfterMs(at);
    if (!fire) return out + "never";
    out += (out.empty() ? "" : " ") + isoUtc(*fire);
    at = *fire;
  }
  return out;
}

bool accepted(std::string_view text, ScheduleApi api = ScheduleApi::kScheduler) {
  return ScheduleExpression::parse(text, "UTC", api).ok();
}

TEST(ScheduleExpressionRate, FiresFromTheAnchorEveryPeriod) {
  const ScheduleExpression every5 = parsed("rate(5 minutes)");
  EXPECT_EQ(every5.kind(), ScheduleExpression::Kind::kRate);
  EXPECT_EQ(every5.ratePeriodMs(), 300'000);
  EXPECT_FALSE(every5.isOneTime());
  const int64_t anchor = utcMs("2026-12-07T10:00:30");
  EXPECT_EQ(every5.nextFireAfterMs(anchor - 1, anchor), anchor);
  EXPECT_EQ(every5.nextFireAfterMs(anchor, anchor), anchor + 300'000);
  EXPECT_EQ(every5.nextFireAfterMs(anchor + 1, anchor), anchor + 300'000);
  EXPECT_EQ(every5.nextFireAfterMs(anchor + 300'000, anchor), anchor + 600'000);
  EXPECT_EQ(every5.nextFireAfterMs(anchor - 10'000'000, anchor), anchor);
  EXPECT_EQ(parsed("rate(1 hour)").ratePeriodMs(), 3'600'000);
  EXPECT_EQ(parsed("rate(3 days)").ratePeriodMs(), 3 * 86'400'000LL);
  EXPECT_EQ(parsed("rate(1 minute)").ratePeriodMs(), 60'000);
}

TEST(ScheduleExpressionRate, SingularForOneAndPluralOtherwise) {
  EXPECT_TRUE(accepted("rate(1 minute)"));
  EXPECT_TRUE(accepted("rate(1 hour)"));
  EXPECT_TRUE(accepted("rate(1 day)"));
  EXPECT_TRUE(accepted("rate(2 days)"));
  EXPECT_FALSE(accepted("rate(1 minutes)"));
  EXPECT_FALSE(accepted("rate(5 minute)"));
  EXPECT_FALSE(accepted("rate(0 minutes)"));
  EXPECT_FALSE(accepted("rate(-1 minutes)"));
  EXPECT_FALSE(accepted("rate(5 weeks)"));
  EXPECT_FALSE(accepted("rate(5minutes)"));
  EXPECT_FALSE(accepted("rate(1.5 hours)"));
  EXPECT_FALSE(accepted("rate()"));
  EXPECT_FALSE(accepted("rate(5 minutes"));
  EXPECT_FALSE(accepted("RATE(5 minutes)"));
  EXPECT_FALSE(accepted("rate(5 Minutes)"));
}

TEST(ScheduleExpressionCron, EveryDayAndSteps) {
  EXPECT_EQ(next("cron(0 12 * * ? *)", "2026-03-10T11:59:59"), "2026-03-10T12:00:00Z");
  EXPECT_EQ(next("cron(0 12 * * ? *)", "2026-03-10T12:00:00"), "2026-03-11T12:00:00Z");
  EXPECT_EQ(firings("cron(0/15 * * * ? *)", "2026-03-10T10:07:00", 3),
            "2026-03-10T10:15:00Z 2026-03-10T10:30:00Z 2026-03-10T10:45:00Z");
  EXPECT_EQ(firings("cron(5/20 * * * ? *)", "2026-03-10T10:46:00", 3),
            "2026-03-10T11:05:00Z 2026-03-10T11:25:00Z 2026-03-10T11:45:00Z");
  EXPECT_EQ(firings("cron(*/30 9-10 * * ? *)", "2026-03-10T00:00:00", 5),
            "2026-03-10T09:00:00Z 2026-03-10T09:30:00Z 2026-03-10T10:00:00Z "
            "2026-03-10T10:30:00Z 2026-03-11T09:00:00Z");
  EXPECT_EQ(firings("cron(10-50/20 0 * * ? *)", "2026-03-10T00:00:00", 3),
            "2026-03-10T00:10:00Z 2026-03-10T00:30:00Z 2026-03-10T00:50:00Z");
  EXPECT_EQ(firings("cron(0 8,17 1 * ? *)", "2026-03-02T00:00:00", 3),
            "2026-04-01T08:00:00Z 2026-04-01T17:00:00Z 2026-05-01T08:00:00Z");
  // A milliseconds-precise instant just past a firing.
  EXPECT_EQ(parsed("cron(* * * * ? *)").nextFireAfterMs(utcMs("2026-03-10T10:00:00") + 1),
            utcMs("2026-03-10T10:01:00"));
}

TEST(ScheduleExpressionCron, NamesAndRangesThatWrap) {
  // 2026-12-05 is a Saturday.
  EXPECT_EQ(next("cron(0 10 ? * MON-FRI *)", "2026-12-05T00:00:00"), "2026-12-07T10:00:00Z");
  EXPECT_EQ(next("cron(0 10 ? * mon-fri *)", "2026-12-05T00:00:00"), "2026-12-07T10:00:00Z");
  EXPECT_EQ(next("cron(0 10 ? * 2-6 *)", "2026-12-05T00:00:00"), "2026-12-07T10:00:00Z");
  EXPECT_EQ(firings("cron(0 0 ? * SAT,SUN *)", "2026-12-04T00:00:00", 3),
            "2026-12-05T00:00:00Z 2026-12-06T00:00:00Z 2026-12-12T00:00:00Z");
  EXPECT_EQ(firings("cron(0 0 ? * 1,7 *)", "2026-12-04T00:00:00", 2),
            "2026-12-05T00:00:00Z 2026-12-06T00:00:00Z");
  EXPECT_EQ(firings("cron(0 22-1 * * ? *)", "2026-03-10T12:00:00", 4),
            "2026-03-10T22:00:00Z 2026-03-10T23:00:00Z 2026-03-11T00:00:00Z "
            "2026-03-11T01:00:00Z");
  EXPECT_EQ(firings("cron(0 0 1 NOV-FEB ? *)", "2026-03-01T00:00:00", 4),
            "2026-11-01T00:00:00Z 2026-12-01T00:00:00Z 2027-01-01T00:00:00Z "
            "2027-02-01T00:00:00Z");
  EXPECT_EQ(next("cron(0 8 ? JAN-MAR MON,WED,FRI *)", "2026-03-31T09:00:00"),
            "2027-01-01T08:00:00Z");
  // L alone in day-of-week is the week's last day, Saturday.
  EXPECT_EQ(next("cron(0 0 ? * L *)", "2026-12-07T00:00:00"), "2026-12-12T00:00:00Z");
}

TEST(ScheduleExpressionCron, LastDayOfMonthAcrossLeapYears) {
  EXPECT_EQ(firings("cron(0 0 L * ? *)", "2024-01-31T00:00:00", 3),
            "2024-02-29T00:00:00Z 2024-03-31T00:00:00Z 2024-04-30T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 L 2 ? *)", "2025-01-01T00:00:00"), "2025-02-28T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 L 2 ? *)", "2100-01-01T00:00:00"), "2100-02-28T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 L 2 ? *)", "2000-01-01T00:00:00"), "2000-02-29T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 29 2 ? *)", "2025-01-01T00:00:00"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 29 2 ? *)", "2096-03-01T00:00:00"), "2104-02-29T00:00:00Z");
}

TEST(ScheduleExpressionCron, NearestWeekday) {
  // August 2026: the 1st and the 15th are Saturdays.
  EXPECT_EQ(next("cron(0 9 15W * ? *)", "2026-08-01T00:00:00"), "2026-08-14T09:00:00Z");
  EXPECT_EQ(next("cron(0 9 1W * ? *)", "2026-07-31T00:00:00"), "2026-08-03T09:00:00Z");
  // February 2026: the 15th is a Sunday.
  EXPECT_EQ(next("cron(0 9 15W * ? *)", "2026-02-01T00:00:00"), "2026-02-16T09:00:00Z");
  // January 2026: the 15th is a Thursday.
  EXPECT_EQ(next("cron(0 9 15W * ? *)", "2026-01-01T00:00:00"), "2026-01-15T09:00:00Z");
  // November 2025 has 30 days, the 30th a Sunday: 30W is Friday the 28th; 31W is no day.
  EXPECT_EQ(next("cron(0 0 30W * ? *)", "2025-11-01T00:00:00"), "2025-11-28T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 31W * ? *)", "2025-11-01T00:00:00"), "2025-12-31T00:00:00Z");
}

TEST(ScheduleExpressionCron, LastWeekdayOfMonth) {
  // The last days: Saturday 28 February, Sunday 31 May, Saturday 31 October, Monday 31 August.
  EXPECT_EQ(next("cron(0 18 LW * ? *)", "2026-02-01T00:00:00"), "2026-02-27T18:00:00Z");
  EXPECT_EQ(next("cron(0 18 LW * ? *)", "2026-05-01T00:00:00"), "2026-05-29T18:00:00Z");
  EXPECT_EQ(next("cron(0 18 LW * ? *)", "2026-10-01T00:00:00"), "2026-10-30T18:00:00Z");
  EXPECT_EQ(next("cron(0 18 LW * ? *)", "2026-08-01T00:00:00"), "2026-08-31T18:00:00Z");
}

TEST(ScheduleExpressionCron, NthAndLastWeekdayOfMonth) {
  EXPECT_EQ(firings("cron(0 0 ? * 3#2 *)", "2026-01-01T00:00:00", 3),
            "2026-01-13T00:00:00Z 2026-02-10T00:00:00Z 2026-03-10T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 ? * TUE#2 *)", "2026-01-01T00:00:00"), "2026-01-13T00:00:00Z");
  // A fifth Tuesday only in months that have one (March 2026, then June).
  EXPECT_EQ(firings("cron(0 0 ? * 3#5 *)", "2026-01-01T00:00:00", 2),
            "2026-03-31T00:00:00Z 2026-06-30T00:00:00Z");
  EXPECT_EQ(firings("cron(0 0 ? * 6L *)", "2026-01-01T00:00:00", 3),
            "2026-01-30T00:00:00Z 2026-02-27T00:00:00Z 2026-03-27T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 ? * FRIL *)", "2026-01-01T00:00:00"), "2026-01-30T00:00:00Z");
}

TEST(ScheduleExpressionCron, YearsEndAndImpossibleDaysNeverFire) {
  EXPECT_EQ(next("cron(0 0 1 1 ? 2020)", "2019-06-01T00:00:00"), "2020-01-01T00:00:00Z");
  EXPECT_EQ(next("cron(0 0 1 1 ? 2020)", "2021-01-01T00:00:00"), "never");
  EXPECT_EQ(next("cron(0 0 1 1 ? 2030-2032)", "2031-06-01T00:00:00"), "2032-01-01T00:00:00Z");
  EXPECT_EQ(next("cron(59 23 31 12 ? *)", "2199-12-31T23:59:00"), "never");
  EXPECT_EQ(next("cron(59 23 31 12 ? *)", "2199-12-31T23:58:59"), "2199-12-31T23:59:00Z");
  // Accepted, as EventBridge accepts them, and never due.
  EXPECT_EQ(next("cron(0 0 30 2 ? *)", "2026-01-01T00:00:00"), "never");
  EXPECT_EQ(next("cron(0 0 31 4,6,9,11 ? *)", "2026-01-01T00:00:00"), "never");
}

TEST(ScheduleExpressionCron, TimeZonesAndDaylightSavingChanges) {
  EXPECT_EQ(next("cron(0 9 * * ? *)", "2026-07-01T00:00:00", "America/New_York"),
            "2026-07-01T13:00:00Z");
  EXPECT_EQ(next("cron(0 9 * * ? *)", "2026-01-01T00:00:00", "America/New_York"),
            "2026-01-01T14:00:00Z");
  // New York springs forward on 8 March 2026 at 02:00: 02:30 does not exist that day.
  EXPECT_EQ(firings("cron(30 2 * * ? *)", "2026-03-07T08:00:00", 2, "America/New_York"),
            "2026-03-09T06:30:00Z 2026-03-10T06:30:00Z");
  // 1 November 2026 at 02:00 it falls back: 01:30 happens twice and fires once, the first time.
  EXPECT_EQ(firings("cron(30 1 * * ? *)", "2026-10-31T12:00:00", 3, "America/New_York"),
            "2026-11-01T05:30:00Z 2026-11-02T06:30:00Z 2026-11-03T06:30:00Z");
  EXPECT_EQ(next("cron(30 1 * * ? *)", "2026-11-01T05:30:00", "America/New_York"),
            "2026-11-02T06:30:00Z");
  // Every 30 minutes through the repeated hour: 01:00 and 01:30 once each.
  EXPECT_EQ(firings("cron(0/30 0-2 1 11 ? 2026)", "2026-11-01T03:00:00", 6, "America/New_York"),
            "2026-11-01T04:00:00Z 2026-11-01T04:30:00Z 2026-11-01T05:00:00Z "
            "2026-11-01T05:30:00Z 2026-11-01T07:00:00Z 2026-11-01T07:30:00Z");
  // Beyond the zone file's transitions, its POSIX rule: summer and winter in 2050 and 2060.
  EXPECT_EQ(next("cron(0 12 1 7 ? 2050)", "2026-01-01T00:00:00", "Europe/Berlin"),
            "2050-07-01T10:00:00Z");
  EXPECT_EQ(next("cron(0 12 1 1 ? 2050)", "2026-01-01T00:00:00", "Europe/Berlin"),
            "2050-01-01T11:00:00Z");
  EXPECT_EQ(next("cron(0 3 14 3 ? 2060)", "2026-01-01T00:00:00", "America/New_York"),
            "2060-03-14T07:00:00Z");
  // The southern hemisphere's summer spans the new year.
  EXPECT_EQ(next("cron(0 12 1 1 ? 2026)", "2025-01-01T00:00:00", "Australia/Sydney"),
            "2026-01-01T01:00:00Z");
  EXPECT_EQ(next("cron(0 12 1 1 ? 2060)", "2026-01-01T00:00:00", "Australia/Sydney"),
            "2060-01-01T01:00:00Z");
  EXPECT_EQ(next("cron(0 12 1 7 ? 2060)", "2026-01-01T00:00:00", "Australia/Sydney"),
            "2060-07-01T02:00:00Z");
}

TEST(ScheduleExpressionAt, FiresOnceAtItsLocalTime) {
  const ScheduleExpression at = parsed("at(2026-12-24T18:00:00)");
  EXPECT_TRUE(at.isOneTime());
  EXPECT_EQ(at.kind(), ScheduleExpression::Kind::kAt);
  EXPECT_EQ(at.nextFireAfterMs(utcMs("2026-12-01T00:00:00")), utcMs("2026-12-24T18:00:00"));
  EXPECT_EQ(at.nextFireAfterMs(utcMs("2026-12-24T18:00:00")), std::nullopt);
  EXPECT_EQ(next("at(2026-12-24T18:00:00)", "2026-12-01T00:00:00", "Europe/Berlin"),
            "2026-12-24T17:00:00Z");
  EXPECT_EQ(next("at(2026-07-01T08:15:30)", "2026-06-01T00:00:00", "Asia/Kolkata"),
            "2026-07-01T02:45:30Z");
  // In the hour skipped by the change to daylight time, it never fires.
  EXPECT_EQ(next("at(2026-03-08T02:30:00)", "2026-03-01T00:00:00", "America/New_York"), "never");
  EXPECT_EQ(next("at(2024-02-29T00:00:00)", "2024-01-01T00:00:00"), "2024-02-29T00:00:00Z");
}

TEST(ScheduleExpressionAt, MalformedDatesAreRefused) {
  EXPECT_FALSE(accepted("at(2026-02-29T00:00:00)"));
  EXPECT_FALSE(accepted("at(2026-13-01T00:00:00)"));
  EXPECT_FALSE(accepted("at(2026-12-24 18:00:00)"));
  EXPECT_FALSE(accepted("at(2026-12-24T18:00)"));
  EXPECT_FALSE(accepted("at(2026-12-24T24:00:00)"));
  EXPECT_FALSE(accepted("at(2026-12-24T18:00:00Z)"));
  EXPECT_FALSE(accepted("at()"));
  // Rules have no one-time schedules.
  EXPECT_FALSE(accepted("at(2026-12-24T18:00:00)", ScheduleApi::kEventsRule));
}

TEST(ScheduleExpressionCron, MalformedExpressionsAreRefused) {
  for (const char* text : {
           "cron(0 12 * * * *)",         // neither day field is '?'
           "cron(7 20 * * 1-7 *)",       // idem
           "cron(0 12 ? * ? *)",         // both are
           "cron(0 12 * * ?)",           // five fields
           "cron(0 12 * * ? * *)",       // seven
           "cron(0/10 * ? * *)",         // five
           "cron(60 * * * ? *)",         // minute out of range
           "cron(0 24 * * ? *)",         // hour out of range
           "cron(0 0 0 * ? *)",          // day 0
           "cron(0 0 32 * ? *)",         // day 32
           "cron(0 0 * 13 ? *)",         // month 13
           "cron(0 0 * FOO ? *)",        // no such month
           "cron(0 0 ? * 8 *)",          // weekday 8
           "cron(0 0 ? * 0 *)",          // weekday 0
           "cron(0 0 ? * MON#6 *)",      // a sixth Monday
           "cron(0 0 ? * 2#0 *)",        // a zeroth
           "cron(0 0 * * ? 1969)",       // before 1970
           "cron(0 0 * * ? 2200)",       // after 2199
           "cron(0 0 * * ? 2030-2020)",  // backwards years
           "cron(*/0 * * * ? *)",        // no increment
           "cron(0 0 32W * ? *)",        // W after a day out of range
           "cron(0 0 W * ? *)",          // W alone
           "cron(0 0 ? * 9L *)",         // L after no weekday
           "cron(0 0 L,15 * ? *)",       // L in a list
           "cron(0 0 1-2-3 * ? *)",      // two dashes
           "cron(0 0 1/2/3 * ? *)",      // two slashes
           "cron(0 0 , * ? *)",          // empty items
           "cron(a b c d e f)",         "cron()", "cron(0 0 * * ? *",
           "cron 0 0 * * ? *",          "",       "every 5 minutes",
       }) {
    EXPECT_FALSE(accepted(text)) << text;
    EXPECT_FALSE(accepted(text, ScheduleApi::kEventsRule)) << text;
    EXPECT_NE(ScheduleExpression::problem(text), "") << text;
  }
  EXPECT_TRUE(accepted("cron(0 0 ? * * *)"));
  EXPECT_TRUE(accepted("cron(0 0 * * ? *)"));
  EXPECT_TRUE(accepted("cron(0 0 L * ? *)", ScheduleApi::kEventsRule));
  EXPECT_EQ(ScheduleExpression::problem("cron(0 12 * * * *)"),
            "exactly one of day-of-month and day-of-week must be '?'");
  EXPECT_EQ(ScheduleExpression::problem("cron(0 0 * * ? *)"), "");
  EXPECT_FALSE(accepted("cron(" + std::string(300, '1') + ")"));
}

TEST(ScheduleExpressionErrors, EachApiAnswersInItsOwnWords) {
  auto rule = ScheduleExpression::parse("cron(7 20 * * 1-7 *)", "UTC", ScheduleApi::kEventsRule);
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().code, "ValidationException");
  EXPECT_EQ(rule.error().message, "Parameter ScheduleExpression is not valid.");
  EXPECT_EQ(rule.error().status, 400);

  auto schedule = ScheduleExpression::parse("rate(1 minutes)");
  ASSERT_FALSE(schedule.ok());
  EXPECT_EQ(schedule.error().code, "ValidationException");
  EXPECT_EQ(schedule.error().message, "Invalid Schedule Expression rate(1 minutes)");

  auto zone = ScheduleExpression::parse("rate(1 minute)", "Mars/Olympus_Mons");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.error().code, "ValidationException");
  EXPECT_EQ(zone.error().message, "Invalid time zone Mars/Olympus_Mons");
  EXPECT_FALSE(ScheduleExpression::parse("rate(1 minute)", "../../etc/passwd").ok());
  EXPECT_FALSE(ScheduleExpression::parse("rate(1 minute)", "").ok());
  // Rules are evaluated in UTC only.
  EXPECT_FALSE(
      ScheduleExpression::parse("rate(1 minute)", "Europe/Berlin", ScheduleApi::kEventsRule).ok());
}

TEST(ScheduleExpression, KeepsItsTextAndZone) {
  const ScheduleExpression expr = parsed("cron(0 9 * * ? *)", "Europe/Paris");
  EXPECT_EQ(expr.text(), "cron(0 9 * * ? *)");
  EXPECT_EQ(expr.timezone(), "Europe/Paris");
  EXPECT_EQ(parsed("rate(1 day)").timezone(), "UTC");
  EXPECT_EQ(parsed("rate(1 day)", "Etc/UTC").timezone(), "Etc/UTC");
}

}  // namespace
}  // namespace nimbus::aws::scheduler
