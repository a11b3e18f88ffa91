// ExecuteStatement and BatchExecuteStatement: PartiQL statements (partiql.h) run against the
// engine through the paths the item operations use. A statement's WHERE becomes the expression
// engine's condition tree (partiql_translate.cc); SELECT reads a table or index in DynamoDB's order
// (one partition per partition-key equality or IN value, or the whole table), and writes are
// WriteRequests judged by judgeWrite under the table's lock and answered once the store has
// committed them.
//
// DynamoDB's PartiQL behaviour reproduced here:
// - INSERT of an existing key is DuplicateItemException ("Duplicate primary key exists in
//   table"), never an overwrite.
// - UPDATE of an item that does not exist is ConditionalCheckFailedException, as is a WHERE
//   condition beyond the key that the item fails.
// - DELETE of an item that does not exist succeeds and deletes nothing; its extra conditions are
//   only judged against an item that exists.
// - UPDATE and DELETE name the whole primary key with equalities ("Where clause does not contain
//   a mandatory equality on all key attributes").
// - Writes answer {"Items": []}, or the RETURNING item: ALL OLD/NEW * the whole item, MODIFIED
//   OLD/NEW * only the updated paths (no row when none of them has a value).
// - Limit counts the items read, not those matching; a page stops at Limit or 1 MB and carries a
//   NextToken bound to the statement and its parameters ("NextToken does not match request").
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/expression_ast.h"
#include "aws/dynamodb/partiql.h"
#include "aws/dynamodb/write_request.h"
#include "core/base64.h"
#include "core/hash.h"
#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

using partiql::conditionOf;
using partiql::conjuncts;
using partiql::equalityOn;
using partiql::existence;
using partiql::keyTypeMismatch;
using partiql::Node;
using partiql::Place;
using partiql::projectionName;
using partiql::Returning;
using partiql::Statement;
using partiql::toCondition;

constexpr size_t kMaxStatementBytes = 8192;
constexpr size_t kMaxBatchStatements = 25;
// A page ends once 1 MB of items has been read, as Query and Scan pages do.
constexpr size_t kPageBytes = 1024 * 1024;

ServiceError resourceNotFound() {
  return ServiceError{"ResourceNotFoundException", "Requested resource not found", 400};
}

ServiceError duplicateItem() {
  return ServiceError{"DuplicateItemException", "Duplicate primary key exists in table", 400};
}

// A copy of the table's definition, read under its lock.
Result<TableDefinition> definitionOf(const std::shared_ptr<Table>& table) {
  std::shared_lock lock(table->mutex);
  if (table->deleted) return resourceNotFound();
  return table->definition;
}

// ---- Writes ----

// One INSERT, UPDATE or DELETE ready to be judged.
struct WritePlan {
  WriteRequest write;
  Statement::Kind kind = Statement::Kind::kInsert;
  Returning returning = Returning::kNone;
  std::optional<Projection> modified;  // The update's paths, for MODIFIED OLD/NEW.
};

Result<WritePlan> planWrite(Engine& engine, const Statement& st, bool returnItemOnFailure) {
  WritePlan plan;
  plan.kind = st.kind;
  plan.returning = st.returning;
  if (st.kind == Statement::Kind::kDelete && st.returning != Returning::kNone &&
      st.returning != Returning::kAllOld) {
    return validationError(fmt::format(
        "Invalid returning clause: RETURNING {}. Only RETURNING ALL OLD * is allowed in DELETE "
        "statements.",
        st.returningText));
  }
  auto table = engine.table(st.table);
  if (!table) return resourceNotFound();
  auto def = definitionOf(table);
  if (!def) return def.takeError();
  const std::string& partitionKey = def->keys.partitionKey;
  WriteRequest& write = plan.write;
  write.table = table;
  write.returnItemOnConditionFailure = returnItemOnFailure;

  if (st.kind == Statement::Kind::kInsert) {
    write.kind = WriteRequest::Kind::kPut;
    write.item = st.item.m();
    for (const std::string* name : {&def->keys.partitionKey, &def->keys.sortKey}) {
      if (name->empty()) continue;
      auto it = write.item.find(*name);
      if (it == write.item.end()) {
        return validationError(
            fmt::format("Key attribute should be present in the item: Key {}", *name));
      }
      if (it->second.type() != def->attributeTypes.at(*name)) return keyTypeMismatch(*name);
    }
    write.condition = conditionOf(existence(partitionKey, false));
    return plan;
  }

  auto keyed = partiql::keyedWhere(st, *def);
  if (!keyed) return keyed.takeError();
  write.item = std::move(keyed->key);
  if (st.kind == Statement::Kind::kUpdate) {
    write.kind = WriteRequest::Kind::kUpdate;
    auto update = partiql::toUpdate(st.assignments);
    if (!update) return update.takeError();
    plan.modified = Projection{update->targets()};
    write.update = std::move(*update);
    // The item must exist: an UPDATE never creates one.
    ConditionNode root = existence(partitionKey, true);
    if (keyed->rest) {
      ConditionNode both;
      both.kind = ConditionNode::Kind::kAnd;
      both.children.push_back(std::move(root));
      if (keyed->rest->kind == ConditionNode::Kind::kAnd) {
        for (auto& c : keyed->rest->children) both.children.push_back(std::move(c));
      } else {
        both.children.push_back(std::move(*keyed->rest));
      }
      root = std::move(both);
    }
    write.condition = conditionOf(std::move(root));
  } else {
    write.kind = WriteRequest::Kind::kDelete;
    // Conditions beyond the key are judged only against an item that exists.
    if (keyed->rest) {
      ConditionNode either;
      either.kind = ConditionNode::Kind::kOr;
      either.children.push_back(existence(partitionKey, false));
      either.children.push_back(std::move(*keyed->rest));
      write.condition = conditionOf(std::move(either));
    }
  }
  return plan;
}

