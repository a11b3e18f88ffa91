// BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems. Every table a call
// touches is locked (in name order, so that concurrent calls cannot deadlock) for the whole
// call: a batch or transaction is judged and applied as one step and stored as one write.
#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <set>
#include <unordered_map>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/write_request.h"
#include "core/hash.h"
#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

constexpr size_t kMaxBatchWrites = 25;
constexpr size_t kMaxBatchGets = 100;
constexpr size_t kMaxTransactItems = 100;

// Locks a set of tables, exclusively or shared, in name order.
class TableLocks {
 public:
  TableLocks(std::vector<std::shared_ptr<Table>> tables, bool exclusive) {
    std::sort(tables.begin(), tables.end(),
              [](const auto& a, const auto& b) { return a->definition.name < b->definition.name; });
    tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
    for (auto& t : tables) {
      if (exclusive) {
        t->mutex.lock();
      } else {
        t->mutex.lock_shared();
      }
    }
    tables_ = std::move(tables);
    exclusive_ = exclusive;
  }
  ~TableLocks() {
    for (auto it = tables_.rbegin(); it != tables_.rend(); ++it) {
      if (exclusive_) {
        (*it)->mutex.unlock();
      } else {
        (*it)->mutex.unlock_shared();
      }
    }
  }
  TableLocks(const TableLocks&) = delete;
  TableLocks& operator=(const TableLocks&) = delete;

 private:
  std::vector<std::shared_ptr<Table>> tables_;
  bool exclusive_ = true;
};

// TransactItems of TransactWriteItems and TransactGetItems: an array of 1 to 100 entries.
Result<simdjson::dom::array> readTransactItems(const Request& request) {
  auto items = request.member("TransactItems");
  simdjson::dom::array array;
  if (!items || items->get(array) != simdjson::SUCCESS) return missingMember("transactItems");
  if (array.size() == 0 || array.size() > kMaxTransactItems) {
    return validationError(fmt::format(
        "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy "
        "constraint: Member must have length {} {}",
        array.size() == 0 ? "greater than or equal to" : "less than or equal to",
        array.size() == 0 ? 1 : kMaxTransactItems));
  }
  return array;
}

// A primary key as text, to find duplicates within one call.
std::string keyIdentity(const Table& table, const Item& itemOrKey) {
  Item keys = Engine::keyAttributes(table.definition, itemOrKey);
  return table.definition.name + '\n' + itemToJson(keys);
}

ServiceError tooManyItems(std::string_view operation) {
  return validationError(fmt::format("Too many items requested for the {} call", operation));
}

ServiceError duplicateKeys() {
  return validationError("Provided list of item keys contains duplicates");
}

std::shared_ptr<Table> namedTable(Engine& engine, std::string_view name) {
  return engine.table(std::string(name));
}

ServiceError resourceNotFound() {
  return ServiceError{"ResourceNotFoundException", "Requested resource not found", 400};
}

// Transactions' idempotency: a ClientRequestToken seen in the last ten minutes with the same
// request succeeds again without writing; with another request it is refused.
class IdempotencyTokens {
 public:
  enum class Seen { kNew, kSame, kMismatch };
  Seen check(const std::string& token, const std::string& requestHash) {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      it = now - it->second.second > std::chrono::minutes(10) ? tokens_.erase(it) : std::next(it);
    }
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return Seen::kNew;
    return it->second.first == requestHash ? Seen::kSame : Seen::kMismatch;
  }
  void remember(const std::string& token, const std::string& requestHash) {
    std::lock_guard lock(mutex_);
    tokens_[token] = {requestHash, std::chrono::steady_clock::now()};
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>>
      tokens_;
};

IdempotencyTokens& idempotencyTokens() {
  static IdempotencyTokens tokens;
  return tokens;
}

void answerCommitted(const ReplyPtr& reply, std::string body, const std::string& error) {
  if (!error.empty()) return reply->error(ServiceError{"InternalServerError", error, 500});
  reply->json(std::move(body));
}

}  // namespace

