#include "aws/scheduler/time_zone.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

#include "aws/scheduler/civil_time.h"
#include "core/file_text.h"

namespace nimbus::aws::scheduler {
namespace {

constexpr std::string_view kZoneinfoDir = "/usr/share/zoneinfo/";

// A cursor over a POSIX TZ string.
class TzText {
 public:
  explicit TzText(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool take(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // A zone abbreviation: three or more letters, or anything between '<' and '>'.
  bool name() {
    if (take('<')) {
      const size_t close = text_.find('>', pos_);
      if (close == std::string_view::npos) return false;
      pos_ = close + 1;
      return true;
    }
    const size_t begin = pos_;
    while (std::isalpha(static_cast<unsigned char>(peek()))) ++pos_;
    return pos_ - begin >= 3;
  }

  // [+-]hh[:mm[:ss]] in seconds, with the sign as written.
  std::optional<int32_t> hms(int maxHours) {
    int sign = 1;
    if (take('-')) {
      sign = -1;
    } else {
      take('+');
    }
    auto hours = number(maxHours);
    if (!hours) return std::nullopt;
    int32_t seconds = *hours * 3600;
    if (take(':')) {
      auto minutes = number(59);
      if (!minutes) return std::nullopt;
      seconds += *minutes * 60;
      if (take(':')) {
        auto secs = number(59);
        if (!secs) return std::nullopt;
        seconds += *secs;
      }
    }
    return sign * seconds;
  }

  std::optional<int> number(int max) {
    const size_t begin = pos_;
    int value = 0;
    while (std::isdigit(static_cast<unsigned char>(peek())) && pos_ - begin < 4) {
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == begin || value > max) return std::nullopt;
    return value;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::optional<PosixZoneRule::Boundary> parseBoundary(TzText& in) {
  using Kind = PosixZoneRule::Boundary::Kind;
  PosixZoneRule::Boundary b;
  if (in.take('M')) {
    b.kind = Kind::kMonthWeekDay;
    auto month = in.number(12);
    if (!month || *month < 1 || !in.take('.')) return std::nullopt;
    auto week = in.number(5);
    if (!week || *week < 1 || !in.take('.')) return std::nullopt;
    auto day = in.number(6);
    if (!day) return std::nullopt;
    b.month = *month;
    b.week = *week;
    b.day = *day;
  } else if (in.take('J')) {
    b.kind = Kind::kJulianNoLeap;
    auto day = in.number(365);
    if (!day || *day < 1) return std::nullopt;
    b.day = *day;
  } else {
    b.kind = Kind::kZeroBasedDay;
    auto day = in.number(365);
    if (!day) return std::nullopt;
    b.day = *day;
  }
  if (in.take('/')) {
    // RFC 8536 extends the POSIX time to -167..167 hours.
    auto seconds = in.hms(167);
    if (!seconds) return std::nullopt;
    b.seconds = *seconds;
  }
  return b;
}

// Local seconds since the epoch at which a boundary falls in `year`.
int64_t boundaryLocalSeconds(const PosixZoneRule::Boundary& b, int year) {
  using Kind = PosixZoneRule::Boundary::Kind;
  int64_t days = 0;
  switch (b.kind) {
    case Kind::kJulianNoLeap: {
      int dayOfYear = b.day - 1;  // February 29 is never counted
      if (isLeapYear(year) && b.day >= 60) ++dayOfYear;
      days = daysFromCivil(year, 1, 1) + dayOfYear;
      break;
    }
    case Kind::kZeroBasedDay:
      days = daysFromCivil(year, 1, 1) + b.day;
      break;
    case Kind::kMonthWeekDay: {
      const int64_t first = daysFromCivil(year, b.month, 1);
      int day = 1 + (b.day - weekdayOfDays(first) + 7) % 7 + (b.week - 1) * 7;
      while (day > daysInMonth(year, b.month)) day -= 7;
      days = first + day - 1;
      break;
    }
  }
  return days * 86400 + b.seconds;
}

uint32_t be32(std::string_view bytes, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}

int64_t be64(std::string_view bytes, size_t at) {
  return static_cast<int64_t>((static_cast<uint64_t>(be32(bytes, at)) << 32) | be32(bytes, at + 4));
}

struct TzifCounts {
  uint32_t isutc = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
  size_t dataSize(size_t timeSize) const {
    return time * timeSize + time + type * 6 + chars + leap * (timeSize + 4) + isstd + isutc;
  }
};

constexpr size_t kTzifHeaderSize = 44;

std::optional<TzifCounts> readHeader(std::string_view bytes, size_t at) {
  if (bytes.size() < at + kTzifHeaderSize || bytes.substr(at, 4) != "TZif") return std::nullopt;
  TzifCounts c;
  c.isutc = be32(bytes, at + 20);
  c.isstd = be32(bytes, at + 24);
  c.leap = be32(bytes, at + 28);
  c.time = be32(bytes, at + 32);
  c.type = be32(bytes, at + 36);
  c.chars = be32(bytes, at + 40);
  if (c.type == 0 || c.time > 100000 || c.type > 256 || c.chars > 100000 || c.leap > 100000 ||
      c.isstd > 256 || c.isutc > 256) {
    return std::nullopt;
  }
  return c;
}

// Names that stay inside the zoneinfo folder: letters, digits, '_', '-', '+' and '/' between
// non-empty parts.
bool plausibleZoneName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' ||
           c == '/';
  });
}

}  // namespace

std::optional<PosixZoneRule> PosixZoneRule::parse(std::string_view text) {
  TzText in(text);
  PosixZoneRule rule;
  if (!in.name()) return std::nullopt;
  auto standard = in.hms(24);
  if (!standard) return std::nullopt;
  rule.standardOffset = -*standard;
  if (in.done()) return rule;
  if (!in.name()) return std::nullopt;
  rule.daylightOffset = rule.standardOffset + 3600;
  if (!in.done() && in.peek() != ',') {
    auto daylight = in.hms(24);
    if (!daylight) return std::nullopt;
    rule.daylightOffset = -*daylight;
  }
  if (in.done()) {
    // POSIX leaves the default rule to the implementation; the United States' is usual.
    rule.start = {Boundary::Kind::kMonthWeekDay, 0, 3, 2, 7200};
    rule.end = {Boundary::Kind::kMonthWeekDay, 0, 11, 1, 7200};
    return rule;
  }
  if (!in.take(',')) return std::nullopt;
  auto start = parseBoundary(in);
  if (!start || !in.take(',')) return std::nullopt;
  auto end = parseBoundary(in);
  if (!end || !in.done()) return std::nullopt;
  rule.start = *start;
  rule.end = *end;
  return rule;
}

int32_t PosixZoneRule::offsetAt(int64_t utcSeconds) const {
  if (!daylightOffset) return standardOffset;
  const int year = civilFromDays(floorDiv(utcSeconds + standardOffset, 86400)).year;
  // The start is given in standard time, the end in daylight time.
  const int64_t startUtc = boundaryLocalSeconds(start, year) - standardOffset;
  const int64_t endUtc = boundaryLocalSeconds(end, year) - *daylightOffset;
  const bool daylight = startUtc < endUtc ? (utcSeconds >= startUtc && utcSeconds < endUtc)
                                          : (utcSeconds < endUtc || utcSeconds >= startUtc);
  return daylight ? *daylightOffset : standardOffset;
}

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const std::shared_ptr<const TimeZone> zone(new TimeZone("UTC"));
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::fromTzif(std::string name, std::string_view bytes) {
  auto v1 = readHeader(bytes, 0);
  if (!v1) return nullptr;
  const char version = bytes[4];
  size_t at = kTzifHeaderSize;
  TzifCounts counts = *v1;
  size_t timeSize = 4;
  if (version >= '2') {
    // Version 2 and later repeat the data with 64-bit times after the version 1 block.
    at += v1->dataSize(4);
    auto v2 = readHeader(bytes, at);
    if (!v2) return nullptr;
    counts = *v2;
    at += kTzifHeaderSize;
    timeSize = 8;
  }
  if (bytes.size() < at + counts.dataSize(timeSize)) return nullptr;

  std::shared_ptr<TimeZone> zone(new TimeZone(std::move(name)));
  const size_t timesAt = at;
  const size_t indexesAt = timesAt + counts.time * timeSize;
  const size_t typesAt = indexesAt + counts.time;
  std::vector<int32_t> typeOffsets(counts.type);
  for (uint32_t i = 0; i < counts.type; ++i) {
    typeOffsets[i] = static_cast<int32_t>(be32(bytes, typesAt + i * 6));
  }
  zone->initialOffset_ = typeOffsets[0];
  zone->transitions_.reserve(counts.time);
  zone->offsetsAfter_.reserve(counts.time);
  for (uint32_t i = 0; i < counts.time; ++i) {
    const int64_t when = timeSize == 8 ? be64(bytes, timesAt + i * 8)
                                       : static_cast<int32_t>(be32(bytes, timesAt + i * 4));
    const auto type = static_cast<unsigned char>(bytes[indexesAt + i]);
    if (type >= counts.type) return nullptr;
    if (!zone->transitions_.empty() && when <= zone->transitions_.back()) return nullptr;
    zone->transitions_.push_back(when);
    zone->offsetsAfter_.push_back(typeOffsets[type]);
  }
  if (timeSize == 8) {
    const size_t footerAt = at + counts.dataSize(8);
    if (footerAt < bytes.size() && bytes[footerAt] == '\n') {
      const size_t close = bytes.find('\n', footerAt + 1);
      if (close != std::string_view::npos && close > footerAt + 1) {
        zone->footer_ = PosixZoneRule::parse(bytes.substr(footerAt + 1, close - footerAt - 1));
      }
    }
  }
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::load(std::string_view name) {
  if (name == "UTC") return utc();
  if (!plausibleZoneName(name)) return nullptr;
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto found = cache.find(name); found != cache.end()) return found->second;
  }
  auto bytes = readFileText(std::string(kZoneinfoDir) + std::string(name));
  if (!bytes) return nullptr;
  auto zone = fromTzif(std::string(name), *bytes);
  if (!zone) return nullptr;
  std::lock_guard lock(mutex);
  return cache.emplace(std::string(name), std::move(zone)).first->second;
}

int32_t TimeZone::offsetAt(int64_t utcSeconds) const {
  if (transitions_.empty()) return footer_ ? footer_->offsetAt(utcSeconds) : initialOffset_;
  if (utcSeconds < transitions_.front()) return initialOffset_;
  if (footer_ && utcSeconds >= transitions_.back()) return footer_->offsetAt(utcSeconds);
  const auto after = std::upper_bound(transitions_.begin(), transitions_.end(), utcSeconds);
  return offsetsAfter_[static_cast<size_t>(after - transitions_.begin()) - 1];
}

std::optional<int64_t> TimeZone::firstInstantOf(int64_t localSeconds) const {
  // Offsets never exceed a day, and zones change at most a few times in two days: every
  // offset that can apply to this local time is one in force within a day of it.
  std::optional<int64_t> first;
  for (int64_t probe : {-86400, -43200, 0, 43200, 86400}) {
    const int32_t offset = offsetAt(localSeconds + probe);
    const int64_t candidate = localSeconds - offset;
    if (offsetAt(candidate) != offset) continue;
    if (!first || candidate < *first) first = candidate;
  }
  return first;
}

}  // namespace nimbus::aws::scheduler
