// DynamoDB's attribute values (S, N, B, BOOL, NULL, L, M, SS, NS, BS), how they are read from
// and written to DynamoDB JSON ({"S": "text"}, {"N": "12"}, {"B": "base64"} ...), compared,
// and sized as DynamoDB counts item sizes.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws/dynamodb/decimal.h"
#include "core/result.h"

namespace simdjson::dom {
class element;
}

namespace nimbus {
class JsonWriter;
}

namespace nimbus::aws::dynamodb {

struct AttributeValue;

// Tagged wrappers so that strings, binaries and their sets are different alternatives.
struct String {
  std::string value;
  bool operator==(const String&) const = default;
};
struct Binary {
  std::string bytes;  // Raw bytes (base64 only on the wire).
  bool operator==(const Binary&) const = default;
};
struct Null {
  bool operator==(const Null&) const = default;
};
// Sets keep their members unique and in the order first given (DynamoDB's order is unspecified).
struct StringSet {
  std::vector<std::string> values;
};
struct NumberSet {
  std::vector<Decimal> values;
};
struct BinarySet {
  std::vector<std::string> values;
};
using List = std::vector<AttributeValue>;
using Map = std::map<std::string, AttributeValue>;  // Also an item: attribute name -> value.
using Item = Map;

enum class Type : uint8_t { kS, kN, kB, kBool, kNull, kL, kM, kSS, kNS, kBS };

// The type's DynamoDB descriptor: "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS".
std::string_view typeName(Type type);

struct AttributeValue {
  // Alternative order matches Type.
  std::variant<String, Decimal, Binary, bool, Null, List, Map, StringSet, NumberSet, BinarySet>
      value;

  AttributeValue() : value(Null{}) {}
  template <typename T>
  AttributeValue(T v) : value(std::move(v)) {}  // NOLINT: implicit from any alternative.

  Type type() const { return static_cast<Type>(value.index()); }
  bool is(Type t) const { return type() == t; }
  bool isSet() const { return is(Type::kSS) || is(Type::kNS) || is(Type::kBS); }
  bool isScalarKeyType() const { return is(Type::kS) || is(Type::kN) || is(Type::kB); }

  const std::string& s() const { return std::get<String>(value).value; }
  const Decimal& n() const { return std::get<Decimal>(value); }
  const std::string& b() const { return std::get<Binary>(value).bytes; }
  const List& l() const { return std::get<List>(value); }
  List& l() { return std::get<List>(value); }
  const Map& m() const { return std::get<Map>(value); }
  Map& m() { return std::get<Map>(value); }
};

// DynamoDB's equality: same type and same value; sets are equal when they hold the same members
// in any order; numbers compare numerically.
bool operator==(const AttributeValue& a, const AttributeValue& b);

// DynamoDB's order for key and comparison operators, defined only within one of the types S
// (UTF-8 bytes), N (numeric) and B (unsigned bytes). Returns less/equal/greater; callers check
// the types first.
std::strong_ordering compareScalars(const AttributeValue& a, const AttributeValue& b);

// Reads one attribute value in DynamoDB JSON. Errors are DynamoDB's ValidationExceptions
// ("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
// "One or more parameter values were invalid: An number set  may not be empty", duplicates in a
// set, numbers out of range, invalid base64 ...).
Result<AttributeValue> readAttributeValue(const simdjson::dom::element& json);
// Reads a map of attribute values ({"name": {"S": "x"}, ...}): an item, a key, or
// ExpressionAttributeValues.
Result<Item> readItem(const simdjson::dom::element& json);

// Writes DynamoDB JSON.
void writeAttributeValue(JsonWriter& out, const AttributeValue& value);
void writeItem(JsonWriter& out, const Item& item);
std::string itemToJson(const Item& item);
// Parses an item written by itemToJson (the store's encoding).
Result<Item> itemFromJson(std::string_view json);

// Sizes as DynamoDB counts them for the 400 KB item limit and capacity: names plus values;
// strings and binaries by length, numbers by Decimal::storageSize, 1 byte for BOOL and NULL,
// 3 bytes of overhead per list or map plus one per element.
size_t attributeSize(const AttributeValue& value);
size_t itemSize(const Item& item);

constexpr size_t kMaxItemBytes = 400 * 1024;

}  // namespace nimbus::aws::dynamodb