void batchWriteItem(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto items = request.member("RequestItems");
  simdjson::dom::object tables;
  if (!items || items->get(tables) != simdjson::SUCCESS) {
    return reply->error(missingMember("requestItems"));
  }
  std::vector<WriteRequest> writes;
  std::set<std::string> seen;
  size_t count = 0;
  for (auto field : tables) {
    auto table = namedTable(engine, field.key);
    simdjson::dom::array entries;
    if (field.value.get(entries) != simdjson::SUCCESS || entries.size() == 0) {
      return reply->error(validationError(fmt::format(
          "1 validation error detected: Value null at 'requestItems.{}.member' failed to "
          "satisfy constraint: Member must have length greater than or equal to 1",
          field.key)));
    }
    count += entries.size();
    if (count > kMaxBatchWrites) return reply->error(tooManyItems("BatchWriteItem"));
    if (!table) return reply->error(resourceNotFound());
    for (simdjson::dom::element entry : entries) {
      simdjson::dom::element put, del;
      bool isPut = entry["PutRequest"].get(put) == simdjson::SUCCESS && !put.is_null();
      bool isDelete = entry["DeleteRequest"].get(del) == simdjson::SUCCESS && !del.is_null();
      if (isPut == isDelete) {
        return reply->error(validationError(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
            "of the supported datatypes"));
      }
      Request inner(isPut ? put : del);
      auto write = readWriteRequest(
          engine, inner, isPut ? WriteRequest::Kind::kPut : WriteRequest::Kind::kDelete, table);
      if (!write) return reply->error(write.error());
      if (!seen.insert(keyIdentity(*table, write->item)).second) {
        return reply->error(duplicateKeys());
      }
      writes.push_back(std::move(*write));
    }
  }
  if (writes.empty()) return reply->error(missingMember("requestItems"));

  std::vector<std::shared_ptr<Table>> involved;
  for (const auto& w : writes) involved.push_back(w.table);
  TableLocks locks(std::move(involved), true);
  std::vector<ItemChange> changes;
  for (const auto& w : writes) {
    WriteOutcome outcome = judgeWrite(engine, w);
    if (!outcome.error.code.empty()) return reply->error(outcome.error);
    changes.push_back(std::move(outcome.change));
  }
  engine.commit(std::move(changes), [reply](std::string error) {
    answerCommitted(reply, R"({"UnprocessedItems":{}})", error);
  });
}

