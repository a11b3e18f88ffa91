// Instants as text for the schedule tests: "2026-03-08T06:30:00Z" both ways.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "aws/scheduler/civil_time.h"

namespace nimbus::aws::scheduler::testing {

// "2026-03-08T06:30:00Z" (or without the Z) as milliseconds since the epoch, in UTC.
inline int64_t utcMs(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  return (daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000;
}

inline std::string isoUtc(int64_t ms) {
  const int64_t seconds = floorDiv(ms, 1000);
  const int64_t days = floorDiv(seconds, 86400);
  const int64_t rest = seconds - days * 86400;
  const CivilDate date = civilFromDays(days);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", date.year, date.month,
                date.day, static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60),
                static_cast<int>(rest % 60));
  return text;
}

}  // namespace nimbus::aws::scheduler::testing
