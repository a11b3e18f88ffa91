#include "aws/dynamodb/attribute_value.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <unordered_set>

#include "core/base64.h"
#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Values nest at most this deep (DynamoDB allows 32 levels of nesting).
constexpr int kMaxDepth = 32;

ServiceError validation(std::string message) {
  return ServiceError{"ValidationException", std::move(message), 400};
}

// A member of the wrong JSON type never reaches DynamoDB's validation: its JSON reader refuses
// it with a SerializationException.
ServiceError wrongJsonType(std::string_view member, std::string_view expected) {
  return ServiceError{"SerializationException",
                      fmt::format("Unexpected value type for {}: expected {}", member, expected),
                      400};
}

Result<std::string_view> stringMember(const element& e, std::string_view member) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return wrongJsonType(member, "a string");
  return s;
}

Result<std::string> binaryMember(const element& e, std::string_view member) {
  auto text = stringMember(e, member);
  if (!text) return text.takeError();
  auto bytes = base64Decode(*text);
  if (!bytes) {
    return ServiceError{"SerializationException", fmt::format("Invalid base64 in {}", member), 400};
  }
  return std::move(*bytes);
}

std::string joinForMessage(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i];
  return out + "]";
}

// Sets are non-empty and hold each member once.
template <typename T>
Status checkSetMembers(const std::vector<T>& members, const std::vector<std::string>& texts,
                       std::string_view emptyMessage) {
  if (members.empty()) {
    return validation(fmt::format("One or more parameter values were invalid: {}", emptyMessage));
  }
  for (size_t i = 0; i < members.size(); ++i) {
    for (size_t j = i + 1; j < members.size(); ++j) {
      if (members[i] == members[j]) {
        return validation(fmt::format(
            "One or more parameter values were invalid: Input collection {} contains duplicates.",
            joinForMessage(texts)));
      }
    }
  }
  return ok();
}

Result<AttributeValue> read(const element& json, int depth);

Result<Map> readMap(const element& json, int depth, std::string_view member) {
  simdjson::dom::object object;
  if (json.get(object) != simdjson::SUCCESS) return wrongJsonType(member, "an object");
  Map out;
  for (auto field : object) {
    auto value = read(field.value, depth + 1);
    if (!value) return value.takeError();
    out.insert_or_assign(std::string(field.key), std::move(*value));
  }
  return out;
}

Result<AttributeValue> readTyped(std::string_view type, const element& v, int depth) {
  if (type == "S") {
    auto s = stringMember(v, "S");
    if (!s) return s.takeError();
    return AttributeValue(String{std::string(*s)});
  }
  if (type == "N") {
    auto s = stringMember(v, "N");
    if (!s) return s.takeError();
    auto d = Decimal::parse(*s);
    if (!d) return d.takeError();
    return AttributeValue(std::move(*d));
  }
  if (type == "B") {
    auto b = binaryMember(v, "B");
    if (!b) return b.takeError();
    return AttributeValue(Binary{std::move(*b)});
  }
  if (type == "BOOL") {
    bool b;
    if (v.get(b) != simdjson::SUCCESS) return wrongJsonType("BOOL", "a boolean");
    return AttributeValue(b);
  }
  if (type == "NULL") {
    bool b;
    if (v.get(b) != simdjson::SUCCESS) return wrongJsonType("NULL", "a boolean");
    if (!b) {
      return validation(
          "One or more parameter values were invalid: Null attribute value types must have the "
          "value of true");
    }
    return AttributeValue(Null{});
  }
  if (type == "L") {
    simdjson::dom::array array;
    if (v.get(array) != simdjson::SUCCESS) return wrongJsonType("L", "an array");
    List list;
    for (element e : array) {
      auto item = read(e, depth + 1);
      if (!item) return item.takeError();
      list.push_back(std::move(*item));
    }
    return AttributeValue(std::move(list));
  }
  if (type == "M") {
    auto map = readMap(v, depth, "M");
    if (!map) return map.takeError();
    return AttributeValue(std::move(*map));
  }
  if (type == "SS" || type == "NS" || type == "BS") {
    simdjson::dom::array array;
    if (v.get(array) != simdjson::SUCCESS) return wrongJsonType(type, "an array");
    std::vector<std::string> texts;
    for (element e : array) {
      auto s = stringMember(e, type);
      if (!s) return s.takeError();
      texts.emplace_back(*s);
    }
    if (type == "SS") {
      if (auto st = checkSetMembers(texts, texts, "An string set  may not be empty"); !st) {
        return st.takeError();
      }
      return AttributeValue(StringSet{std::move(texts)});
    }
    if (type == "NS") {
      std::vector<Decimal> numbers;
      for (const auto& t : texts) {
        auto d = Decimal::parse(t);
        if (!d) return d.takeError();
        numbers.push_back(std::move(*d));
      }
      if (auto st = checkSetMembers(numbers, texts, "An number set  may not be empty"); !st) {
        return st.takeError();
      }
      return AttributeValue(NumberSet{std::move(numbers)});
    }
    std::vector<std::string> bytes;
    for (const auto& t : texts) {
      auto b = base64Decode(t);
      if (!b) return ServiceError{"SerializationException", "Invalid base64 in BS", 400};
      bytes.push_back(std::move(*b));
    }
    if (auto st = checkSetMembers(bytes, texts, "Binary sets should not be empty"); !st) {
      return st.takeError();
    }
    return AttributeValue(BinarySet{std::move(bytes)});
  }
  return Result<AttributeValue>(ServiceError{});  // Unknown member: the caller skips it.
}