void batchGetItem(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto items = request.member("RequestItems");
  simdjson::dom::object tables;
  if (!items || items->get(tables) != simdjson::SUCCESS) {
    return reply->error(missingMember("requestItems"));
  }
  struct TableRead {
    std::shared_ptr<Table> table;
    std::vector<Item> keys;
    std::optional<Projection> projection;
    bool consistent = false;
  };
  std::vector<TableRead> reads;
  size_t count = 0;
  for (auto field : tables) {
    Request inner(field.value);
    TableRead read;
    read.table = namedTable(engine, field.key);
    if (auto s = inner.refuseLegacy({"AttributesToGet"}); !s) return reply->error(s.error());
    auto keys = inner.member("Keys");
    simdjson::dom::array array;
    if (!keys || keys->get(array) != simdjson::SUCCESS || array.size() == 0) {
      return reply->error(validationError(fmt::format(
          "1 validation error detected: Value null at 'requestItems.{}.member.keys' failed to "
          "satisfy constraint: Member must not be null",
          field.key)));
    }
    count += array.size();
    if (count > kMaxBatchGets) return reply->error(tooManyItems("BatchGetItem"));
    if (!read.table) return reply->error(resourceNotFound());
    std::set<std::string> seen;
    for (simdjson::dom::element k : array) {
      auto key = readItem(k);
      if (!key) return reply->error(key.error());
      if (!seen.insert(itemToJson(*key)).second) return reply->error(duplicateKeys());
      read.keys.push_back(std::move(*key));
    }
    if (auto s = inner.readExpressionParameters(); !s) return reply->error(s.error());
    if (auto text = inner.string("ProjectionExpression")) {
      auto p = parseProjection(*text, inner.context());
      if (!p) return reply->error(p.error());
      read.projection = std::move(*p);
    }
    if (auto s = inner.checkExpressionParameters(read.projection.has_value()); !s) {
      return reply->error(s.error());
    }
    read.consistent = inner.boolean("ConsistentRead").value_or(false);
    reads.push_back(std::move(read));
  }

  std::string out;
  JsonWriter w(out);
  w.beginObject();
  w.key("Responses").beginObject();
  for (const auto& read : reads) {
    std::vector<ItemPtr> found;
    {
      std::shared_lock lock(read.table->mutex);
      for (const auto& key : read.keys) {
        auto entry = engine.keyFromParameter(*read.table, key);
        if (!entry) {
          lock.unlock();
          return reply->error(entry.error());
        }
        if (auto item = read.table->find(*entry)) found.push_back(std::move(item));
      }
    }
    w.key(read.table->definition.name).beginArray();
    for (const auto& item : found) {
      writeItem(w, read.projection ? read.projection->apply(*item) : *item);
    }
    w.endArray();
  }
  w.endObject();
  w.key("UnprocessedKeys").beginObject().endObject();
  w.endObject();
  reply->json(std::move(out));
}

void transactWriteItems(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto transactItems = readTransactItems(request);
  if (!transactItems.ok()) return reply->error(transactItems.error());
  simdjson::dom::array array = *transactItems;
  std::vector<WriteRequest> writes;
  std::set<std::string> seen;
  for (simdjson::dom::element entry : array) {
    std::optional<WriteRequest::Kind> kind;
    simdjson::dom::element body;
    for (auto [name, k] : {std::pair{"ConditionCheck", WriteRequest::Kind::kConditionCheck},
                           std::pair{"Put", WriteRequest::Kind::kPut},
                           std::pair{"Delete", WriteRequest::Kind::kDelete},
                           std::pair{"Update", WriteRequest::Kind::kUpdate}}) {
      simdjson::dom::element e;
      if (entry[name].get(e) == simdjson::SUCCESS && !e.is_null()) {
        if (kind) {
          return reply->error(validationError(
              "TransactItems can only contain one of Check, Put, Update or Delete"));
        }
        kind = k;
        body = e;
      }
    }
    if (!kind) {
      return reply->error(
          validationError("TransactItems can only contain one of Check, Put, Update or Delete"));
    }
    Request inner(body);
    auto write = readWriteRequest(engine, inner, *kind);
    if (!write) return reply->error(write.error());
    if (!seen.insert(keyIdentity(*write->table, write->item)).second) {
      return reply->error(
          validationError("Transaction request cannot include multiple operations on one item"));
    }
    writes.push_back(std::move(*write));
  }

  std::string token(request.string("ClientRequestToken").value_or(""));
  std::string requestHash;
  if (!token.empty()) {
    requestHash = hexEncode(sha256(simdjson::to_string(request.body())));
    switch (idempotencyTokens().check(token, requestHash)) {
      case IdempotencyTokens::Seen::kSame:
        return reply->json("{}");
      case IdempotencyTokens::Seen::kMismatch:
        return reply->error(ServiceError{
            "IdempotentParameterMismatchException",
            "Request with same ClientRequestToken value was used with different parameters", 400});
      case IdempotencyTokens::Seen::kNew:
        break;
    }
  }

  std::vector<std::shared_ptr<Table>> involved;
  for (const auto& w : writes) involved.push_back(w.table);
  TableLocks locks(std::move(involved), true);
  std::vector<ItemChange> changes;
  std::vector<WriteOutcome> outcomes;
  bool cancelled = false;
  for (const auto& w : writes) {
    outcomes.push_back(judgeWrite(engine, w));
    if (!outcomes.back().error.code.empty()) cancelled = true;
  }
  if (cancelled) {
    // Every item gets a reason, in request order; "None" for those that would have succeeded.
    std::string members;
    JsonWriter m(members);
    m.beginObject();
    m.key("CancellationReasons").beginArray();
    std::string codes;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const auto& o = outcomes[i];
      m.beginObject();
      std::string code = o.error.code.empty()                          ? "None"
                         : o.conditionFailed                           ? "ConditionalCheckFailed"
                         : o.error.code == "ResourceNotFoundException" ? "ResourceNotFound"
                                                                       : "ValidationError";
      m.field("Code", code);
      if (!o.error.code.empty()) m.field("Message", o.error.message);
      if (o.conditionFailed && writes[i].returnItemOnConditionFailure && o.change.before) {
        writeItemMember(m, "Item", *o.change.before);
      }
      m.endObject();
      codes += (i ? ", " : "") + code;
    }
    m.endArray();
    m.endObject();
    return reply->error(
        ServiceError{"TransactionCanceledException",
                     fmt::format("Transaction cancelled, please refer cancellation reasons for "
                                 "specific reasons [{}]",
                                 codes),
                     400},
        std::string_view(members).substr(1, members.size() - 2));
  }
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (writes[i].kind == WriteRequest::Kind::kConditionCheck) continue;
    changes.push_back(std::move(outcomes[i].change));
  }
  engine.commit(std::move(changes), [reply, token, requestHash](std::string error) {
    if (error.empty() && !token.empty()) idempotencyTokens().remember(token, requestHash);
    answerCommitted(reply, "{}", error);
  });
}

