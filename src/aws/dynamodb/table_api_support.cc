#include "aws/dynamodb/table_api_support.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <set>

namespace nimbus::aws::dynamodb {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr size_t kMaxTagKeyLength = 128;
constexpr size_t kMaxTagValueLength = 256;
constexpr size_t kMaxTableNameOrArnLength = 1024;  // TableName also takes the table's ARN.

// A member of an object; JSON null counts as absent, as for the request's own members.
std::optional<element> memberOf(const element& object, std::string_view name) {
  element e;
  if (object[name].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

// Counts UTF-8 code points: DynamoDB's tag limits are in characters.
size_t characters(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Tag keys and values hold letters, digits, white space and _ . : / = + - @ (any non-ASCII
// character passes as a letter).
bool isTagText(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80 || std::isalnum(c) || std::isspace(c)) continue;
    if (std::string_view("_.:/=+-@").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

ServiceError serialization(std::string message) {
  return ServiceError{"SerializationException", std::move(message), 400};
}

ServiceError invalidParameter(std::string_view detail) {
  return validationError(fmt::format("One or more parameter values were invalid: {}", detail));
}

ServiceError commitFailed(const std::string& error) {
  return ServiceError{"InternalServerError", "Internal server error: " + error, 500};
}

void Violations::null(std::string_view path) {
  list_.push_back(fmt::format(
      "Value null at '{}' failed to satisfy constraint: Member must not be null", path));
}

void Violations::constraint(std::string_view value, std::string_view path, std::string_view rule) {
  list_.push_back(
      fmt::format("Value '{}' at '{}' failed to satisfy constraint: {}", value, path, rule));
}

ServiceError Violations::error() const {
  return validationError(fmt::format("{} validation error{} detected: {}", list_.size(),
                                     list_.size() == 1 ? "" : "s", fmt::join(list_, "; ")));
}

ServiceError wrongType(const element& e, std::string_view javaType) {
  switch (e.type()) {
    case element_type::ARRAY:
      return serialization(
          fmt::format("Unrecognized collection type class java.lang.{}", javaType));
    case element_type::OBJECT:
      return serialization("Start of structure or map found where not expected");
    case element_type::STRING:
      if (javaType == "Boolean") return serialization("Unexpected token received from parser");
      return serialization(fmt::format("STRING_VALUE cannot be converted to {}", javaType));
    case element_type::BOOL: {
      bool value = e.get_bool().value_unsafe();
      return serialization(
          fmt::format("{}_VALUE cannot be converted to {}", value ? "TRUE" : "FALSE", javaType));
    }
    case element_type::DOUBLE:
      return serialization(fmt::format("DECIMAL_VALUE cannot be converted to {}", javaType));
    default:
      return serialization(fmt::format("NUMBER_VALUE cannot be converted to {}", javaType));
  }
}

Result<std::optional<std::string>> stringMember(const element& object, std::string_view name) {
  auto e = memberOf(object, name);
  if (!e) return std::optional<std::string>();
  std::string_view s;
  if (e->get(s) != simdjson::SUCCESS) return wrongType(*e, "String");
  return std::optional<std::string>(std::string(s));
}

Result<std::optional<bool>> boolMember(const element& object, std::string_view name) {
  auto e = memberOf(object, name);
  if (!e) return std::optional<bool>();
  bool b;
  if (e->get(b) != simdjson::SUCCESS) return wrongType(*e, "Boolean");
  return std::optional<bool>(b);
}

Result<std::optional<int64_t>> longMember(const element& object, std::string_view name,
                                          std::string_view javaType) {
  auto e = memberOf(object, name);
  if (!e) return std::optional<int64_t>();
  int64_t i;
  if (e->get(i) == simdjson::SUCCESS) return std::optional<int64_t>(i);
  uint64_t u;
  if (e->get(u) == simdjson::SUCCESS) return std::optional<int64_t>(INT64_MAX);
  double d;
  if (e->get(d) == simdjson::SUCCESS && d > -9e18 && d < 9e18) {
    return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  return wrongType(*e, javaType);
}

Result<std::optional<simdjson::dom::array>> listMember(const element& object,
                                                       std::string_view name) {
  auto e = memberOf(object, name);
  if (!e) return std::optional<simdjson::dom::array>();
  simdjson::dom::array array;
  if (e->get(array) == simdjson::SUCCESS) return std::optional<simdjson::dom::array>(array);
  if (e->is_object()) return serialization("Start of structure or map found where not expected");
  return serialization("Unexpected field type");
}

Result<std::optional<element>> structMember(const element& object, std::string_view name,
                                            std::string_view shape) {
  auto e = memberOf(object, name);
  if (!e) return std::optional<element>();
  if (e->is_object()) return e;
  if (e->is_array()) {
    return serialization(fmt::format(
        "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{}", shape));
  }
  return serialization("Unexpected field type");
}

Result<std::shared_ptr<Table>> findTable(const Engine& engine, const Request& request) {
  auto e = request.member("TableName");
  if (!e) return missingMember("tableName");
  std::string_view given;
  if (e->get(given) != simdjson::SUCCESS) return wrongType(*e, "String");
  Violations violations;
  if (given.empty()) {
    violations.constraint(given, "tableName", "Member must have length greater than or equal to 1");
  } else if (given.size() > kMaxTableNameOrArnLength) {
    violations.constraint(given, "tableName", "Member must have length less than or equal to 1024");
  }
  if (!violations.empty()) return violations.error();
  std::string name(given);
  std::string arnPrefix =
      fmt::format("arn:aws:dynamodb:{}:{}:table/", engine.region(), engine.accountId());
  if (name.starts_with(arnPrefix)) name = name.substr(arnPrefix.size());
  auto table = engine.table(name);
  if (!table) return Engine::tableNotFound(std::string(given));
  return table;
}

void saveDefinitionThenAnswer(Engine& engine, const Table& table, const ReplyPtr& reply,
                              std::string body) {
  engine.saveDefinition(table, [reply, body = std::move(body)](std::string error) mutable {
    if (!error.empty()) return reply->error(commitFailed(error));
    reply->json(std::move(body));
  });
}

Status readTags(const simdjson::dom::array& list, std::map<std::string, std::string>& out) {
  Violations violations;
  std::vector<std::pair<std::string, std::optional<std::string>>> tags;
  size_t position = 0;
  for (element e : list) {
    ++position;
    if (!e.is_object()) return serialization("Unexpected value type in payload");
    auto key = stringMember(e, "Key");
    if (!key) return key.takeError();
    auto value = stringMember(e, "Value");
    if (!value) return value.takeError();
    std::string path = fmt::format("tags.{}.member.key", position);
    if (!*key) {
      violations.null(path);
      continue;
    }
    if (key->value().empty()) {
      violations.constraint("", path, "Member must have length greater than or equal to 1");
    } else if (characters(**key) > kMaxTagKeyLength) {
      violations.constraint(**key, path, "Member must have length less than or equal to 128");
    }
    if (*value && characters(**value) > kMaxTagValueLength) {
      violations.constraint(**value, fmt::format("tags.{}.member.value", position),
                            "Member must have length less than or equal to 256");
    }
    tags.emplace_back(std::move(**key), std::move(*value));
  }
  if (!violations.empty()) return violations.error();
  std::set<std::string> seen;
  for (auto& [key, value] : tags) {
    if (!isTagText(key)) {
      return validationError("The Tag Key provided is invalid, Key: " + key);
    }
    if (key.starts_with("aws:")) {
      return validationError("Tag Key cannot be prefixed with aws:, Key: " + key);
    }
    if (!value || !isTagText(*value)) {
      return validationError("The Tag Value provided is invalid, Value: " +
                             (value ? *value : std::string("null")));
    }
    if (!seen.insert(key).second) {
      return validationError("Duplicate Tag Keys provided as input: Duplicate Tag Key found " +
                             key);
    }
  }
  for (auto& [key, value] : tags) out[key] = std::move(*value);
  return ok();
}

ServiceError tooManyTags() {
  return validationError("Number of Tags exceed the current limit for the provided ResourceArn");
}

}  // namespace nimbus::aws::dynamodb
