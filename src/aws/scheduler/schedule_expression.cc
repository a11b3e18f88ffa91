#include "aws/scheduler/schedule_expression.h"

#include <vector>

#include "aws/scheduler/civil_time.h"

namespace nimbus::aws::scheduler {
namespace {

// Both APIs limit ScheduleExpression to 256 characters.
constexpr size_t kMaxExpressionLength = 256;

std::optional<std::string_view> inside(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size() + 1 || text.substr(0, prefix.size()) != prefix ||
      text.back() != ')') {
    return std::nullopt;
  }
  return text.substr(prefix.size(), text.size() - prefix.size() - 1);
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && text[at] == ' ') ++at;
    const size_t begin = at;
    while (at < text.size() && text[at] != ' ') ++at;
    if (at > begin) out.push_back(text.substr(begin, at - begin));
  }
  return out;
}

std::optional<int64_t> digits(std::string_view text, size_t maxDigits) {
  if (text.empty() || text.size() > maxDigits) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "5 minutes" as milliseconds: 1 takes the singular unit, any other value the plural.
std::variant<int64_t, std::string> readRate(std::string_view body) {
  const auto parts = words(body);
  if (parts.size() != 2) return std::string("a rate is a value and a unit: rate(5 minutes)");
  auto value = digits(parts[0], 9);
  if (!value || *value < 1) return std::string("the rate's value must be a positive whole number");
  struct Unit {
    std::string_view singular, plural;
    int64_t ms;
  };
  for (const Unit& unit : {Unit{"minute", "minutes", 60'000}, Unit{"hour", "hours", 3'600'000},
                           Unit{"day", "days", 86'400'000}}) {
    if (parts[1] == unit.singular || parts[1] == unit.plural) {
      if ((*value == 1) != (parts[1] == unit.singular)) {
        return "a rate of 1 takes the singular unit (rate(1 " + std::string(unit.singular) +
               ")), any other value the plural (rate(5 " + std::string(unit.plural) + "))";
      }
      return *value * unit.ms;
    }
  }
  return "the rate's unit must be minute(s), hour(s) or day(s), not '" + std::string(parts[1]) +
         "'";
}

// "2026-12-24T18:00:00" as local seconds since 1970.
std::optional<int64_t> readAt(std::string_view body) {
  if (body.size() != 19 || body[4] != '-' || body[7] != '-' || body[10] != 'T' || body[13] != ':' ||
      body[16] != ':') {
    return std::nullopt;
  }
  auto year = digits(body.substr(0, 4), 4);
  auto month = digits(body.substr(5, 2), 2);
  auto day = digits(body.substr(8, 2), 2);
  auto hour = digits(body.substr(11, 2), 2);
  auto minute = digits(body.substr(14, 2), 2);
  auto second = digits(body.substr(17, 2), 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 ||
      *day > daysInMonth(static_cast<int>(*year), static_cast<int>(*month)) || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  return daysFromCivil(static_cast<int>(*year), static_cast<int>(*month), static_cast<int>(*day)) *
             86400 +
         *hour * 3600 + *minute * 60 + *second;
}

}  // namespace

std::variant<ScheduleExpression, std::string> ScheduleExpression::read(std::string_view expression,
                                                                       std::string_view timezone,
                                                                       ScheduleApi api) {
  ScheduleExpression out;
  out.text_ = std::string(expression);
  if (api == ScheduleApi::kEventsRule && timezone != "UTC") {
    return std::string("rules are evaluated in UTC");
  }
  out.zone_ = TimeZone::load(timezone);
  if (!out.zone_) return "unknown time zone '" + std::string(timezone) + "'";
  if (expression.size() > kMaxExpressionLength) {
    return std::string("a schedule expression has at most 256 characters");
  }
  if (auto body = inside(expression, "rate(")) {
    auto rate = readRate(*body);
    if (auto* error = std::get_if<std::string>(&rate)) return *error;
    out.kind_ = Kind::kRate;
    out.ratePeriodMs_ = std::get<int64_t>(rate);
    return out;
  }
  if (auto body = inside(expression, "cron(")) {
    auto cron = CronExpression::parse(*body);
    if (auto* error = std::get_if<std::string>(&cron)) return *error;
    out.kind_ = Kind::kCron;
    out.cron_ = std::make_shared<const CronExpression>(std::get<CronExpression>(std::move(cron)));
    return out;
  }
  if (auto body = inside(expression, "at(")) {
    if (api == ScheduleApi::kEventsRule) {
      return std::string("at() is a one-time schedule of EventBridge Scheduler, not of rules");
    }
    auto local = readAt(*body);
    if (!local) return std::string("at() takes a date and time: at(2026-12-24T18:00:00)");
    out.kind_ = Kind::kAt;
    out.atLocalSeconds_ = *local;
    return out;
  }
  return std::string(api == ScheduleApi::kEventsRule
                         ? "a schedule expression is rate(...) or cron(...)"
                         : "a schedule expression is at(...), rate(...) or cron(...)");
}

Result<ScheduleExpression> ScheduleExpression::parse(std::string_view expression,
                                                     std::string_view timezone, ScheduleApi api) {
  auto read = ScheduleExpression::read(expression, timezone, api);
  if (auto* expr = std::get_if<ScheduleExpression>(&read)) return std::move(*expr);
  if (api == ScheduleApi::kEventsRule) {
    return ServiceError{"ValidationException", "Parameter ScheduleExpression is not valid."};
  }
  if (!TimeZone::load(timezone)) {
    return ServiceError{"ValidationException", "Invalid time zone " + std::string(timezone)};
  }
  return ServiceError{"ValidationException",
                      "Invalid Schedule Expression " + std::string(expression)};
}

std::string ScheduleExpression::problem(std::string_view expression, std::string_view timezone,
                                        ScheduleApi api) {
  auto read = ScheduleExpression::read(expression, timezone, api);
  if (auto* error = std::get_if<std::string>(&read)) return *error;
  return {};
}

std::optional<int64_t> ScheduleExpression::nextFireAfterMs(int64_t afterMs,
                                                           int64_t rateAnchorMs) const {
  switch (kind_) {
    case Kind::kRate: {
      if (afterMs < rateAnchorMs) return rateAnchorMs;
      const int64_t periods = (afterMs - rateAnchorMs) / ratePeriodMs_ + 1;
      return rateAnchorMs + periods * ratePeriodMs_;
    }
    case Kind::kAt: {
      auto instant = zone_->firstInstantOf(atLocalSeconds_);
      if (!instant || *instant * 1000 <= afterMs) return std::nullopt;
      return *instant * 1000;
    }
    case Kind::kCron:
      return nextCronAfterMs(afterMs);
  }
  return std::nullopt;
}

std::optional<int64_t> ScheduleExpression::nextCronAfterMs(int64_t afterMs) const {
  const CronExpression& cron = *cron_;
  const int64_t afterSeconds = floorDiv(afterMs, 1000);
  // Start a little before the local time of `afterMs`: near the end of daylight time, the
  // first occurrence of a local time can come after a later-looking local clock reading.
  const int64_t startLocal = afterSeconds + zone_->offsetAt(afterSeconds) - 3 * 3600;
  int64_t day = floorDiv(startLocal, 86400);
  int firstMinute = static_cast<int>(floorDiv(startLocal - day * 86400, 60));
  while (true) {
    const CivilDate date = civilFromDays(day);
    if (date.year > CronExpression::kLastYear) return std::nullopt;
    if (!cron.allowsYear(date.year)) {
      day = daysFromCivil(date.year + 1, 1, 1);
      firstMinute = 0;
      continue;
    }
    if (!cron.allowsMonth(date.month)) {
      day = date.month == 12 ? daysFromCivil(date.year + 1, 1, 1)
                             : daysFromCivil(date.year, date.month + 1, 1);
      firstMinute = 0;
      continue;
    }
    if (cron.allowsDay(date.year, date.month, date.day)) {
      for (int hour = firstMinute / 60; hour < 24; ++hour) {
        if (!cron.allowsHour(hour)) continue;
        for (int minute = hour == firstMinute / 60 ? firstMinute % 60 : 0; minute < 60; ++minute) {
          if (!cron.allowsMinute(minute)) continue;
          const auto instant = zone_->firstInstantOf(day * 86400 + hour * 3600 + minute * 60);
          if (instant && *instant * 1000 > afterMs) return *instant * 1000;
        }
      }
    }
    ++day;
    firstMinute = 0;
  }
}

}  // namespace nimbus::aws::scheduler