// The item a write answers with, per its RETURNING clause; nothing when there is none.
std::optional<Item> returnedItem(const WritePlan& plan, const ItemChange& change) {
  switch (plan.returning) {
    case Returning::kNone:
      return std::nullopt;
    case Returning::kAllOld:
      if (change.before) return *change.before;
      return std::nullopt;
    case Returning::kAllNew:
      if (change.after) return *change.after;
      return std::nullopt;
    case Returning::kModifiedOld:
    case Returning::kModifiedNew: {
      const ItemPtr& item =
          plan.returning == Returning::kModifiedOld ? change.before : change.after;
      if (!item || !plan.modified) return std::nullopt;
      Item projected = plan.modified->apply(*item);
      if (projected.empty()) return std::nullopt;
      return projected;
    }
  }
  return std::nullopt;
}

size_t changeBytes(const ItemChange& change) {
  return std::max(change.before ? itemSize(*change.before) : 0,
                  change.after ? itemSize(*change.after) : 0);
}

// A failed judgement as the statement reports it: a failed INSERT condition is a duplicate key;
// ReturnValuesOnConditionCheckFailure ALL_OLD adds the item to a failed condition.
struct WriteFailure {
  ServiceError error;
  std::optional<Item> item;
};

WriteFailure failureOf(const WritePlan& plan, const WriteOutcome& outcome) {
  WriteFailure failure{outcome.error, std::nullopt};
  if (outcome.conditionFailed) {
    if (plan.kind == Statement::Kind::kInsert) {
      failure.error = duplicateItem();
    } else if (plan.write.returnItemOnConditionFailure && outcome.change.before) {
      failure.item = *outcome.change.before;
    }
  }
  return failure;
}

// ---- Reads ----

struct ReadPlan {
  std::shared_ptr<Table> table;
  TableDefinition definition;
  std::optional<SecondaryIndex> index;
  KeySchema keys;                                // The order read: the index's keys or the table's.
  std::vector<std::string> lastKeyNames;         // Table keys and index keys.
  std::set<std::string, std::less<>> projected;  // A global index not projecting ALL.
  std::optional<Condition> filter;               // The whole WHERE clause.
  bool selectAll = true;
  std::vector<DocumentPath> projection;
  std::vector<std::string> projectionNames;  // Each path's name in the answer.
  // Partitions read, in order; none means a scan of the whole table or index.
  std::vector<AttributeValue> partitions;
  std::optional<KeyCondition> sortRange;  // Items outside it are not read (nor counted).
  bool forward = true;
  size_t limit = SIZE_MAX;
  bool consistent = false;
  CapacityReport capacity = CapacityReport::kNone;
  std::string tokenHash;  // Binds NextToken to the statement and its parameters.
  size_t startPartition = 0;
  std::optional<EntryKey> start;  // Resume after this entry.

  bool query() const { return !partitions.empty(); }
  bool globalView() const { return index && index->global && !projected.empty(); }
};

ServiceError invalidToken() {
  return validationError("Invalid NextToken");
}

std::string tokenHashOf(std::string_view statement, std::string_view parametersJson) {
  return hexEncode(sha256(std::string(statement) + '\n' + std::string(parametersJson)))
      .substr(0, 32);
}

// NextToken: base64 of "<hash>\n<partition ordinal>\n<last key as DynamoDB JSON>".
std::string encodeToken(const ReadPlan& plan, size_t partition, const Item& lastKey) {
  return base64Encode(fmt::format("{}\n{}\n{}", plan.tokenHash, partition, itemToJson(lastKey)));
}

