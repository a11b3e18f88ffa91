#include "core/time_format.h"

#include <fmt/format.h>

#include <ctime>

namespace nimbus {

namespace {

std::tm utcParts(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm parts{};
  gmtime_r(&secs, &parts);
  return parts;
}

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

int64_t epochMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

int64_t nowMs() {
  return epochMillis(std::chrono::system_clock::now());
}

std::string apiGatewayTime(WallTime t) {
  std::tm p = utcParts(t);
  return fmt::format("{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000", p.tm_mday, kMonths[p.tm_mon],
                     p.tm_year + 1900, p.tm_hour, p.tm_min, p.tm_sec);
}

std::string isoTimeMillis(WallTime t) {
  std::tm p = utcParts(t);
  int millis = static_cast<int>(epochMillis(t) % 1000);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", p.tm_year + 1900, p.tm_mon + 1,
                     p.tm_mday, p.tm_hour, p.tm_min, p.tm_sec, millis);
}

std::string utcText(int64_t epochMs, const char* format) {
  // Floor division: a time before 1970 still names the second it falls in.
  int64_t seconds = epochMs / 1000 - (epochMs % 1000 < 0 ? 1 : 0);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&t, &parts);
  char text[64];
  size_t n = std::strftime(text, sizeof text, format, &parts);
  return std::string(text, n);
}

std::string logStreamDate(WallTime t) {
  std::tm p = utcParts(t);
  return fmt::format("{:04}/{:02}/{:02}", p.tm_year + 1900, p.tm_mon + 1, p.tm_mday);
}

}  // namespace nimbus
