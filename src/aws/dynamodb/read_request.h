// One Query or Scan request, read and checked as DynamoDB checks it (request shape, Select and
// projections, legacy parameters, expressions, the index, ExclusiveStartKey), before any item is
// read. Internal to the dynamodb module; read_api.cc serves it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/engine.h"
#include "aws/dynamodb/expressions.h"
#include "aws/dynamodb/table_definition.h"

namespace nimbus::aws::dynamodb {

enum class ReadKind { kQuery, kScan };
// What each item read returns: Select's choices.
enum class Select { kAllAttributes, kAllProjected, kSpecific, kCount };

// Everything a Query or Scan needs once its request is checked. Owns copies of what it reads
// from the request and the table's definition, so the page can be served without either.
struct ReadRequest {
  ReadKind kind = ReadKind::kScan;
  std::shared_ptr<Table> table;
  TableDefinition definition;             // As of the request, copied under the table's lock.
  std::optional<SecondaryIndex> index;    // IndexName's index.
  KeySchema keys;                         // The read's order: the index's keys or the table's.
  std::vector<std::string> lastKeyNames;  // LastEvaluatedKey's attributes: table and index keys.
  // An index that does not project ALL: the attributes it holds (table keys, index keys and
  // INCLUDE's attributes). Empty otherwise.
  std::set<std::string, std::less<>> projected;
  Select select = Select::kAllAttributes;
  std::optional<KeyCondition> keyCondition;
  std::optional<Condition> filter;
  std::optional<Projection> projection;  // ProjectionExpression or AttributesToGet.
  size_t limit = SIZE_MAX;
  bool forward = true;
  bool consistent = false;
  CapacityReport capacity = CapacityReport::kNone;
  std::optional<EntryKey> start;  // ExclusiveStartKey's position.
  // Parallel scan: segment `segment` of `totalSegments` reads the partition hashes
  // [segmentLow, segmentEnd) (no end: to the last).
  int64_t segment = 0;
  int64_t totalSegments = 1;
  uint64_t segmentLow = 0;
  std::optional<uint64_t> segmentEnd;
  // A Query of a table without a sort key reads one item at most: it never pages.
  bool singleItem = false;

  bool projectsAll() const { return projected.empty(); }
};

// Reads and checks a Query or Scan request, reporting the first error in the order DynamoDB
// reports them. Copies the table's definition under its lock.
Result<ReadRequest> readReadRequest(const Engine& engine, Request& request, ReadKind kind);

}  // namespace nimbus::aws::dynamodb