Status readToken(std::string_view token, ReadPlan& plan) {
  auto decoded = base64Decode(token);
  if (!decoded) return invalidToken();
  std::string_view text = *decoded;
  auto first = text.find('\n');
  auto second = first == std::string_view::npos ? first : text.find('\n', first + 1);
  if (second == std::string_view::npos) return invalidToken();
  if (text.substr(0, first) != plan.tokenHash) {
    return validationError("NextToken does not match request");
  }
  std::string_view ordinal = text.substr(first + 1, second - first - 1);
  if (ordinal.empty() || ordinal.size() > 6 ||
      !std::all_of(ordinal.begin(), ordinal.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalidToken();
  }
  plan.startPartition = std::stoul(std::string(ordinal));
  if (plan.startPartition >= std::max<size_t>(plan.partitions.size(), 1)) return invalidToken();
  auto key = itemFromJson(text.substr(second + 1));
  if (!key) return invalidToken();
  const TableDefinition& def = plan.definition;
  for (const auto& name : plan.lastKeyNames) {
    auto it = key->find(name);
    if (it == key->end() || it->second.type() != def.attributeTypes.at(name)) {
      return invalidToken();
    }
  }
  EntryKey position;
  if (plan.index) {
    auto k = plan.table->indexKeyOf(*plan.index, *key);
    if (!k) return invalidToken();
    position = std::move(*k);
  } else {
    position = plan.table->keyOf(*key);
  }
  if (plan.query() && !(position.partition == plan.partitions[plan.startPartition])) {
    return invalidToken();
  }
  plan.start = std::move(position);
  return ok();
}

Result<ReadPlan> planRead(Engine& engine, const Statement& st, const Request& request,
                          bool consistent) {
  ReadPlan plan;
  plan.table = engine.table(st.table);
  if (!plan.table) return resourceNotFound();
  auto def = definitionOf(plan.table);
  if (!def) return def.takeError();
  plan.definition = std::move(*def);
  const TableDefinition& d = plan.definition;
  plan.keys = d.keys;
  if (!st.index.empty()) {
    const SecondaryIndex* index = d.index(st.index);
    if (!index) {
      return validationError(
          fmt::format("The table does not have the specified index: {}", st.index));
    }
    plan.index = *index;
    plan.keys = index->keys;
  }
  plan.consistent = consistent;
  if (consistent && plan.index && plan.index->global) {
    return validationError("Strongly consistent read is not supported on Global Secondary Indexes");
  }
  const KeySchema* indexKeys = plan.index ? &plan.index->keys : nullptr;
  for (const KeySchema* keys : {&d.keys, indexKeys}) {
    if (!keys) continue;
    for (const std::string* name : {&keys->partitionKey, &keys->sortKey}) {
      if (!name->empty() && std::find(plan.lastKeyNames.begin(), plan.lastKeyNames.end(), *name) ==
                                plan.lastKeyNames.end()) {
        plan.lastKeyNames.push_back(*name);
      }
    }
  }
  if (plan.index && plan.index->global &&
      plan.index->projection.kind != IndexProjection::Kind::kAll) {
    plan.projected.insert(plan.lastKeyNames.begin(), plan.lastKeyNames.end());
    for (const auto& name : plan.index->projection.nonKeyAttributes) plan.projected.insert(name);
  }

  plan.selectAll = st.selectAll;
  plan.projection = st.projection;
  std::set<std::string> seen;
  for (const auto& path : plan.projection) {
    std::string name = projectionName(path);
    if (!seen.insert(name).second) {
      return validationError(fmt::format("Duplicate identifiers in select clause: {}", name));
    }
    plan.projectionNames.push_back(std::move(name));
  }

  std::vector<const Node*> parts;
  if (st.hasWhere) {
    auto c = toCondition(st.where, Place::kWhere);
    if (!c) return c.takeError();
    plan.filter = conditionOf(std::move(*c));
    conjuncts(st.where, parts);
    if (auto partitions = partiql::partitionsOf(parts, plan.keys.partitionKey)) {
      Type type = d.attributeTypes.at(plan.keys.partitionKey);
      for (const auto& value : *partitions) {
        if (value.type() != type) return keyTypeMismatch(plan.keys.partitionKey);
      }
      plan.partitions = std::move(*partitions);
      if (plan.keys.hasSortKey()) {
        plan.sortRange =
            partiql::sortRangeOf(parts, plan.keys.sortKey, d.attributeTypes.at(plan.keys.sortKey));
      }
    }
  }

  if (!st.orderBy.empty()) {
    if (!st.hasWhere) {
      return validationError("Must have WHERE clause in the statement when using ORDER BY clause.");
    }
    if (!plan.query()) {
      return validationError(
          "Must have at least one non-optional hash key condition in WHERE clause when using "
          "ORDER BY clause.");
    }
    std::optional<bool> partitionDescending;
    for (const auto& order : st.orderBy) {
      if (order.attribute == plan.keys.partitionKey) {
        partitionDescending = order.descending;
      } else if (order.attribute == plan.keys.sortKey) {
        plan.forward = !order.descending;
      } else {
        return validationError(
            fmt::format("Variable reference {} in ORDER BY clause must be part of the primary key",
                        order.attribute));
      }
    }
    if (plan.partitions.size() > 1) {
      if (!partitionDescending) {
        return validationError(
            "Must have hash key in ORDER BY clause when more than one hash key condition "
            "specified in WHERE clause.");
      }
      std::stable_sort(plan.partitions.begin(), plan.partitions.end(),
                       [&](const AttributeValue& a, const AttributeValue& b) {
                         auto order = compareScalars(a, b);
                         return *partitionDescending ? order == std::strong_ordering::greater
                                                     : order == std::strong_ordering::less;
                       });
    }
  }

  if (auto limit = request.integer("Limit")) plan.limit = static_cast<size_t>(*limit);
  plan.capacity = readCapacityReport(request);
  std::string parametersJson;
  if (auto p = request.member("Parameters")) parametersJson = simdjson::minify(*p);
  plan.tokenHash = tokenHashOf(*request.string("Statement"), parametersJson);
  if (auto token = request.string("NextToken")) {
    if (auto s = readToken(*token, plan); !s) return s.takeError();
  }
  return plan;
}

// The items of a page as read (before the filter), and where it stopped.
struct Page {
  std::vector<ItemPtr> items;
  size_t bytes = 0;
  bool stopped = false;
  size_t partition = 0;  // The partition ordinal of the last item read.
};

EntryKey boundKey(uint64_t hash, const AttributeValue& partition) {
  EntryKey key;
  key.hash = hash;
  key.partition = partition;
  return key;  // Null sort and base keys: before every entry of the partition.
}

// Collects a page; the caller holds the table's lock (shared).
class PageReader {
 public:
  PageReader(const ReadPlan& plan, const EntryMap& entries) : plan_(plan), entries_(entries) {}

  Page read() {
    if (!plan_.query()) {
      auto it = plan_.start ? entries_.upper_bound(*plan_.start) : entries_.begin();
      for (; it != entries_.end(); ++it) {
        if (!take(it->second)) break;
      }
      return std::move(page_);
    }
    for (size_t p = plan_.startPartition; p < plan_.partitions.size(); ++p) {
      page_.partition = p;
      const EntryKey* start = p == plan_.startPartition && plan_.start ? &*plan_.start : nullptr;
      if (!(plan_.forward ? forward(plan_.partitions[p], start)
                          : backward(plan_.partitions[p], start))) {
        break;
      }
    }
    return std::move(page_);
  }

 private:
  bool inRange(const EntryKey& key) const {
    return !plan_.sortRange || plan_.sortRange->sortMatches(key.sort);
  }

  // Reads one partition in sort key order; false once the page is full.
  bool forward(const AttributeValue& partition, const EntryKey* start) {
    const uint64_t hash = partitionHash(partition);
    auto it =
        start ? entries_.upper_bound(*start) : entries_.lower_bound(boundKey(hash, partition));
    for (; it != entries_.end() && it->first.hash == hash && it->first.partition == partition;
         ++it) {
      if (inRange(it->first) && !take(it->second)) return false;
    }
    return true;
  }

  bool backward(const AttributeValue& partition, const EntryKey* start) {
    const uint64_t hash = partitionHash(partition);
    const EntryKey low = boundKey(hash, partition);
    auto it = start ? entries_.lower_bound(*start)
                    : (hash == UINT64_MAX ? entries_.end()
                                          : entries_.lower_bound(boundKey(hash + 1, {})));
    while (it != entries_.begin()) {
      --it;
      if (it->first.hash != hash) break;
      if (!(it->first.partition == partition)) {
        if (EntryKeyLess()(it->first, low)) break;  // A partition before this one.
        continue;                                   // One after it, sharing the hash.
      }
      if (inRange(it->first) && !take(it->second)) return false;
    }
    return true;
  }

  bool take(const ItemPtr& item) {
    page_.items.push_back(item);
    page_.bytes += viewSize(*item);
    if (page_.items.size() >= plan_.limit || page_.bytes >= kPageBytes) {
      page_.stopped = true;
      return false;
    }
    return true;
  }

  size_t viewSize(const Item& item) const {
    if (!plan_.globalView()) return itemSize(item);
    size_t size = 0;
    for (const auto& name : plan_.projected) {
      auto it = item.find(name);
      if (it != item.end()) size += name.size() + attributeSize(it->second);
    }
    return size;
  }

  const ReadPlan& plan_;
  const EntryMap& entries_;
  Page page_;
};

Item indexView(const ReadPlan& plan, const Item& item) {
  Item out;
  for (const auto& [name, value] : item) {
    if (plan.projected.count(name)) out.emplace(name, value);
  }
  return out;
}

Result<Page> readPage(const ReadPlan& plan) {
  std::shared_lock lock(plan.table->mutex);
  if (plan.table->deleted) return resourceNotFound();
  const EntryMap* entries = &plan.table->items;
  if (plan.index) {
    auto it = plan.table->indexes.find(plan.index->name);
    if (it == plan.table->indexes.end()) {
      return validationError(
          fmt::format("The table does not have the specified index: {}", plan.index->name));
    }
    entries = &it->second;
  }
  return PageReader(plan, *entries).read();
}

// The item as the statement answers it, or nothing when the filter rejects it or the projection
// leaves nothing.
std::optional<Item> selected(const ReadPlan& plan, const Item& stored) {
  Item view;
  const Item* item = &stored;
  if (plan.globalView()) {
    view = indexView(plan, stored);
    item = &view;
  }
  if (plan.filter && !plan.filter->matches(*item)) return std::nullopt;
  if (plan.selectAll) return *item;
  Item out;
  for (size_t i = 0; i < plan.projection.size(); ++i) {
    if (const AttributeValue* value = resolvePath(*item, plan.projection[i])) {
      out.emplace(plan.projectionNames[i], *value);
    }
  }
  return out;
}

Item lastKeyOf(const ReadPlan& plan, const Item& item) {
  Item key;
  for (const auto& name : plan.lastKeyNames) {
    auto it = item.find(name);
    if (it != item.end()) key.emplace(name, it->second);
  }
  return key;
}

// ---- Requests ----

std::string constraintMessage(std::string_view detail) {
  return fmt::format("1 validation error detected: {}", detail);
}

// Statement's length limits, as the API checks them.
Status checkStatementText(std::string_view text, std::string_view member) {
  if (text.empty()) {
    return validationError(constraintMessage(fmt::format(
        "Value '' at '{}' failed to satisfy constraint: Member must have length greater than or "
        "equal to 1",
        member)));
  }
  if (text.size() > kMaxStatementBytes) {
    return validationError(constraintMessage(fmt::format(
        "Value '{}' at '{}' failed to satisfy constraint: Member must have length less than or "
        "equal to {}",
        text, member, kMaxStatementBytes)));
  }
  return ok();
}

Result<std::vector<AttributeValue>> readParameters(const Request& request,
                                                   std::string_view member) {
  std::vector<AttributeValue> out;
  auto e = request.member("Parameters");
  if (!e) return out;
  simdjson::dom::array array;
  if (e->get(array) != simdjson::SUCCESS) {
    return ServiceError{"SerializationException", "Unexpected value type for Parameters", 400};
  }
  if (array.size() == 0) {
    return validationError(constraintMessage(fmt::format(
        "Value '[]' at '{}' failed to satisfy constraint: Member must have length greater than "
        "or equal to 1",
        member)));
  }
  for (simdjson::dom::element value : array) {
    auto v = readAttributeValue(value);
    if (!v) return v.takeError();
    out.push_back(std::move(*v));
  }
  return out;
}

Result<bool> readReturnItemOnFailure(const Request& request) {
  auto r = request.string("ReturnValuesOnConditionCheckFailure");
  if (!r || *r == "NONE") return false;
  if (*r == "ALL_OLD") return true;
  return validationError(constraintMessage(fmt::format(
      "Value '{}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member "
      "must satisfy enum value set: [ALL_OLD, NONE]",
      *r)));
}

// A statement's text and parameters, checked as the API checks them.
struct StatementInput {
  std::string_view text;
  std::vector<AttributeValue> parameters;
};

Result<StatementInput> readStatementInput(const Request& request, std::string_view statementMember,
                                          std::string_view parametersMember) {
  StatementInput input;
  auto text = request.string("Statement");
  if (!text) return missingMember(statementMember);
  if (auto s = checkStatementText(*text, statementMember); !s) return s.takeError();
  input.text = *text;
  auto parameters = readParameters(request, parametersMember);
  if (!parameters) return parameters.takeError();
  input.parameters = std::move(*parameters);
  return input;
}

void writeItemsAnswer(JsonWriter& w, const std::optional<Item>& item) {
  w.key("Items").beginArray();
  if (item) writeItem(w, *item);
  w.endArray();
}

std::string failureMembers(const std::optional<Item>& item) {
  if (!item) return {};
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  writeItemMember(w, "Item", *item);
  w.endObject();
  return out.substr(1, out.size() - 2);
}

void executeWrite(Engine& engine, const Statement& st, const Request& request,
                  const ReplyPtr& reply) {
  auto returnItem = readReturnItemOnFailure(request);
  if (!returnItem) return reply->error(returnItem.error());
  auto plan = planWrite(engine, st, *returnItem);
  if (!plan) return reply->error(plan.error());
  const CapacityReport capacity = readCapacityReport(request);
  std::unique_lock lock(plan->write.table->mutex);
  WriteOutcome outcome = judgeWrite(engine, plan->write);
  if (!outcome.error.code.empty()) {
    lock.unlock();
    WriteFailure failure = failureOf(*plan, outcome);
    return reply->error(failure.error, failureMembers(failure.item));
  }
  auto answer = [plan = std::move(*plan), capacity](const ItemChange& change) {
    std::string out;
    JsonWriter w(out);
    w.beginObject();
    writeItemsAnswer(w, returnedItem(plan, change));
    writeConsumedCapacity(w, capacity, change.table->definition.name,
                          writeUnits(changeBytes(change)));
    w.endObject();
    return out;
  };
  ItemChange change = outcome.change;
  if (!change.before && !change.after) {
    // A DELETE of an item that does not exist changes nothing: there is nothing to store.
    lock.unlock();
    return reply->json(answer(change));
  }
  engine.commit({std::move(outcome.change)},
                [reply, change = std::move(change), answer = std::move(answer)](std::string error) {
                  if (!error.empty()) {
                    return reply->error(ServiceError{"InternalServerError", error, 500});
                  }
                  reply->json(answer(change));
                });
}

void executeRead(Engine& engine, const Statement& st, const Request& request,
                 const ReplyPtr& reply) {
  auto plan = planRead(engine, st, request, request.boolean("ConsistentRead").value_or(false));
  if (!plan) return reply->error(plan.error());
  auto page = readPage(*plan);
  if (!page) return reply->error(page.error());

  // Stored items never change, so the rest needs no lock.
  std::string out;
  out.reserve(64 + page->items.size() * 128);
  JsonWriter w(out);
  w.beginObject();
  w.key("Items").beginArray();
  for (const auto& item : page->items) {
    if (auto answered = selected(*plan, *item)) writeItem(w, *answered);
  }
  w.endArray();
  if (page->stopped && !page->items.empty()) {
    Item lastKey = lastKeyOf(*plan, *page->items.back());
    w.field("NextToken", encodeToken(*plan, page->partition, lastKey));
    writeItemMember(w, "LastEvaluatedKey", lastKey);
  }
  writeConsumedCapacity(w, plan->capacity, plan->definition.name,
                        readUnits(page->bytes, plan->consistent));
  w.endObject();
  reply->json(std::move(out));
}

// ---- BatchExecuteStatement ----

// BatchStatementError's Code for a service error.
std::string_view batchErrorCode(const ServiceError& error) {
  if (error.code == "ConditionalCheckFailedException") return "ConditionalCheckFailed";
  if (error.code == "ResourceNotFoundException") return "ResourceNotFound";
  if (error.code == "DuplicateItemException") return "DuplicateItem";
  if (error.code == "TransactionConflictException") return "TransactionConflict";
  if (error.code == "ItemCollectionSizeLimitExceededException") {
    return "ItemCollectionSizeLimitExceeded";
  }
  if (error.code == "InternalServerError") return "InternalServerError";
  return "ValidationError";
}

// One entry of Responses, as a JSON object.
std::string batchResponse(const std::string& tableName, const std::optional<Item>& item,
                          const ServiceError* error = nullptr,
                          const std::optional<Item>& errorItem = std::nullopt) {
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  if (error) {
    w.key("Error").beginObject();
    w.field("Code", batchErrorCode(*error));
    w.field("Message", error->message);
    if (errorItem) writeItemMember(w, "Item", *errorItem);
    w.endObject();
  }
  if (!tableName.empty()) w.field("TableName", tableName);
  if (item) writeItemMember(w, "Item", *item);
  w.endObject();
  return out;
}

// Capacity per table, for ConsumedCapacity's list.
using CapacityByTable = std::map<std::string, double>;

void writeBatchCapacity(JsonWriter& w, CapacityReport report, const CapacityByTable& units) {
  if (report == CapacityReport::kNone) return;
  w.key("ConsumedCapacity").beginArray();
  for (const auto& [table, n] : units) {
    w.beginObject();
    w.field("TableName", table);
    w.key("CapacityUnits").number(n);
    if (report == CapacityReport::kIndexes) {
      w.key("Table").beginObject().key("CapacityUnits").number(n).endObject();
    }
    w.endObject();
  }
  w.endArray();
}

// A parsed batch entry.
struct BatchEntry {
  std::optional<Statement> statement;  // Empty when it failed to parse.
  std::optional<ServiceError> error;
  bool consistent = false;
  bool returnItemOnFailure = false;
};

std::string answerBatch(const std::vector<std::string>& responses, CapacityReport report,
                        const CapacityByTable& units) {
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  w.key("Responses").beginArray();
  for (const auto& r : responses) w.raw(r);
  w.endArray();
  writeBatchCapacity(w, report, units);
  w.endObject();
  return out;
}

void batchReads(Engine& engine, std::vector<BatchEntry>& entries, CapacityReport report,
                const ReplyPtr& reply) {
  std::vector<std::string> responses;
  CapacityByTable units;
  for (auto& entry : entries) {
    if (!entry.statement) {
      responses.push_back(batchResponse("", std::nullopt, &*entry.error));
      continue;
    }
    const Statement& st = *entry.statement;
    auto fail = [&](const ServiceError& e, const std::string& table = "") {
      responses.push_back(batchResponse(table, std::nullopt, &e));
    };
    auto table = engine.table(st.table);
    if (!table) {
      fail(resourceNotFound());
      continue;
    }
    auto def = definitionOf(table);
    if (!def) {
      fail(def.error());
      continue;
    }
    const ServiceError notByKey = validationError(
        "Select statements within BatchExecuteStatement must specify the primary key in the "
        "where clause.");
    if (!st.index.empty() || !st.hasWhere) {
      fail(notByKey, def->name);
      continue;
    }
    // The whole WHERE must read as a condition; its key equalities name the item.
    auto whole = toCondition(st.where, Place::kWhere);
    if (!whole) {
      fail(whole.error(), def->name);
      continue;
    }
    std::vector<const Node*> parts;
    conjuncts(st.where, parts);
    Item key;
    bool byKey = true;
    for (const std::string* name : {&def->keys.partitionKey, &def->keys.sortKey}) {
      if (name->empty()) continue;
      const AttributeValue* value = nullptr;
      for (const Node* part : parts) {
        if ((value = equalityOn(*part, *name))) break;
      }
      if (!value) {
        byKey = false;
        break;
      }
      key.emplace(*name, *value);
    }
    if (!byKey) {
      fail(notByKey, def->name);
      continue;
    }
    for (const auto& [name, value] : key) {
      if (value.type() != def->attributeTypes.at(name)) byKey = false;
    }
    if (!byKey) {
      fail(keyTypeMismatch(key.begin()->first), def->name);
      continue;
    }
    ItemPtr item;
    {
      std::shared_lock lock(table->mutex);
      if (table->deleted) {
        lock.unlock();
        fail(resourceNotFound());
        continue;
      }
      item = table->find(table->keyOf(key));
    }
    units[def->name] += readUnits(item ? itemSize(*item) : 0, entry.consistent);
    std::optional<Item> answered;
    if (item && conditionOf(std::move(*whole)).matches(*item)) {
      answered = *item;
      if (!st.selectAll) {
        Item projected;
        for (const auto& path : st.projection) {
          if (const AttributeValue* value = resolvePath(*item, path)) {
            projected.emplace(projectionName(path), *value);
          }
        }
        answered = std::move(projected);
      }
    }
    responses.push_back(batchResponse(def->name, answered));
  }
  reply->json(answerBatch(responses, report, units));
}

// What the batch's writes share until the last commit answers.
struct BatchWrites {
  std::mutex mutex;
  std::vector<std::string> responses;
  CapacityByTable units;
  size_t pending = 1;  // One for the submitting loop itself.
  CapacityReport report = CapacityReport::kNone;
  ReplyPtr reply;

  void finishOne() {
    std::string body;
    {
      std::lock_guard lock(mutex);
      if (--pending != 0) return;
      body = answerBatch(responses, report, units);
    }
    reply->json(std::move(body));
  }
};

void batchWrites(Engine& engine, std::vector<BatchEntry>& entries, CapacityReport report,
                 const ReplyPtr& reply) {
  auto state = std::make_shared<BatchWrites>();
  state->responses.resize(entries.size());
  state->report = report;
  state->reply = reply;
  std::vector<std::optional<WritePlan>> plans(entries.size());
  std::vector<std::shared_ptr<Table>> tables;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& entry = entries[i];
    if (!entry.statement) {
      state->responses[i] = batchResponse("", std::nullopt, &*entry.error);
      continue;
    }
    auto plan = planWrite(engine, *entry.statement, entry.returnItemOnFailure);
    if (!plan) {
      auto table = engine.table(entry.statement->table);
      state->responses[i] =
          batchResponse(table ? entry.statement->table : "", std::nullopt, &plan.error());
      continue;
    }
    tables.push_back(plan->write.table);
    plans[i] = std::move(*plan);
  }
  // Every table written is locked, in name order so that concurrent batches cannot deadlock,
  // for the whole batch: statements apply in order, each seeing the ones before it.
  std::sort(tables.begin(), tables.end(),
            [](const auto& a, const auto& b) { return a->definition.name < b->definition.name; });
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
  std::vector<std::unique_lock<std::shared_mutex>> locks;
  for (auto& t : tables) locks.emplace_back(t->mutex);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!plans[i]) continue;
    const WritePlan& plan = *plans[i];
    const std::string tableName = plan.write.table->definition.name;
    WriteOutcome outcome = judgeWrite(engine, plan.write);
    if (!outcome.error.code.empty()) {
      WriteFailure failure = failureOf(plan, outcome);
      std::lock_guard lock(state->mutex);
      state->responses[i] = batchResponse(tableName, std::nullopt, &failure.error, failure.item);
      continue;
    }
    ItemChange change = outcome.change;
    {
      std::lock_guard lock(state->mutex);
      state->units[tableName] += writeUnits(changeBytes(change));
      state->responses[i] = batchResponse(tableName, returnedItem(plan, change));
      if (!change.before && !change.after) continue;  // Nothing to store.
      ++state->pending;
    }
    engine.commit({std::move(outcome.change)}, [state, i, tableName](std::string error) {
      if (!error.empty()) {
        ServiceError e{"InternalServerError", error, 500};
        std::lock_guard lock(state->mutex);
        state->responses[i] = batchResponse(tableName, std::nullopt, &e);
      }
      state->finishOne();
    });
  }
  locks.clear();
  state->finishOne();
}

}  // namespace

