// The cron fields on their own: which minutes, hours, months, years and days each form allows.
#include "aws/scheduler/cron_expression.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus::aws::scheduler {
namespace {

CronExpression cron(std::string_view fields) {
  auto result = CronExpression::parse(fields);
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << fields << ": " << *error;
    return std::get<CronExpression>(CronExpression::parse("* * * * ? *"));
  }
  return std::get<CronExpression>(result);
}

std::string refusal(std::string_view fields) {
  auto result = CronExpression::parse(fields);
  if (auto* error = std::get_if<std::string>(&result)) return *error;
  return "(accepted)";
}

TEST(CronExpression, MinuteAndHourSets) {
  const CronExpression c = cron("0,15,30-32 */6 * * ? *");
  for (int m : {0, 15, 30, 31, 32}) EXPECT_TRUE(c.allowsMinute(m)) << m;
  for (int m : {1, 14, 29, 33, 59}) EXPECT_FALSE(c.allowsMinute(m)) << m;
  for (int h : {0, 6, 12, 18}) EXPECT_TRUE(c.allowsHour(h)) << h;
  for (int h : {1, 5, 23}) EXPECT_FALSE(c.allowsHour(h)) << h;
}

TEST(CronExpression, MonthsAndYears) {
  const CronExpression c = cron("0 0 1 JAN,jun-AUG ? 2026/2");
  for (int m : {1, 6, 7, 8}) EXPECT_TRUE(c.allowsMonth(m)) << m;
  for (int m : {2, 5, 9, 12}) EXPECT_FALSE(c.allowsMonth(m)) << m;
  EXPECT_TRUE(c.allowsYear(2026));
  EXPECT_FALSE(c.allowsYear(2027));
  EXPECT_TRUE(c.allowsYear(2198));
  EXPECT_FALSE(c.allowsYear(2025));
  EXPECT_FALSE(c.allowsYear(2200));
  EXPECT_FALSE(c.allowsYear(1969));
}

TEST(CronExpression, DayOfWeekCountsFromSunday) {
  // 2026-12-06 is a Sunday, 2026-12-12 a Saturday.
  const CronExpression sunday = cron("0 0 ? * 1 *");
  EXPECT_TRUE(sunday.allowsDay(2026, 12, 6));
  EXPECT_FALSE(sunday.allowsDay(2026, 12, 7));
  const CronExpression saturday = cron("0 0 ? * SAT *");
  EXPECT_TRUE(saturday.allowsDay(2026, 12, 12));
  EXPECT_FALSE(saturday.allowsDay(2026, 12, 11));
  const CronExpression weekend = cron("0 0 ? * SAT-SUN *");
  EXPECT_TRUE(weekend.allowsDay(2026, 12, 12));
  EXPECT_TRUE(weekend.allowsDay(2026, 12, 13));
  EXPECT_FALSE(weekend.allowsDay(2026, 12, 14));
}

TEST(CronExpression, DayOfMonthForms) {
  EXPECT_TRUE(cron("0 0 L * ? *").allowsDay(2024, 2, 29));
  EXPECT_FALSE(cron("0 0 L * ? *").allowsDay(2024, 2, 28));
  EXPECT_TRUE(cron("0 0 L * ? *").allowsDay(2023, 2, 28));
  EXPECT_TRUE(cron("0 0 lw * ? *").allowsDay(2026, 2, 27));
  EXPECT_TRUE(cron("0 0 15w * ? *").allowsDay(2026, 8, 14));
  EXPECT_TRUE(cron("0 0 1-10/3 * ? *").allowsDay(2026, 8, 7));
  EXPECT_FALSE(cron("0 0 1-10/3 * ? *").allowsDay(2026, 8, 8));
}

TEST(CronExpression, RefusalsSayWhatIsWrong) {
  EXPECT_EQ(refusal("0 0 * *"),
            "a cron expression has six fields (minutes hours day-of-month month day-of-week "
            "year), not 4");
  EXPECT_EQ(refusal("0 0 * * * *"), "exactly one of day-of-month and day-of-week must be '?'");
  EXPECT_EQ(refusal("61 0 * * ? *"), "minutes '61': '61' is not a valid value");
  EXPECT_EQ(refusal("0 0 * * ? 2030-2020"), "year '2030-2020': the range runs backwards");
  EXPECT_EQ(refusal("0 0 ? * 2#6 *"),
            "day-of-week '2#6': '#' joins a day of week and a week of the month from 1 to 5");
  EXPECT_EQ(refusal("0 0 ? * MON *"), "(accepted)");
}

}  // namespace
}  // namespace nimbus::aws::scheduler
