// What the table operations (table_api.cc) and the table settings operations
// (table_settings_api.cc) share: readers of a request's nested members that word their refusals
// as DynamoDB's deserializer and validator do, the table a TableName names, and tags. Internal to
// the service.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/api.h"

namespace nimbus::aws::dynamodb {

// The most tags a table may have.
inline constexpr size_t kMaxTags = 50;

// A SerializationException: the request's JSON does not fit DynamoDB's model.
ServiceError serialization(std::string message);
// "One or more parameter values were invalid: <detail>"
ServiceError invalidParameter(std::string_view detail);
// The answer when the store could not commit a change.
ServiceError commitFailed(const std::string& error);

// The constraint violations of one request, which DynamoDB's request layer reports together:
// "2 validation errors detected: Value ... ; Value ...".
class Violations {
 public:
  void null(std::string_view path);
  void constraint(std::string_view value, std::string_view path, std::string_view rule);
  bool empty() const { return list_.empty(); }
  ServiceError error() const;

 private:
  std::vector<std::string> list_;
};

// A member of the wrong JSON type, in the words of DynamoDB's deserializer (`javaType` is the
// type DynamoDB's model expects: String, Boolean, Long, Integer).
ServiceError wrongType(const simdjson::dom::element& e, std::string_view javaType);

// Members of a nested object, absent (or JSON null) as an empty optional.
Result<std::optional<std::string>> stringMember(const simdjson::dom::element& object,
                                                std::string_view name);
Result<std::optional<bool>> boolMember(const simdjson::dom::element& object, std::string_view name);
Result<std::optional<int64_t>> longMember(const simdjson::dom::element& object,
                                          std::string_view name,
                                          std::string_view javaType = "Long");
// A list member; its elements are checked by the caller.
Result<std::optional<simdjson::dom::array>> listMember(const simdjson::dom::element& object,
                                                       std::string_view name);
// A structure member (`shape` names its type in DynamoDB's model, for the error).
Result<std::optional<simdjson::dom::element>> structMember(const simdjson::dom::element& object,
                                                           std::string_view name,
                                                           std::string_view shape);

// The table of an operation's TableName, which since 2024 may also be the table's ARN. The
// caller locks the table and checks `deleted` before trusting it.
Result<std::shared_ptr<Table>> findTable(const Engine& engine, const Request& request);

// Stores the table's changed definition (the caller holds its lock and changed it), then answers
// `body`, or InternalServerError when the commit fails: a setting is acknowledged only once it is
// durable.
void saveDefinitionThenAnswer(Engine& engine, const Table& table, const ReplyPtr& reply,
                              std::string body);

// Reads a Tags list (TagResource, CreateTable, serverless.yml's tables) into `out`, with
// DynamoDB's checks.
Status readTags(const simdjson::dom::array& list, std::map<std::string, std::string>& out);
// The refusal of more than kMaxTags tags.
ServiceError tooManyTags();

}  // namespace nimbus::aws::dynamodb
