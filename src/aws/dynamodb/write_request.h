// One item write as PutItem, UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems
// share it: read and parsed outside any lock, then judged and applied under the table's lock.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/engine.h"
#include "aws/dynamodb/expressions.h"

namespace nimbus::aws::dynamodb {

struct WriteRequest {
  enum class Kind { kPut, kUpdate, kDelete, kConditionCheck };
  Kind kind = Kind::kPut;
  std::shared_ptr<Table> table;
  Item item;  // kPut: the new item; otherwise the Key parameter.
  std::optional<Condition> condition;
  std::optional<Update> update;
  // ReturnValuesOnConditionCheckFailure ALL_OLD: a failed condition answers with the item.
  bool returnItemOnConditionFailure = false;
};

// Reads one write from `request` (the whole PutItem/UpdateItem/DeleteItem request, or one
// transaction or batch entry): the table, the item or key, and the expressions with their names
// and values, checking that every name and value is used. A batch entry names no table: its
// table is given.
Result<WriteRequest> readWriteRequest(Engine& engine, Request& request, WriteRequest::Kind kind,
                                      std::shared_ptr<Table> table = nullptr);

// What judging a write under the table's lock gives: the change to commit, or why not.
struct WriteOutcome {
  ItemChange change;  // change.after == change.before when nothing changes (condition check).
  bool conditionFailed = false;
  ServiceError error;  // Set (code non-empty) for any failure, conditionFailed included.
};

// Judges `write` against the table's current state (the caller holds the table's lock
// exclusively): key checks, the condition, the update, the 400 KB item limit.
WriteOutcome judgeWrite(const Engine& engine, const WriteRequest& write);

// "The conditional request failed"
ServiceError conditionalCheckFailed();

}  // namespace nimbus::aws::dynamodb
