#include "aws/cloudwatch/input.h"

#include <cmath>
#include <cstdlib>
#include <ctime>

namespace nimbus::aws::cloudwatch::input {

using nlohmann::json;

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> text(const json* value) {
  if (!value) return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_integer()) return std::to_string(value->get<int64_t>());
  if (value->is_number()) return value->dump();
  return std::nullopt;
}

std::optional<double> number(const json* value) {
  if (!value) return std::nullopt;
  if (value->is_number()) return value->get<double>();
  if (!value->is_string()) return std::nullopt;
  const std::string& s = value->get_ref<const std::string&>();
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return d;
}

std::optional<bool> boolean(const json* value) {
  if (!value) return std::nullopt;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_string()) {
    if (*value == "true") return true;
    if (*value == "false") return false;
  }
  return std::nullopt;
}

namespace {

// Reads `count` digits at `pos` into `out`.
bool digits(std::string_view s, size_t& pos, int count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (int i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::optional<int64_t> parseIso8601(std::string_view s) {
  size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  int millis = 0;
  int offsetMinutes = 0;
  if (pos < s.size()) {
    if (!expect(s, pos, 'T') && !expect(s, pos, 't') && !expect(s, pos, ' ')) return std::nullopt;
    if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute)) {
      return std::nullopt;
    }
    if (expect(s, pos, ':') && !digits(s, pos, 2, second)) return std::nullopt;
    if (expect(s, pos, '.')) {
      int scale = 100;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        millis += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
    if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
      // UTC.
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      expect(s, pos, ':');
      if (pos < s.size() && !digits(s, pos, 2, om)) return std::nullopt;
      offsetMinutes = sign * (oh * 60 + om);
    }
  }
  if (pos != s.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t seconds = static_cast<int64_t>(timegm(&tm)) - int64_t{offsetMinutes} * 60;
  return seconds * 1000 + millis;
}

}  // namespace

std::optional<int64_t> timestampMs(const json* value) {
  if (!value) return std::nullopt;
  if (value->is_number()) {
    double seconds = value->get<double>();
    if (!std::isfinite(seconds)) return std::nullopt;
    return static_cast<int64_t>(std::llround(seconds * 1000.0));
  }
  if (!value->is_string()) return std::nullopt;
  const std::string& s = value->get_ref<const std::string&>();
  if (auto iso = parseIso8601(s)) return iso;
  // Some clients send epoch seconds as text.
  if (auto seconds = number(value); seconds && std::isfinite(*seconds)) {
    return static_cast<int64_t>(std::llround(*seconds * 1000.0));
  }
  return std::nullopt;
}

std::optional<std::vector<const json*>> list(const json* value) {
  std::vector<const json*> out;
  if (!value) return out;
  if (value->is_string() && value->get_ref<const std::string&>().empty()) return out;
  if (!value->is_array()) return std::nullopt;
  for (const auto& e : *value) out.push_back(&e);
  return out;
}

}  // namespace nimbus::aws::cloudwatch::input
