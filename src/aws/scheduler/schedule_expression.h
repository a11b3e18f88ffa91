// Schedule expressions as EventBridge rules (PutRule's ScheduleExpression) and EventBridge
// Scheduler (CreateSchedule's ScheduleExpression and ScheduleExpressionTimezone) accept them:
// rate(5 minutes), cron(0 12 ? * MON-FRI *) and, on Scheduler only, at(2026-12-24T18:00:00);
// and the instants at which they fire.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "aws/scheduler/cron_expression.h"
#include "aws/scheduler/time_zone.h"
#include "core/result.h"

namespace nimbus::aws::scheduler {

// Which API an expression is given to: the two accept different forms and word their refusals
// differently.
enum class ScheduleApi {
  kEventsRule,  // PutRule: rate() and cron(), always in UTC
  kScheduler,   // CreateSchedule / UpdateSchedule: also at(), in any IANA time zone
};

class ScheduleExpression {
 public:
  enum class Kind { kRate, kCron, kAt };

  // The expression, or the ValidationException the API answers: PutRule's "Parameter
  // ScheduleExpression is not valid." or Scheduler's "Invalid Schedule Expression <text>"
  // (and "Invalid time zone <zone>" for a zone that does not exist). An expression that can
  // never fire (cron(0 0 30 2 ? *)) is accepted, as EventBridge accepts it; it never fires.
  static Result<ScheduleExpression> parse(std::string_view expression,
                                          std::string_view timezone = "UTC",
                                          ScheduleApi api = ScheduleApi::kScheduler);

  // What is wrong with an expression, in words for logs and configuration errors ("" when it
  // is fine). The APIs' answers do not say; this does.
  static std::string problem(std::string_view expression, std::string_view timezone = "UTC",
                             ScheduleApi api = ScheduleApi::kScheduler);

  // The first firing strictly after `afterMs` (milliseconds since the epoch), or nullopt when
  // there is none (an at() in the past, a cron whose years are over or whose days never
  // occur). A rate() fires at rateAnchorMs + k * period for k = 0, 1, 2...: EventBridge counts
  // rates from when the rule or schedule was created (or its StartDate), so the caller passes
  // that instant; cron() and at() ignore it. cron() and at() fire at whole seconds of their
  // time zone's wall clock: a local time skipped by the change to daylight time does not fire,
  // and one repeated when daylight time ends fires once, at its first occurrence (as EventBridge
  // Scheduler documents).
  std::optional<int64_t> nextFireAfterMs(int64_t afterMs, int64_t rateAnchorMs = 0) const;

  // at(): fires once, then the schedule is complete.
  bool isOneTime() const { return kind_ == Kind::kAt; }
  Kind kind() const { return kind_; }
  // The expression as given, and its time zone's name.
  const std::string& text() const { return text_; }
  const std::string& timezone() const { return zone_->name(); }
  // rate(): the period in milliseconds.
  int64_t ratePeriodMs() const { return ratePeriodMs_; }

 private:
  ScheduleExpression() = default;
  static std::variant<ScheduleExpression, std::string> read(std::string_view expression,
                                                            std::string_view timezone,
                                                            ScheduleApi api);
  std::optional<int64_t> nextCronAfterMs(int64_t afterMs) const;

  Kind kind_ = Kind::kRate;
  std::string text_;
  std::shared_ptr<const TimeZone> zone_;
  int64_t ratePeriodMs_ = 0;
  std::shared_ptr<const CronExpression> cron_;
  int64_t atLocalSeconds_ = 0;  // at(): the local wall-clock time, as seconds since 1970
};

}  // namespace nimbus::aws::scheduler