Result<AttributeValue> read(const element& json, int depth) {
  if (depth > kMaxDepth) {
    return validation("Nesting Levels have exceeded supported limits");
  }
  simdjson::dom::object object;
  if (json.get(object) != simdjson::SUCCESS) {
    return wrongJsonType("AttributeValue", "an object");
  }
  std::optional<AttributeValue> found;
  for (auto field : object) {
    // A member set to null is how some SDKs write "not set".
    if (field.value.is_null()) continue;
    auto value = readTyped(field.key, field.value, depth);
    if (!value) {
      if (value.error().code.empty()) continue;  // Not a data type member.
      return value.takeError();
    }
    if (found) {
      return validation(
          "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
          "the supported datatypes");
    }
    found = std::move(*value);
  }
  if (!found) {
    return validation(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  return std::move(*found);
}

template <typename T>
bool sameMembers(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) return false;
  }
  return true;
}

}  // namespace

std::string_view typeName(Type type) {
  static constexpr std::string_view kNames[] = {"S", "N", "B",  "BOOL", "NULL",
                                                "L", "M", "SS", "NS",   "BS"};
  return kNames[static_cast<size_t>(type)];
}

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kS:
      return a.s() == b.s();
    case Type::kN:
      return a.n() == b.n();
    case Type::kB:
      return a.b() == b.b();
    case Type::kBool:
      return std::get<bool>(a.value) == std::get<bool>(b.value);
    case Type::kNull:
      return true;
    case Type::kL:
      return a.l() == b.l();
    case Type::kM:
      return a.m() == b.m();
    case Type::kSS:
      return sameMembers(std::get<StringSet>(a.value).values, std::get<StringSet>(b.value).values);
    case Type::kNS:
      return sameMembers(std::get<NumberSet>(a.value).values, std::get<NumberSet>(b.value).values);
    case Type::kBS:
      return sameMembers(std::get<BinarySet>(a.value).values, std::get<BinarySet>(b.value).values);
  }
  return false;
}

std::strong_ordering compareScalars(const AttributeValue& a, const AttributeValue& b) {
  switch (a.type()) {
    case Type::kN:
      return a.n() <=> b.n();
    case Type::kS:
      return a.s().compare(b.s()) <=> 0;  // std::string compares as unsigned char.
    case Type::kB:
      return a.b().compare(b.b()) <=> 0;
    default:
      return std::strong_ordering::equal;
  }
}

Result<AttributeValue> readAttributeValue(const simdjson::dom::element& json) {
  return read(json, 0);
}

Result<Item> readItem(const simdjson::dom::element& json) {
  return readMap(json, 0, "Item");
}

void writeAttributeValue(JsonWriter& out, const AttributeValue& value) {
  out.beginObject();
  out.key(typeName(value.type()));
  switch (value.type()) {
    case Type::kS:
      out.string(value.s());
      break;
    case Type::kN:
      out.string(value.n().toString());
      break;
    case Type::kB:
      out.string(base64Encode(value.b()));
      break;
    case Type::kBool:
      out.boolean(std::get<bool>(value.value));
      break;
    case Type::kNull:
      out.boolean(true);
      break;
    case Type::kL:
      out.beginArray();
      for (const auto& v : value.l()) writeAttributeValue(out, v);
      out.endArray();
      break;
    case Type::kM:
      writeItem(out, value.m());
      break;
    case Type::kSS:
      out.beginArray();
      for (const auto& s : std::get<StringSet>(value.value).values) out.string(s);
      out.endArray();
      break;
    case Type::kNS:
      out.beginArray();
      for (const auto& n : std::get<NumberSet>(value.value).values) out.string(n.toString());
      out.endArray();
      break;
    case Type::kBS:
      out.beginArray();
      for (const auto& b : std::get<BinarySet>(value.value).values) out.string(base64Encode(b));
      out.endArray();
      break;
  }
  out.endObject();
}

void writeItem(JsonWriter& out, const Item& item) {
  out.beginObject();
  for (const auto& [name, value] : item) {
    out.key(name);
    writeAttributeValue(out, value);
  }
  out.endObject();
}

std::string itemToJson(const Item& item) {
  std::string out;
  JsonWriter w(out);
  writeItem(w, item);
  return out;
}

Result<Item> itemFromJson(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return ServiceError{"SerializationException", "Malformed item", 400};
  }
  return readItem(root);
}

size_t attributeSize(const AttributeValue& value) {
  switch (value.type()) {
    case Type::kS:
      return value.s().size();
    case Type::kN:
      return value.n().storageSize();
    case Type::kB:
      return value.b().size();
    case Type::kBool:
    case Type::kNull:
      return 1;
    case Type::kL: {
      size_t size = 3;
      for (const auto& v : value.l()) size += 1 + attributeSize(v);
      return size;
    }
    case Type::kM: {
      size_t size = 3;
      for (const auto& [name, v] : value.m()) size += 1 + name.size() + attributeSize(v);
      return size;
    }
    case Type::kSS: {
      size_t size = 0;
      for (const auto& s : std::get<StringSet>(value.value).values) size += s.size();
      return size;
    }
    case Type::kNS: {
      size_t size = 0;
      for (const auto& n : std::get<NumberSet>(value.value).values) size += n.storageSize();
      return size;
    }
    case Type::kBS: {
      size_t size = 0;
      for (const auto& b : std::get<BinarySet>(value.value).values) size += b.size();
      return size;
    }
  }
  return 0;
}

size_t itemSize(const Item& item) {
  size_t size = 0;
  for (const auto& [name, value] : item) size += name.size() + attributeSize(value);
  return size;
}

}  // namespace nimbus::aws::dynamodb