void executeStatement(Engine& engine, Request& request, const ReplyPtr& reply) {
  if (auto limit = request.integer("Limit"); limit && *limit < 1) {
    return reply->error(validationError(constraintMessage(fmt::format(
        "Value '{}' at 'limit' failed to satisfy constraint: Member must have value greater than "
        "or equal to 1",
        *limit))));
  }
  auto input = readStatementInput(request, "statement", "parameters");
  if (!input) return reply->error(input.error());
  auto statement = partiql::parseStatement(input->text, input->parameters);
  if (!statement) return reply->error(statement.error());
  if (statement->isRead()) return executeRead(engine, *statement, request, reply);
  executeWrite(engine, *statement, request, reply);
}

void batchExecuteStatement(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto member = request.member("Statements");
  simdjson::dom::array array;
  if (!member || member->get(array) != simdjson::SUCCESS) {
    return reply->error(missingMember("statements"));
  }
  if (array.size() == 0 || array.size() > kMaxBatchStatements) {
    return reply->error(validationError(constraintMessage(fmt::format(
        "Value '[...]' at 'statements' failed to satisfy constraint: Member must have length {} "
        "{}",
        array.size() == 0 ? "greater than or equal to" : "less than or equal to",
        array.size() == 0 ? size_t{1} : kMaxBatchStatements))));
  }
  std::vector<BatchEntry> entries;
  bool reads = false, writes = false;
  size_t n = 0;
  for (simdjson::dom::element e : array) {
    ++n;
    Request inner(e);
    BatchEntry entry;
    auto input = readStatementInput(inner, fmt::format("statements.{}.member.statement", n),
                                    fmt::format("statements.{}.member.parameters", n));
    if (!input) return reply->error(input.error());
    auto returnItem = readReturnItemOnFailure(inner);
    if (!returnItem) return reply->error(returnItem.error());
    entry.returnItemOnFailure = *returnItem;
    entry.consistent = inner.boolean("ConsistentRead").value_or(false);
    // A statement that does not parse fails alone; the others still run.
    auto statement = partiql::parseStatement(input->text, input->parameters);
    if (statement) {
      (statement->isRead() ? reads : writes) = true;
      entry.statement = std::move(*statement);
    } else {
      entry.error = statement.error();
    }
    entries.push_back(std::move(entry));
  }
  if (reads && writes) {
    return reply->error(validationError(
        "BatchExecuteStatement does not support both read and write statements in the same "
        "request; the batch must consist of either read statements or write statements"));
  }
  const CapacityReport report = readCapacityReport(request);
  if (writes) return batchWrites(engine, entries, report, reply);
  batchReads(engine, entries, report, reply);
}

}  // namespace nimbus::aws::dynamodb
