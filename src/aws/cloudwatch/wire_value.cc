#include "aws/cloudwatch/wire_value.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>

#include "core/json_writer.h"
#include "core/xml_text.h"

namespace nimbus::aws::cloudwatch {

WireValue WireValue::boolean(bool v) {
  WireValue w;
  w.kind_ = Kind::Boolean;
  w.integer_ = v ? 1 : 0;
  return w;
}

WireValue WireValue::integer(int64_t v) {
  WireValue w;
  w.kind_ = Kind::Integer;
  w.integer_ = v;
  return w;
}

WireValue WireValue::number(double v) {
  WireValue w;
  w.kind_ = Kind::Double;
  w.double_ = v;
  return w;
}

WireValue WireValue::string(std::string v) {
  WireValue w;
  w.kind_ = Kind::String;
  w.string_ = std::move(v);
  return w;
}

WireValue WireValue::timestamp(int64_t epochMs) {
  WireValue w;
  w.kind_ = Kind::Timestamp;
  w.integer_ = epochMs;
  return w;
}

WireValue WireValue::list() {
  WireValue w;
  w.kind_ = Kind::List;
  return w;
}

WireValue WireValue::structure() {
  WireValue w;
  w.kind_ = Kind::Structure;
  return w;
}

WireValue WireValue::map() {
  WireValue w;
  w.kind_ = Kind::Map;
  return w;
}

WireValue& WireValue::set(std::string key, WireValue value) {
  members_.emplace_back(std::move(key), std::move(value));
  return *this;
}

WireValue& WireValue::push(WireValue value) {
  elements_.push_back(std::move(value));
  return *this;
}

std::string isoTimestamp(int64_t epochMs) {
  int64_t seconds = epochMs >= 0 ? epochMs / 1000 : (epochMs - 999) / 1000;
  int millis = static_cast<int>(epochMs - seconds * 1000);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  if (millis == 0) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

namespace {

void writeJson(JsonWriter& w, const WireValue& v) {
  switch (v.kind()) {
    case WireValue::Kind::Null:
      w.null();
      break;
    case WireValue::Kind::Boolean:
      w.boolean(v.booleanValue());
      break;
    case WireValue::Kind::Integer:
      w.number(v.integerValue());
      break;
    case WireValue::Kind::Double:
      w.number(v.doubleValue());
      break;
    case WireValue::Kind::String:
      w.string(v.stringValue());
      break;
    case WireValue::Kind::Timestamp:
      if (v.integerValue() % 1000 == 0) {
        w.number(v.integerValue() / 1000);
      } else {
        w.number(static_cast<double>(v.integerValue()) / 1000.0);
      }
      break;
    case WireValue::Kind::List:
      w.beginArray();
      for (const auto& e : v.elements()) writeJson(w, e);
      w.endArray();
      break;
    case WireValue::Kind::Structure:
    case WireValue::Kind::Map:
      w.beginObject();
      for (const auto& [key, member] : v.members()) {
        w.key(key);
        writeJson(w, member);
      }
      w.endObject();
      break;
  }
}

// The head of a CBOR data item: major type and argument, in the shortest form.
void cborHead(std::string& out, uint8_t major, uint64_t argument) {
  uint8_t m = static_cast<uint8_t>(major << 5);
  if (argument < 24) {
    out.push_back(static_cast<char>(m | argument));
    return;
  }
  int bytes = argument <= 0xff ? 1 : argument <= 0xffff ? 2 : argument <= 0xffffffffULL ? 4 : 8;
  out.push_back(static_cast<char>(m | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27)));
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((argument >> (8 * i)) & 0xff));
}

void cborText(std::string& out, std::string_view text) {
  cborHead(out, 3, text.size());
  out.append(text);
}

void cborInteger(std::string& out, int64_t v) {
  if (v >= 0) {
    cborHead(out, 0, static_cast<uint64_t>(v));
  } else {
    cborHead(out, 1, static_cast<uint64_t>(-(v + 1)));
  }
}

void cborDouble(std::string& out, double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  out.push_back(static_cast<char>(0xfb));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void writeCbor(std::string& out, const WireValue& v) {
  switch (v.kind()) {
    case WireValue::Kind::Null:
      out.push_back(static_cast<char>(0xf6));
      break;
    case WireValue::Kind::Boolean:
      out.push_back(static_cast<char>(v.booleanValue() ? 0xf5 : 0xf4));
      break;
    case WireValue::Kind::Integer:
      cborInteger(out, v.integerValue());
      break;
    case WireValue::Kind::Double:
      cborDouble(out, v.doubleValue());
      break;
    case WireValue::Kind::String:
      cborText(out, v.stringValue());
      break;
    case WireValue::Kind::Timestamp:
      // Tag 1 (epoch-based date/time) around seconds; a whole number stays an integer.
      cborHead(out, 6, 1);
      if (v.integerValue() % 1000 == 0) {
        cborInteger(out, v.integerValue() / 1000);
      } else {
        cborDouble(out, static_cast<double>(v.integerValue()) / 1000.0);
      }
      break;
    case WireValue::Kind::List:
      cborHead(out, 4, v.elements().size());
      for (const auto& e : v.elements()) writeCbor(out, e);
      break;
    case WireValue::Kind::Structure:
    case WireValue::Kind::Map:
      cborHead(out, 5, v.members().size());
      for (const auto& [key, member] : v.members()) {
        cborText(out, key);
        writeCbor(out, member);
      }
      break;
  }
}

void appendXmlNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out.append(buf, end);
  }
}

void writeXml(std::string& out, std::string_view name, const WireValue& v);

void writeXmlContent(std::string& out, const WireValue& v) {
  switch (v.kind()) {
    case WireValue::Kind::Null:
      break;
    case WireValue::Kind::Boolean:
      out += v.booleanValue() ? "true" : "false";
      break;
    case WireValue::Kind::Integer:
      out += std::to_string(v.integerValue());
      break;
    case WireValue::Kind::Double:
      appendXmlNumber(out, v.doubleValue());
      break;
    case WireValue::Kind::String:
      appendXmlEscaped(out, v.stringValue());
      break;
    case WireValue::Kind::Timestamp:
      out += isoTimestamp(v.integerValue());
      break;
    case WireValue::Kind::List:
      for (const auto& e : v.elements()) writeXml(out, "member", e);
      break;
    case WireValue::Kind::Structure:
      appendXmlMembers(out, v);
      break;
    case WireValue::Kind::Map:
      for (const auto& [key, value] : v.members()) {
        out += "<entry><key>";
        appendXmlEscaped(out, key);
        out += "</key>";
        writeXml(out, "value", value);
        out += "</entry>";
      }
      break;
  }
}

void writeXml(std::string& out, std::string_view name, const WireValue& v) {
  if (v.kind() == WireValue::Kind::Null) return;
  out += '<';
  out += name;
  out += '>';
  writeXmlContent(out, v);
  out += "</";
  out += name;
  out += '>';
}

}  // namespace

std::string toJson(const WireValue& value) {
  std::string out;
  JsonWriter w(out);
  writeJson(w, value);
  return out;
}

std::string toCbor(const WireValue& value) {
  std::string out;
  writeCbor(out, value);
  return out;
}

void appendXmlMembers(std::string& out, const WireValue& structure) {
  for (const auto& [key, member] : structure.members()) writeXml(out, key, member);
}

}  // namespace nimbus::aws::cloudwatch
