// The six fields of an EventBridge cron(...) expression, compiled into the sets of minutes,
// hours, days, months and years they allow. EventBridge's rules: minutes hours day-of-month
// month day-of-week year; exactly one of day-of-month and day-of-week is '?'; ',', '-', '*'
// and '/' in every field; 'L' and 'W' in day-of-month (31, L, 15W, LW); 'L' and '#' in
// day-of-week (6L = the month's last Friday, 3#2 = its second Tuesday); months 1-12 or JAN-DEC;
// days of week 1-7 or SUN-SAT (1 = Sunday); years 1970-2199.
#pragma once

#include <bitset>
#include <string>
#include <string_view>
#include <variant>

namespace nimbus::aws::scheduler {

class CronExpression {
 public:
  static constexpr int kFirstYear = 1970;
  static constexpr int kLastYear = 2199;

  // The text between "cron(" and ")"; a sentence saying what is wrong when it is refused.
  static std::variant<CronExpression, std::string> parse(std::string_view fields);

  bool allowsMinute(int minute) const { return minutes_.test(minute); }
  bool allowsHour(int hour) const { return hours_.test(hour); }
  bool allowsMonth(int month) const { return months_.test(month); }
  bool allowsYear(int year) const {
    return year >= kFirstYear && year <= kLastYear && years_.test(year - kFirstYear);
  }
  // Whether the day-of-month or day-of-week field (the one that is not '?') allows this date.
  bool allowsDay(int year, int month, int day) const;

 private:
  // Day-of-month forms beyond a plain set of days.
  enum class MonthDay { kAny, kSet, kLast, kNearestWeekday, kLastWeekday };
  // Day-of-week forms beyond a plain set of weekdays.
  enum class WeekDay { kAny, kSet, kLastOfMonth, kNth };

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<13> months_;  // 1-12
  std::bitset<kLastYear - kFirstYear + 1> years_;
  MonthDay monthDay_ = MonthDay::kAny;
  std::bitset<32> monthDays_;  // 1-31, for kSet
  int nearestWeekdayTo_ = 0;   // kNearestWeekday: the n of nW
  WeekDay weekDay_ = WeekDay::kAny;
  std::bitset<7> weekDays_;  // 0 = Sunday, for kSet
  int weekdayOfRule_ = 0;    // kLastOfMonth, kNth: the weekday (0 = Sunday)
  int nth_ = 0;              // kNth: 1-5

  friend class CronParser;
};

}  // namespace nimbus::aws::scheduler
