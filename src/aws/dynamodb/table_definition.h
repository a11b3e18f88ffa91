// A table as CreateTable describes it: key schema, attribute definitions, secondary indexes,
// billing, stream and time-to-live settings, tags. Read from CreateTable requests with
// DynamoDB's checks, kept in the store as JSON, and written out as DescribeTable's
// TableDescription.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/dynamodb/attribute_value.h"
#include "core/result.h"

namespace simdjson::dom {
class element;
}

namespace nimbus {
class JsonWriter;
}

namespace nimbus::aws::dynamodb {

// A table's or index's primary key: the partition (HASH) key and, optionally, the sort (RANGE)
// key, by attribute name.
struct KeySchema {
  std::string partitionKey;
  std::string sortKey;  // Empty when there is none.
  bool hasSortKey() const { return !sortKey.empty(); }
};

// Which attributes an index copies from the table's items.
struct IndexProjection {
  enum class Kind { kAll, kKeysOnly, kInclude };
  Kind kind = Kind::kAll;
  std::vector<std::string> nonKeyAttributes;  // For kInclude.
};

struct ProvisionedThroughput {
  int64_t readCapacityUnits = 0;
  int64_t writeCapacityUnits = 0;
};

struct SecondaryIndex {
  std::string name;
  bool global = true;  // false: a local secondary index (same partition key as the table).
  KeySchema keys;
  IndexProjection projection;
  ProvisionedThroughput throughput;  // Global indexes of provisioned tables.
};

struct TableDefinition {
  std::string name;
  std::string id;  // A UUID, never reused: the store keys items by it.
  KeySchema keys;
  std::map<std::string, Type> attributeTypes;  // AttributeDefinitions: S, N or B.
  std::vector<SecondaryIndex> indexes;         // Global and local, in the order given.
  bool payPerRequest = false;                  // BillingMode PAY_PER_REQUEST.
  ProvisionedThroughput throughput;
  // StreamSpecification. The label names the current stream in its ARN (an ISO-8601 time);
  // a stream turned off keeps its label until a new one is turned on.
  bool streamEnabled = false;
  std::string streamViewType;  // KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES
  std::string streamLabel;
  // TimeToLiveSpecification.
  std::string ttlAttribute;
  bool ttlEnabled = false;
  std::map<std::string, std::string> tags;
  bool deletionProtection = false;
  std::string tableClass = "STANDARD";
  double createdAt = 0;  // Epoch seconds, with milliseconds.

  const SecondaryIndex* index(std::string_view indexName) const;
  // The key schema to read by: the table's, or the named index's.
  std::string arn(const std::string& region, const std::string& account) const;
  std::string streamArn(const std::string& region, const std::string& account) const;
};

// Reads a CreateTable request's table settings, with DynamoDB's ValidationExceptions (a key
// attribute without a definition, definitions no key uses, duplicate index names, more than 20
// global or 5 local indexes, PROVISIONED without throughput, ...). Does not set id, label or
// creation time.
Result<TableDefinition> readCreateTable(const simdjson::dom::element& request);
// Reads one GlobalSecondaryIndex (CreateTable's, or UpdateTable's Create action) and checks it
// against the table's attribute types, which it may extend from `definitions`.
Result<SecondaryIndex> readIndex(const simdjson::dom::element& json, bool global);
// Reads AttributeDefinitions into `types`, refusing types other than S, N and B.
Status readAttributeDefinitions(const simdjson::dom::element& list,
                                std::map<std::string, Type>& types);

// The store's form.
std::string encodeTableDefinition(const TableDefinition& table);
std::optional<TableDefinition> decodeTableDefinition(const std::string& json);

// Live figures DescribeTable reports beside the definition.
struct TableFigures {
  int64_t itemCount = 0;
  int64_t sizeBytes = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> indexes;  // name -> (items, bytes)
};

// Writes a TableDescription object (DescribeTable's `Table`, CreateTable's and DeleteTable's
// `TableDescription`) with the given status (CREATING, ACTIVE, UPDATING, DELETING).
void writeTableDescription(JsonWriter& out, const TableDefinition& table,
                           const TableFigures& figures, std::string_view status,
                           const std::string& region, const std::string& account);

}  // namespace nimbus::aws::dynamodb
