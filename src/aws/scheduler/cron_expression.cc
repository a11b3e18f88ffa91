#include "aws/scheduler/cron_expression.h"

#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "aws/scheduler/civil_time.h"

namespace nimbus::aws::scheduler {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED",
                                                       "THU", "FRI", "SAT"};

// The limits of one field and the names it also accepts (names[i] means first + i).
struct FieldSpec {
  std::string_view label;
  int first;
  int last;
  const std::string_view* names = nullptr;
  size_t nameCount = 0;
  bool wraps = true;  // "FRI-MON" and "22-2" run past the end and start again
};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  while (true) {
    const size_t at = text.find(separator, begin);
    parts.push_back(text.substr(begin, at == std::string_view::npos ? text.npos : at - begin));
    if (at == std::string_view::npos) return parts;
    begin = at + 1;
  }
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

std::optional<int> parseNumber(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// A number or a name within the field's limits.
std::optional<int> parseValue(std::string_view text, const FieldSpec& spec) {
  std::optional<int> value = parseNumber(text);
  if (!value) {
    for (size_t i = 0; i < spec.nameCount; ++i) {
      if (equalsIgnoreCase(text, spec.names[i])) value = spec.first + static_cast<int>(i);
    }
  }
  if (!value || *value < spec.first || *value > spec.last) return std::nullopt;
  return value;
}

// A list of values, ranges and steps ("0,15,30", "MON-FRI", "*/5", "10-50/10", "0/15") as the
// set of values it allows; an explanation when it is malformed.
template <size_t N>
std::optional<std::string> parseList(std::string_view text, const FieldSpec& spec,
                                     std::bitset<N>& out, int bitOffset = 0) {
  const std::string where = std::string(spec.label) + " '" + std::string(text) + "'";
  for (std::string_view item : split(text, ',')) {
    const auto slash = split(item, '/');
    if (slash.size() > 2) return where + ": more than one '/'";
    int step = 1;
    if (slash.size() == 2) {
      auto parsed = parseNumber(slash[1]);
      if (!parsed || *parsed < 1) return where + ": the increment must be a positive number";
      step = *parsed;
    }
    std::string_view base = slash[0];
    int from = spec.first;
    int to = spec.last;
    if (base != "*") {
      const auto dash = split(base, '-');
      if (dash.size() > 2) return where + ": more than one '-'";
      auto start = parseValue(dash[0], spec);
      if (!start) return where + ": '" + std::string(dash[0]) + "' is not a valid value";
      from = *start;
      to = slash.size() == 2 ? spec.last : from;
      if (dash.size() == 2) {
        auto end = parseValue(dash[1], spec);
        if (!end) return where + ": '" + std::string(dash[1]) + "' is not a valid value";
        to = *end;
      }
    }
    if (from > to && !spec.wraps) return where + ": the range runs backwards";
    const int span = spec.last - spec.first + 1;
    const int count = from <= to ? to - from : to - from + span;
    for (int i = 0; i <= count; i += step) {
      const int value = spec.first + (from - spec.first + i) % span;
      out.set(static_cast<size_t>(value - bitOffset));
    }
  }
  return std::nullopt;
}

constexpr FieldSpec kMinutes{"minutes", 0, 59};
constexpr FieldSpec kHours{"hours", 0, 23};
constexpr FieldSpec kMonthDays{"day-of-month", 1, 31};
constexpr FieldSpec kMonths{"month", 1, 12, kMonthNames.data(), kMonthNames.size()};
constexpr FieldSpec kWeekDays{"day-of-week", 1, 7, kDayNames.data(), kDayNames.size()};
constexpr FieldSpec kYears{
    "year", CronExpression::kFirstYear, CronExpression::kLastYear, nullptr, 0, false};

// The day of `month` that is the weekday nearest to `day` without leaving the month (15W).
int nearestWeekday(int year, int month, int day) {
  const int last = daysInMonth(year, month);
  if (day > last) day = last;
  const int weekday = weekdayOfDays(daysFromCivil(year, month, day));
  if (weekday == 6) return day == 1 ? 3 : day - 1;           // Saturday: Friday, or Monday the 3rd
  if (weekday == 0) return day == last ? day - 2 : day + 1;  // Sunday: Monday, or Friday
  return day;
}

}  // namespace