void transactGetItems(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto transactItems = readTransactItems(request);
  if (!transactItems.ok()) return reply->error(transactItems.error());
  simdjson::dom::array array = *transactItems;
  struct Get {
    std::shared_ptr<Table> table;
    Item key;
    std::optional<Projection> projection;
  };
  std::vector<Get> gets;
  for (simdjson::dom::element entry : array) {
    simdjson::dom::element body;
    if (entry["Get"].get(body) != simdjson::SUCCESS || body.is_null()) {
      return reply->error(missingMember("transactItems.member.get"));
    }
    Request inner(body);
    Get get;
    auto table = inner.table(engine);
    if (!table) return reply->error(table.error());
    get.table = std::move(*table);
    auto key = inner.item("Key");
    if (!key) return reply->error(key.error());
    if (!*key) return reply->error(missingMember("key"));
    get.key = std::move(**key);
    if (auto s = inner.readExpressionParameters(); !s) return reply->error(s.error());
    if (auto text = inner.string("ProjectionExpression")) {
      auto p = parseProjection(*text, inner.context());
      if (!p) return reply->error(p.error());
      get.projection = std::move(*p);
    }
    if (auto s = inner.checkExpressionParameters(get.projection.has_value()); !s) {
      return reply->error(s.error());
    }
    gets.push_back(std::move(get));
  }
  std::vector<ItemPtr> found;
  {
    std::vector<std::shared_ptr<Table>> involved;
    for (const auto& g : gets) involved.push_back(g.table);
    TableLocks locks(std::move(involved), false);
    for (const auto& g : gets) {
      auto entry = engine.keyFromParameter(*g.table, g.key);
      if (!entry) return reply->error(entry.error());
      found.push_back(g.table->find(*entry));
    }
  }
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  w.key("Responses").beginArray();
  for (size_t i = 0; i < gets.size(); ++i) {
    w.beginObject();
    if (found[i]) {
      writeItemMember(w, "Item",
                      gets[i].projection ? gets[i].projection->apply(*found[i]) : *found[i]);
    }
    w.endObject();
  }
  w.endArray();
  w.endObject();
  reply->json(std::move(out));
}

}  // namespace nimbus::aws::dynamodb
