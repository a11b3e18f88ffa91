// An answer's shape independent of the wire: CloudWatch answers the same operation in XML (query
// protocol), JSON 1.0 and CBOR (Smithy RPC v2), which differ in how they write lists, maps and
// above all timestamps (ISO 8601 text, epoch seconds, CBOR tag 1). Operations build a WireValue;
// the protocol writes it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::aws::cloudwatch {

class WireValue {
 public:
  enum class Kind { Null, Boolean, Integer, Double, String, Timestamp, List, Structure, Map };

  WireValue() = default;
  static WireValue boolean(bool v);
  static WireValue integer(int64_t v);
  static WireValue number(double v);
  static WireValue string(std::string v);
  static WireValue timestamp(int64_t epochMs);
  static WireValue list();
  static WireValue structure();
  static WireValue map();

  // Appends a member (structure) or entry (map).
  WireValue& set(std::string key, WireValue value);
  // Appends an element (list).
  WireValue& push(WireValue value);

  Kind kind() const { return kind_; }
  bool booleanValue() const { return integer_ != 0; }
  int64_t integerValue() const { return integer_; }
  double doubleValue() const { return double_; }
  const std::string& stringValue() const { return string_; }
  const std::vector<WireValue>& elements() const { return elements_; }
  const std::vector<std::pair<std::string, WireValue>>& members() const { return members_; }

 private:
  Kind kind_ = Kind::Null;
  int64_t integer_ = 0;  // Integer, Boolean, Timestamp (epoch milliseconds).
  double double_ = 0;
  std::string string_;
  std::vector<WireValue> elements_;
  std::vector<std::pair<std::string, WireValue>> members_;
};

// JSON 1.0: timestamps as epoch seconds (a number with a fraction when needed).
std::string toJson(const WireValue& value);
// CBOR as Smithy RPC v2 writes it: definite lengths, doubles as 64-bit floats, timestamps as
// tag 1 around epoch seconds.
std::string toCbor(const WireValue& value);
// The query protocol's XML for a structure's members (without an enclosing element): lists as
// <member> elements, maps as <entry><key/><value/></entry>, timestamps in ISO 8601.
void appendXmlMembers(std::string& out, const WireValue& structure);

// "2026-12-08T00:37:00Z" ("...00.123Z" when the milliseconds are not zero).
std::string isoTimestamp(int64_t epochMs);

}  // namespace nimbus::aws::cloudwatch
