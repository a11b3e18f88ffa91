#include "aws/dynamodb/write_request.h"

#include <fmt/format.h>

namespace nimbus::aws::dynamodb {

ServiceError conditionalCheckFailed() {
  return ServiceError{"ConditionalCheckFailedException", "The conditional request failed", 400};
}

Result<WriteRequest> readWriteRequest(Engine& engine, Request& request, WriteRequest::Kind kind,
                                      std::shared_ptr<Table> table) {
  WriteRequest write;
  write.kind = kind;
  if (table) {
    write.table = std::move(table);
  } else {
    auto named = request.table(engine);
    if (!named) return named.takeError();
    write.table = std::move(*named);
  }
  if (auto s = request.refuseLegacy({"Expected", "ConditionalOperator", "AttributeUpdates"}); !s) {
    return s.takeError();
  }
  std::string_view itemMember = kind == WriteRequest::Kind::kPut ? "Item" : "Key";
  auto item = request.item(itemMember);
  if (!item) return item.takeError();
  if (!*item) return missingMember(kind == WriteRequest::Kind::kPut ? "item" : "key");
  write.item = std::move(**item);

  if (auto s = request.readExpressionParameters(); !s) return s.takeError();
  bool anyExpression = false;
  if (auto text = request.string("UpdateExpression")) {
    if (kind != WriteRequest::Kind::kUpdate) {
      return validationError("UpdateExpression is only valid for updates");
    }
    auto update = parseUpdate(*text, request.context());
    if (!update) return update.takeError();
    write.update = std::move(*update);
    anyExpression = true;
  }
  if (auto text = request.string("ConditionExpression")) {
    auto condition = parseCondition(*text, "ConditionExpression", request.context());
    if (!condition) return condition.takeError();
    write.condition = std::move(*condition);
    anyExpression = true;
  } else if (kind == WriteRequest::Kind::kConditionCheck) {
    return missingMember("conditionExpression");
  }
  if (auto s = request.checkExpressionParameters(anyExpression); !s) return s.takeError();
  if (auto r = request.string("ReturnValuesOnConditionCheckFailure")) {
    if (*r == "ALL_OLD") {
      write.returnItemOnConditionFailure = true;
    } else if (*r != "NONE") {
      return validationError(fmt::format(
          "1 validation error detected: Value '{}' at 'returnValuesOnConditionCheckFailure' "
          "failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
          *r));
    }
  }
  return write;
}

WriteOutcome judgeWrite(const Engine& engine, const WriteRequest& write) {
  WriteOutcome outcome;
  Table& table = *write.table;
  const TableDefinition& def = table.definition;
  outcome.change.table = write.table;
  auto fail = [&](ServiceError e) {
    outcome.error = std::move(e);
    return outcome;
  };
  if (table.deleted) return fail(Engine::tableNotFound(def.name));

  EntryKey key;
  if (write.kind == WriteRequest::Kind::kPut) {
    if (auto s = engine.checkItemKeys(def, write.item); !s) return fail(s.takeError());
    key = table.keyOf(write.item);
  } else {
    auto k = engine.keyFromParameter(table, write.item);
    if (!k) return fail(k.takeError());
    key = std::move(*k);
  }
  outcome.change.key = key;
  ItemPtr before = table.find(key);
  outcome.change.before = before;
  outcome.change.after = before;

  static const Item kEmpty;
  if (write.condition && !write.condition->matches(before ? *before : kEmpty)) {
    outcome.conditionFailed = true;
    return fail(conditionalCheckFailed());
  }

  switch (write.kind) {
    case WriteRequest::Kind::kConditionCheck:
      return outcome;
    case WriteRequest::Kind::kDelete:
      outcome.change.after = nullptr;
      return outcome;
    case WriteRequest::Kind::kPut: {
      if (itemSize(write.item) > kMaxItemBytes) {
        return fail(validationError("Item size has exceeded the maximum allowed size"));
      }
      outcome.change.after = std::make_shared<const Item>(write.item);
      return outcome;
    }
    case WriteRequest::Kind::kUpdate:
      break;
  }

  // An update starts from the stored item, or from the key alone.
  Item next = before ? *before : write.item;
  if (write.update) {
    for (const auto& path : write.update->targets()) {
      const std::string& top = path.front().name;
      if (top == def.keys.partitionKey || top == def.keys.sortKey) {
        return fail(validationError(fmt::format(
            "One or more parameter values were invalid: Cannot update attribute {}. This "
            "attribute is part of the key",
            top)));
      }
    }
    if (auto s = write.update->apply(next); !s) return fail(s.takeError());
  }
  if (auto s = engine.checkItemKeys(def, next); !s) return fail(s.takeError());
  if (itemSize(next) > kMaxItemBytes) {
    return fail(validationError("Item size to update has exceeded the maximum allowed size"));
  }
  outcome.change.after = std::make_shared<const Item>(std::move(next));
  return outcome;
}

}  // namespace nimbus::aws::dynamodb
