// PutItem, GetItem, UpdateItem and DeleteItem.
#include <fmt/format.h>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/write_request.h"
#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };

Result<ReturnValues> readReturnValues(const Request& request, bool updates) {
  auto text = request.string("ReturnValues");
  if (!text || *text == "NONE") return ReturnValues::kNone;
  if (*text == "ALL_OLD") return ReturnValues::kAllOld;
  if (updates) {
    if (*text == "UPDATED_OLD") return ReturnValues::kUpdatedOld;
    if (*text == "ALL_NEW") return ReturnValues::kAllNew;
    if (*text == "UPDATED_NEW") return ReturnValues::kUpdatedNew;
  }
  if (*text == "UPDATED_OLD" || *text == "ALL_NEW" || *text == "UPDATED_NEW") {
    return validationError("Return values set to invalid value");
  }
  return validationError(fmt::format(
      "1 validation error detected: Value '{}' at 'returnValues' failed to satisfy constraint: "
      "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
      *text));
}

// The members DynamoDB adds to a ConditionalCheckFailedException when asked for the item.
std::string failedItemMembers(const WriteRequest& write, const ItemPtr& before) {
  if (!write.returnItemOnConditionFailure || !before) return {};
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  writeItemMember(w, "Item", *before);
  w.endObject();
  return out.substr(1, out.size() - 2);  // Reply::error adds them to its own object.
}

// How a write answers once durable. Everything is read from the request before the write is
// submitted: the request's memory does not outlive this call.
struct WriteAnswer {
  ReturnValues returnValues = ReturnValues::kNone;
  CapacityReport capacity = CapacityReport::kNone;
  std::optional<Projection> updated;  // The update's paths, for UPDATED_OLD and UPDATED_NEW.

  std::string operator()(const ItemChange& change) const {
    std::string out;
    JsonWriter w(out);
    w.beginObject();
    switch (returnValues) {
      case ReturnValues::kNone:
        break;
      case ReturnValues::kAllOld:
        if (change.before) writeItemMember(w, "Attributes", *change.before);
        break;
      case ReturnValues::kAllNew:
        if (change.after) writeItemMember(w, "Attributes", *change.after);
        break;
      case ReturnValues::kUpdatedOld:
      case ReturnValues::kUpdatedNew: {
        const ItemPtr& item =
            returnValues == ReturnValues::kUpdatedOld ? change.before : change.after;
        if (item && updated) {
          Item attributes = updated->apply(*item);
          if (!attributes.empty()) writeItemMember(w, "Attributes", attributes);
        }
        break;
      }
    }
    if (capacity != CapacityReport::kNone) {
      size_t bytes = std::max(change.before ? itemSize(*change.before) : 0,
                              change.after ? itemSize(*change.after) : 0);
      writeConsumedCapacity(w, capacity, change.table->definition.name, writeUnits(bytes));
    }
    w.endObject();
    return out;
  }
};

// Judges and commits one write under the table's lock, answering once it is durable.
void runWrite(Engine& engine, const ReplyPtr& reply, const WriteRequest& write,
              WriteAnswer answer) {
  std::unique_lock lock(write.table->mutex);
  WriteOutcome outcome = judgeWrite(engine, write);
  if (!outcome.error.code.empty()) {
    lock.unlock();
    reply->error(outcome.error,
                 outcome.conditionFailed ? failedItemMembers(write, outcome.change.before) : "");
    return;
  }
  ItemChange change = outcome.change;
  engine.commit({std::move(outcome.change)},
                [reply, change = std::move(change), answer = std::move(answer)](std::string error) {
                  if (!error.empty()) {
                    reply->error(ServiceError{"InternalServerError", error, 500});
                    return;
                  }
                  reply->json(answer(change));
                });
}

void write(Engine& engine, Request& request, const ReplyPtr& reply, WriteRequest::Kind kind) {
  auto returnValues = readReturnValues(request, kind == WriteRequest::Kind::kUpdate);
  if (!returnValues) return reply->error(returnValues.error());
  auto write = readWriteRequest(engine, request, kind);
  if (!write) return reply->error(write.error());
  WriteAnswer answer;
  answer.returnValues = *returnValues;
  answer.capacity = readCapacityReport(request);
  if (write->update) answer.updated = Projection{write->update->targets()};
  runWrite(engine, reply, *write, std::move(answer));
}

}  // namespace

void putItem(Engine& engine, Request& request, const ReplyPtr& reply) {
  write(engine, request, reply, WriteRequest::Kind::kPut);
}

void updateItem(Engine& engine, Request& request, const ReplyPtr& reply) {
  write(engine, request, reply, WriteRequest::Kind::kUpdate);
}

void deleteItem(Engine& engine, Request& request, const ReplyPtr& reply) {
  write(engine, request, reply, WriteRequest::Kind::kDelete);
}

void getItem(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto table = request.table(engine);
  if (!table) return reply->error(table.error());
  if (auto s = request.refuseLegacy({"AttributesToGet"}); !s) return reply->error(s.error());
  auto key = request.item("Key");
  if (!key) return reply->error(key.error());
  if (!*key) return reply->error(missingMember("key"));
  if (auto s = request.readExpressionParameters(); !s) return reply->error(s.error());
  std::optional<Projection> projection;
  if (auto text = request.string("ProjectionExpression")) {
    auto p = parseProjection(*text, request.context());
    if (!p) return reply->error(p.error());
    projection = std::move(*p);
  }
  if (auto s = request.checkExpressionParameters(projection.has_value()); !s) {
    return reply->error(s.error());
  }
  ItemPtr item;
  {
    std::shared_lock lock((*table)->mutex);
    if ((*table)->deleted) return reply->error(Engine::tableNotFound((*table)->definition.name));
    auto entry = engine.keyFromParameter(**table, **key);
    if (!entry) {
      lock.unlock();
      return reply->error(entry.error());
    }
    item = (*table)->find(*entry);
  }
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  if (item) {
    if (projection) {
      writeItemMember(w, "Item", projection->apply(*item));
    } else {
      writeItemMember(w, "Item", *item);
    }
  }
  CapacityReport capacity = readCapacityReport(request);
  if (capacity != CapacityReport::kNone) {
    writeConsumedCapacity(
        w, capacity, (*table)->definition.name,
        readUnits(item ? itemSize(*item) : 0, request.boolean("ConsistentRead").value_or(false)));
  }
  w.endObject();
  reply->json(std::move(out));
}

}  // namespace nimbus::aws::dynamodb