class CronParser {
 public:
  static std::variant<CronExpression, std::string> parse(std::string_view text) {
    std::vector<std::string_view> fields;
    size_t at = 0;
    while (at < text.size()) {
      while (at < text.size() && text[at] == ' ') ++at;
      const size_t begin = at;
      while (at < text.size() && text[at] != ' ') ++at;
      if (at > begin) fields.push_back(text.substr(begin, at - begin));
    }
    if (fields.size() != 6) {
      return "a cron expression has six fields (minutes hours day-of-month month day-of-week "
             "year), not " +
             std::to_string(fields.size());
    }
    CronExpression cron;
    if (auto error = parseList(fields[0], kMinutes, cron.minutes_)) return *error;
    if (auto error = parseList(fields[1], kHours, cron.hours_)) return *error;
    if (auto error = parseList(fields[3], kMonths, cron.months_)) return *error;
    if (auto error = parseList(fields[5], kYears, cron.years_, CronExpression::kFirstYear)) {
      return *error;
    }
    const bool anyMonthDay = fields[2] == "?";
    const bool anyWeekDay = fields[4] == "?";
    if (anyMonthDay == anyWeekDay) {
      return "exactly one of day-of-month and day-of-week must be '?'";
    }
    if (!anyMonthDay) {
      if (auto error = parseMonthDay(fields[2], cron)) return *error;
    }
    if (!anyWeekDay) {
      if (auto error = parseWeekDay(fields[4], cron)) return *error;
    }
    return cron;
  }

 private:
  static std::optional<std::string> parseMonthDay(std::string_view text, CronExpression& cron) {
    using MonthDay = CronExpression::MonthDay;
    if (equalsIgnoreCase(text, "L")) {
      cron.monthDay_ = MonthDay::kLast;
      return std::nullopt;
    }
    if (equalsIgnoreCase(text, "LW")) {
      cron.monthDay_ = MonthDay::kLastWeekday;
      return std::nullopt;
    }
    if (text.size() >= 2 && std::toupper(static_cast<unsigned char>(text.back())) == 'W') {
      auto day = parseNumber(text.substr(0, text.size() - 1));
      if (!day || *day < 1 || *day > 31) {
        return "day-of-month '" + std::string(text) + "': W follows a day from 1 to 31";
      }
      cron.monthDay_ = MonthDay::kNearestWeekday;
      cron.nearestWeekdayTo_ = *day;
      return std::nullopt;
    }
    cron.monthDay_ = MonthDay::kSet;
    return parseList(text, kMonthDays, cron.monthDays_);
  }

  static std::optional<std::string> parseWeekDay(std::string_view text, CronExpression& cron) {
    using WeekDay = CronExpression::WeekDay;
    const std::string where = "day-of-week '" + std::string(text) + "'";
    if (equalsIgnoreCase(text, "L")) {
      // L alone is the last day of the week: Saturday.
      cron.weekDay_ = WeekDay::kSet;
      cron.weekDays_.set(6);
      return std::nullopt;
    }
    if (const size_t hash = text.find('#'); hash != std::string_view::npos) {
      auto weekday = parseValue(text.substr(0, hash), kWeekDays);
      auto nth = parseNumber(text.substr(hash + 1));
      if (!weekday || !nth || *nth < 1 || *nth > 5) {
        return where + ": '#' joins a day of week and a week of the month from 1 to 5";
      }
      cron.weekDay_ = WeekDay::kNth;
      cron.weekdayOfRule_ = *weekday - 1;
      cron.nth_ = *nth;
      return std::nullopt;
    }
    if (text.size() >= 2 && std::toupper(static_cast<unsigned char>(text.back())) == 'L') {
      auto weekday = parseValue(text.substr(0, text.size() - 1), kWeekDays);
      if (!weekday) return where + ": L follows a day of week";
      cron.weekDay_ = WeekDay::kLastOfMonth;
      cron.weekdayOfRule_ = *weekday - 1;
      return std::nullopt;
    }
    cron.weekDay_ = WeekDay::kSet;
    std::bitset<8> days;  // 1-7
    if (auto error = parseList(text, kWeekDays, days)) return error;
    for (int d = 1; d <= 7; ++d) cron.weekDays_[d - 1] = days[d];
    return std::nullopt;
  }
};

std::variant<CronExpression, std::string> CronExpression::parse(std::string_view fields) {
  return CronParser::parse(fields);
}

bool CronExpression::allowsDay(int year, int month, int day) const {
  const int last = daysInMonth(year, month);
  switch (monthDay_) {
    case MonthDay::kAny:
      break;
    case MonthDay::kSet:
      return monthDays_.test(day);
    case MonthDay::kLast:
      return day == last;
    case MonthDay::kLastWeekday:
      return day == nearestWeekday(year, month, last);
    case MonthDay::kNearestWeekday:
      // 31W in a 30-day month names no day (as Quartz, whose rules EventBridge follows).
      return nearestWeekdayTo_ <= last && day == nearestWeekday(year, month, nearestWeekdayTo_);
  }
  const int weekday = weekdayOfDays(daysFromCivil(year, month, day));
  switch (weekDay_) {
    case WeekDay::kAny:
      return true;
    case WeekDay::kSet:
      return weekDays_.test(weekday);
    case WeekDay::kLastOfMonth:
      return weekday == weekdayOfRule_ && day + 7 > last;
    case WeekDay::kNth:
      return weekday == weekdayOfRule_ && (day - 1) / 7 + 1 == nth_;
  }
  return false;
}

}  // namespace nimbus::aws::scheduler
