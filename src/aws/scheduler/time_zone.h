// IANA time zones read from the system's zoneinfo files (TZif, RFC 8536), for schedules that
// EventBridge Scheduler evaluates in a ScheduleExpressionTimezone. libstdc++ 12 has no
// std::chrono::tzdb, so the files are read here: transitions from the file's 64-bit data, and
// the POSIX TZ rule of its footer for instants after the last transition.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::aws::scheduler {

// A POSIX TZ string's daylight-saving rule ("EST5EDT,M3.2.0,M11.1.0"), as TZif footers hold it.
struct PosixZoneRule {
  // When daylight time starts or ends: a date form and seconds after local midnight.
  struct Boundary {
    enum class Kind { kJulianNoLeap, kZeroBasedDay, kMonthWeekDay } kind = Kind::kMonthWeekDay;
    int day = 0;  // Jn: 1-365; n: 0-365; Mm.w.d: the weekday d (0 = Sunday)
    int month = 0;
    int week = 0;  // 1-5, 5 = the last such weekday of the month
    int32_t seconds = 7200;
  };
  int32_t standardOffset = 0;  // seconds east of UTC (the opposite sign of the POSIX text)
  std::optional<int32_t> daylightOffset;
  Boundary start;
  Boundary end;

  // "EST5EDT,M3.2.0,M11.1.0" or "<+03>-3"; nullopt when the text is not a POSIX TZ string.
  static std::optional<PosixZoneRule> parse(std::string_view text);
  int32_t offsetAt(int64_t utcSeconds) const;
};

// One zone: its UTC offset at any instant and the instants a local time names.
class TimeZone {
 public:
  // The zone named `name` ("UTC", "Europe/Berlin"), read once and shared by every caller (the
  // cache is thread-safe); nullptr when no such zone exists here or its file is not TZif.
  static std::shared_ptr<const TimeZone> load(std::string_view name);

  // A zone from TZif bytes (tests, and `load`); nullptr when the bytes are not TZif.
  static std::shared_ptr<const TimeZone> fromTzif(std::string name, std::string_view bytes);

  // The zone with no offset ever.
  static std::shared_ptr<const TimeZone> utc();

  const std::string& name() const { return name_; }

  // Seconds east of UTC in force at a UTC instant.
  int32_t offsetAt(int64_t utcSeconds) const;

  // The earliest UTC instant (seconds) whose local wall-clock time is `localSeconds` (seconds
  // since 1970-01-01T00:00 local), or nullopt when that local time does not exist (skipped by
  // a change to daylight time). A local time that occurs twice (the hour repeated when daylight
  // time ends) gives its first occurrence.
  std::optional<int64_t> firstInstantOf(int64_t localSeconds) const;

 private:
  explicit TimeZone(std::string name) : name_(std::move(name)) {}

  std::string name_;
  std::vector<int64_t> transitions_;   // UTC seconds, ascending
  std::vector<int32_t> offsetsAfter_;  // the offset from each transition on
  int32_t initialOffset_ = 0;          // before the first transition
  std::optional<PosixZoneRule> footer_;
};

}  // namespace nimbus::aws::scheduler
