// Time zones from the system's zoneinfo: offsets in force, local times that are skipped or
// repeated, the POSIX rules of the files' footers, and a cache shared by threads.
#include "aws/scheduler/time_zone.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "schedule_test_support.h"

namespace nimbus::aws::scheduler {
namespace {

using testing::utcMs;

int64_t utcSeconds(const std::string& iso) {
  return utcMs(iso) / 1000;
}

TEST(TimeZone, UtcHasNoOffset) {
  auto utc = TimeZone::load("UTC");
  ASSERT_NE(utc, nullptr);
  EXPECT_EQ(utc->offsetAt(utcSeconds("2026-07-01T00:00:00")), 0);
  EXPECT_EQ(utc->firstInstantOf(1234), 1234);
}

TEST(TimeZone, OffsetsAcrossTheYear) {
  auto berlin = TimeZone::load("Europe/Berlin");
  ASSERT_NE(berlin, nullptr);
  EXPECT_EQ(berlin->offsetAt(utcSeconds("2026-01-15T12:00:00")), 3600);
  EXPECT_EQ(berlin->offsetAt(utcSeconds("2026-07-15T12:00:00")), 7200);
  // 29 March 2026, 01:00 UTC: summer time begins.
  EXPECT_EQ(berlin->offsetAt(utcSeconds("2026-03-29T00:59:59")), 3600);
  EXPECT_EQ(berlin->offsetAt(utcSeconds("2026-03-29T01:00:00")), 7200);
  // Past the last transition in the file: its footer's rule.
  EXPECT_EQ(berlin->offsetAt(utcSeconds("2100-07-01T00:00:00")), 7200);
  EXPECT_EQ(berlin->offsetAt(utcSeconds("2100-12-01T00:00:00")), 3600);
  auto kolkata = TimeZone::load("Asia/Kolkata");
  ASSERT_NE(kolkata, nullptr);
  EXPECT_EQ(kolkata->offsetAt(utcSeconds("2026-07-15T12:00:00")), 19800);
}

TEST(TimeZone, SkippedAndRepeatedLocalTimes) {
  auto ny = TimeZone::load("America/New_York");
  ASSERT_NE(ny, nullptr);
  // 8 March 2026: 02:00-02:59 local does not exist.
  EXPECT_EQ(ny->firstInstantOf(utcSeconds("2026-03-08T02:30:00")), std::nullopt);
  EXPECT_EQ(ny->firstInstantOf(utcSeconds("2026-03-08T01:59:00")),
            utcSeconds("2026-03-08T06:59:00"));
  EXPECT_EQ(ny->firstInstantOf(utcSeconds("2026-03-08T03:00:00")),
            utcSeconds("2026-03-08T07:00:00"));
  // 1 November 2026: 01:00-01:59 local happens twice; the first is in daylight time.
  EXPECT_EQ(ny->firstInstantOf(utcSeconds("2026-11-01T01:30:00")),
            utcSeconds("2026-11-01T05:30:00"));
  EXPECT_EQ(ny->firstInstantOf(utcSeconds("2026-11-01T02:00:00")),
            utcSeconds("2026-11-01T07:00:00"));
}

TEST(TimeZone, UnknownAndUnsafeNamesAreRefused) {
  EXPECT_EQ(TimeZone::load("Mars/Olympus_Mons"), nullptr);
  EXPECT_EQ(TimeZone::load("../../etc/passwd"), nullptr);
  EXPECT_EQ(TimeZone::load("/etc/passwd"), nullptr);
  EXPECT_EQ(TimeZone::load("Europe"), nullptr);  // a folder
  EXPECT_EQ(TimeZone::load(""), nullptr);
  EXPECT_EQ(TimeZone::fromTzif("x", "not a zone file"), nullptr);
}

TEST(TimeZone, LoadedOnceAndSharedAcrossThreads) {
  std::vector<std::shared_ptr<const TimeZone>> zones(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < zones.size(); ++i) {
    threads.emplace_back([&zones, i] { zones[i] = TimeZone::load("Pacific/Auckland"); });
  }
  for (auto& t : threads) t.join();
  for (const auto& zone : zones) {
    ASSERT_NE(zone, nullptr);
    EXPECT_EQ(zone->name(), "Pacific/Auckland");
  }
  EXPECT_EQ(TimeZone::load("Pacific/Auckland"), TimeZone::load("Pacific/Auckland"));
}

TEST(PosixZoneRule, ParsesTheFootersOfZoneFiles) {
  auto us = PosixZoneRule::parse("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(us);
  EXPECT_EQ(us->standardOffset, -5 * 3600);
  EXPECT_EQ(us->daylightOffset, -4 * 3600);
  EXPECT_EQ(us->offsetAt(utcSeconds("2090-07-01T00:00:00")), -4 * 3600);
  EXPECT_EQ(us->offsetAt(utcSeconds("2090-01-01T00:00:00")), -5 * 3600);

  auto fixed = PosixZoneRule::parse("<+0530>-5:30");
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->standardOffset, 19800);
  EXPECT_FALSE(fixed->daylightOffset);

  // Southern hemisphere: daylight time from October to April.
  auto nz = PosixZoneRule::parse("NZST-12NZDT,M9.5.0,M4.1.0/3");
  ASSERT_TRUE(nz);
  EXPECT_EQ(nz->offsetAt(utcSeconds("2090-01-15T00:00:00")), 13 * 3600);
  EXPECT_EQ(nz->offsetAt(utcSeconds("2090-06-15T00:00:00")), 12 * 3600);

  // Daylight time all year, as some zones now write it.
  auto always = PosixZoneRule::parse("EST5EDT,0/0,J365/25");
  ASSERT_TRUE(always);
  EXPECT_EQ(always->offsetAt(utcSeconds("2090-06-15T00:00:00")), -4 * 3600);

  EXPECT_FALSE(PosixZoneRule::parse(""));
  EXPECT_FALSE(PosixZoneRule::parse("E5"));
  EXPECT_FALSE(PosixZoneRule::parse("EST5EDT,M13.1.0,M11.1.0"));
}

}  // namespace
}  // namespace nimbus::aws::scheduler
