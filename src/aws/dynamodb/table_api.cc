// The table operations: CreateTable, DescribeTable, ListTables, UpdateTable and DeleteTable,
// and serverless.yml's tables (ensureProjectTable). Tables are usable at once: CreateTable and
// UpdateTable answer CREATING and UPDATING as DynamoDB does, but DescribeTable already answers
// ACTIVE. Every change answers once its definition is committed to the store. Time to live, tags,
// DescribeLimits and DescribeEndpoints are in table_settings_api.cc.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/table_api_support.h"
#include "core/json_writer.h"
#include "core/time_format.h"

namespace nimbus::aws::dynamodb {

namespace {

using simdjson::dom::element;

constexpr size_t kMaxGlobalIndexes = 20;
constexpr int64_t kMaxCapacityUnits = 1000000000000;
constexpr int64_t kMaxListTablesLimit = 100;

// Writes `{"<member>": <TableDescription>}`; the caller holds the table's lock.
std::string describeTableJson(const Engine& engine, const Table& table, std::string_view member,
                              std::string_view status) {
  std::string body;
  JsonWriter w(body);
  w.beginObject().key(member);
  writeTableDescription(w, table.definition, table.figures(), status, engine.region(),
                        engine.accountId());
  w.endObject();
  return body;
}

// DeleteTable's TableDescription: DynamoDB leaves out the schema, the creation time and the
// indexes (which are gone), and keeps the identity, billing, figures and stream.
std::string deletedTableJson(const Engine& engine, const TableDefinition& t,
                             const TableFigures& figures) {
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("TableDescription").beginObject();
  w.field("TableName", t.name);
  w.field("TableStatus", "DELETING");
  w.key("ProvisionedThroughput").beginObject();
  w.field("NumberOfDecreasesToday", int64_t{0});
  w.field("ReadCapacityUnits", t.payPerRequest ? int64_t{0} : t.throughput.readCapacityUnits);
  w.field("WriteCapacityUnits", t.payPerRequest ? int64_t{0} : t.throughput.writeCapacityUnits);
  w.endObject();
  w.field("TableSizeBytes", figures.sizeBytes);
  w.field("ItemCount", figures.itemCount);
  w.field("TableArn", t.arn(engine.region(), engine.accountId()));
  w.field("TableId", t.id);
  if (t.payPerRequest) {
    w.key("BillingModeSummary").beginObject();
    w.field("BillingMode", "PAY_PER_REQUEST");
    w.key("LastUpdateToPayPerRequestDateTime").number(t.createdAt);
    w.endObject();
  }
  if (t.streamEnabled) {
    w.key("StreamSpecification").beginObject();
    w.field("StreamEnabled", true).field("StreamViewType", t.streamViewType);
    w.endObject();
  }
  if (!t.streamLabel.empty()) {
    w.field("LatestStreamLabel", t.streamLabel);
    w.field("LatestStreamArn", t.streamArn(engine.region(), engine.accountId()));
  }
  w.endObject().endObject();
  return body;
}

// Answers once both the store's commit and the answer's body are there, in either order:
// Engine::createTable and deleteTable submit the write before they return the table that the
// body describes, so the commit may come first.
class AnswerAfterCommit {
 public:
  explicit AnswerAfterCommit(ReplyPtr reply) : reply_(std::move(reply)) {}

  void committed(std::string error) {
    std::lock_guard lock(mutex_);
    if (!error.empty()) return reply_->error(commitFailed(error));
    committed_ = true;
    if (body_) reply_->json(std::move(*body_));
  }
  void setBody(std::string body) {
    std::lock_guard lock(mutex_);
    if (committed_) return reply_->json(std::move(body));
    body_ = std::move(body);
  }

 private:
  std::mutex mutex_;
  ReplyPtr reply_;
  bool committed_ = false;
  std::optional<std::string> body_;
};

// --- Table settings shared by UpdateTable and serverless.yml's tables ---------------------

// Drops attribute definitions that no key of the table or its indexes uses any more (DynamoDB
// lists only those in AttributeDefinitions).
void pruneAttributeTypes(TableDefinition& t) {
  std::set<std::string> used{t.keys.partitionKey, t.keys.sortKey};
  for (const auto& index : t.indexes) {
    used.insert(index.keys.partitionKey);
    used.insert(index.keys.sortKey);
  }
  std::erase_if(t.attributeTypes, [&](const auto& entry) { return !used.contains(entry.first); });
}

// A new stream label, distinct from the previous one (labels name streams in their ARNs).
std::string newStreamLabel(const TableDefinition& t) {
  int64_t now = nowMs();
  std::string label = formatStreamLabel(now);
  if (label == t.streamLabel) label = formatStreamLabel(now + 1);
  return label;
}

bool sameIndex(const SecondaryIndex& a, const SecondaryIndex& b) {
  return a.name == b.name && a.global == b.global && a.keys.partitionKey == b.keys.partitionKey &&
         a.keys.sortKey == b.keys.sortKey && a.projection.kind == b.projection.kind &&
         a.projection.nonKeyAttributes == b.projection.nonKeyAttributes;
}

std::string describeKeys(const TableDefinition& t, const KeySchema& keys) {
  auto one = [&](const std::string& name, std::string_view role) {
    auto type = t.attributeTypes.find(name);
    return fmt::format("{}:{}:{}", name,
                       type == t.attributeTypes.end() ? "?" : typeName(type->second), role);
  };
  std::string out = one(keys.partitionKey, "HASH");
  if (keys.hasSortKey()) out += ", " + one(keys.sortKey, "RANGE");
  return out;
}

// --- UpdateTable's request ----------------------------------------------------------------

struct ThroughputChange {
  std::string indexName;
  ProvisionedThroughput throughput;  // Zero when not given.
  std::string path;                  // Where the request gives it, for errors.
};

struct UpdateTableRequest {
  std::optional<std::string> billingMode;
  std::optional<ProvisionedThroughput> throughput;
  std::vector<ThroughputChange> indexThroughput;
  std::optional<SecondaryIndex> createIndex;
  std::optional<std::map<std::string, Type>> definitions;  // AttributeDefinitions.
  std::optional<std::string> deleteIndex;
  std::optional<bool> streamEnabled;
  std::string streamViewType;
  std::optional<bool> deletionProtection;
  std::optional<std::string> tableClass;
  std::optional<bool> sseEnabled;
  bool sse = false;
};

// Reads a ProvisionedThroughput structure at `path` (both members, at least 1), collecting its
// constraint violations.
Result<std::optional<ProvisionedThroughput>> readThroughput(const element& object,
                                                            std::string_view path,
                                                            Violations& violations) {
  auto e = structMember(object, "ProvisionedThroughput", "ProvisionedThroughput");
  if (!e) return e.takeError();
  if (!*e) return std::optional<ProvisionedThroughput>();
  auto write = longMember(**e, "WriteCapacityUnits");
  if (!write) return write.takeError();
  auto read = longMember(**e, "ReadCapacityUnits");
  if (!read) return read.takeError();
  for (auto [value, name] :
       {std::pair{*write, "writeCapacityUnits"}, std::pair{*read, "readCapacityUnits"}}) {
    std::string member = fmt::format("{}.{}", path, name);
    if (!value) {
      violations.null(member);
    } else if (*value < 1) {
      violations.constraint(std::to_string(*value), member,
                            "Member must have value greater than or equal to 1");
    }
  }
  if (!*write || !*read) return std::optional<ProvisionedThroughput>();
  for (auto [value, name] :
       {std::pair{**read, "ReadCapacityUnits"}, std::pair{**write, "WriteCapacityUnits"}}) {
    if (value > kMaxCapacityUnits && violations.empty()) {
      return validationError(fmt::format("Given value {} for {} is out of bounds", value, name));
    }
  }
  return std::optional<ProvisionedThroughput>(ProvisionedThroughput{**read, **write});
}

Result<UpdateTableRequest> readUpdateTable(const Request& request) {
  UpdateTableRequest u;
  element body = request.body();
  Violations violations;

  auto billing = stringMember(body, "BillingMode");
  if (!billing) return billing.takeError();
  if (*billing && **billing != "PROVISIONED" && **billing != "PAY_PER_REQUEST") {
    violations.constraint(**billing, "billingMode",
                          "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
  }
  u.billingMode = *billing;
  auto throughput = readThroughput(body, "provisionedThroughput", violations);
  if (!throughput) return throughput.takeError();
  u.throughput = *throughput;

  auto updates = listMember(body, "GlobalSecondaryIndexUpdates");
  if (!updates) return updates.takeError();
  size_t indexActions = 0;
  std::set<std::string> updatedIndexes;
  if (*updates) {
    size_t position = 0;
    for (element update : **updates) {
      ++position;
      if (!update.is_object()) return serialization("Unexpected value type in payload");
      std::optional<element> action;
      std::string actionName;
      size_t actions = 0;
      for (auto [member, shape] : {std::pair{"Update", "UpdateGlobalSecondaryIndexAction"},
                                   std::pair{"Create", "CreateGlobalSecondaryIndexAction"},
                                   std::pair{"Delete", "DeleteGlobalSecondaryIndexAction"}}) {
        auto e = structMember(update, member, shape);
        if (!e) return e.takeError();
        if (!*e) continue;
        ++actions;
        action = **e;
        actionName = member;
      }
      if (actions == 0) {
        return invalidParameter(
            "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
            "GlobalSecondaryIndexUpdate.Delete must not be null");
      }
      if (actions > 1) {
        return invalidParameter(
            "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate "
            "object");
      }
      std::string path = fmt::format("globalSecondaryIndexUpdates.{}.member.{}", position,
                                     actionName == "Update"   ? "update"
                                     : actionName == "Create" ? "create"
                                                              : "delete");
      auto name = stringMember(*action, "IndexName");
      if (!name) return name.takeError();
      if (!*name) {
        violations.null(path + ".indexName");
        continue;
      }
      if (!updatedIndexes.insert(**name).second) {
        return invalidParameter(fmt::format(
            "Only one global secondary index update per index is allowed simultaneously. Index: "
            "{}",
            **name));
      }
      if (actionName == "Update") {
        auto t = readThroughput(*action, path + ".provisionedThroughput", violations);
        if (!t) return t.takeError();
        // A missing throughput is judged against the table's billing mode later.
        u.indexThroughput.push_back(
            {**name, t->value_or(ProvisionedThroughput{}), path + ".provisionedThroughput"});
      } else if (actionName == "Create") {
        ++indexActions;
        auto index = readIndex(*action, true);
        if (!index) return index.takeError();
        Violations throughputViolations;
        auto t = readThroughput(*action, path + ".provisionedThroughput", throughputViolations);
        if (!t) return t.takeError();
        if (!throughputViolations.empty()) return throughputViolations.error();
        index->throughput = t->value_or(ProvisionedThroughput{});
        u.createIndex = std::move(*index);
      } else {
        ++indexActions;
        u.deleteIndex = **name;
      }
    }
  }

  auto stream = structMember(body, "StreamSpecification", "StreamSpecification");
  if (!stream) return stream.takeError();
  if (*stream) {
    auto enabled = boolMember(**stream, "StreamEnabled");
    if (!enabled) return enabled.takeError();
    auto viewType = stringMember(**stream, "StreamViewType");
    if (!viewType) return viewType.takeError();
    if (!*enabled) violations.null("streamSpecification.streamEnabled");
    if (*viewType && **viewType != "NEW_IMAGE" && **viewType != "OLD_IMAGE" &&
        **viewType != "NEW_AND_OLD_IMAGES" && **viewType != "KEYS_ONLY") {
      violations.constraint(**viewType, "streamSpecification.streamViewType",
                            "Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, "
                            "NEW_AND_OLD_IMAGES, KEYS_ONLY]");
    }
    u.streamEnabled = *enabled;
    u.streamViewType = viewType->value_or("");
  }

  auto protection = boolMember(body, "DeletionProtectionEnabled");
  if (!protection) return protection.takeError();
  u.deletionProtection = *protection;
  auto tableClass = stringMember(body, "TableClass");
  if (!tableClass) return tableClass.takeError();
  if (*tableClass && **tableClass != "STANDARD" && **tableClass != "STANDARD_INFREQUENT_ACCESS") {
    violations.constraint(**tableClass, "tableClass",
                          "Member must satisfy enum value set: [STANDARD, "
                          "STANDARD_INFREQUENT_ACCESS]");
  }
  u.tableClass = *tableClass;
  auto sse = structMember(body, "SSESpecification", "SSESpecification");
  if (!sse) return sse.takeError();
  if (*sse) {
    u.sse = true;
    auto enabled = boolMember(**sse, "Enabled");
    if (!enabled) return enabled.takeError();
    u.sseEnabled = *enabled;
  }
  if (!violations.empty()) return violations.error();

  if (u.createIndex) {
    auto definitions = listMember(body, "AttributeDefinitions");
    if (!definitions) return definitions.takeError();
    if (*definitions && (*definitions)->size() > 0) {
      std::map<std::string, Type> types;
      if (auto st = readAttributeDefinitions(*request.member("AttributeDefinitions"), types); !st) {
        return st.takeError();
      }
      u.definitions = std::move(types);
    }
  }

  bool streamChange = u.streamEnabled.has_value();
  bool capacityChange = u.billingMode || u.throughput;
  bool indexChange = indexActions > 0;
  if (!capacityChange && !streamChange && updatedIndexes.empty() && !u.sse &&
      !u.deletionProtection && !u.tableClass) {
    return validationError(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
        "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
        "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is "
        "required");
  }
  // DynamoDB changes one aspect of a table per UpdateTable call.
  int aspects = capacityChange + streamChange + !updatedIndexes.empty() + u.sse +
                u.deletionProtection.has_value() + u.tableClass.has_value();
  if (u.sse && aspects > 1) {
    return invalidParameter(
        "Server-Side Encryption modification must be the only operation in the request");
  }
  if (u.tableClass && aspects > 1) {
    return invalidParameter("TableClass modification must be the only operation in the request");
  }
  if (u.deletionProtection && aspects > 1) {
    return invalidParameter(
        "DeletionProtection modification must be the only operation in the request");
  }
  if (capacityChange && streamChange) {
    return invalidParameter("You cannot modify stream status while updating table IOPS");
  }
  if (capacityChange && indexChange) {
    return invalidParameter("You cannot create or delete index while updating table IOPS");
  }
  if (streamChange && indexChange) {
    return invalidParameter("You cannot create or delete index while changing stream status");
  }
  if (indexActions > 1) {
    return ServiceError{"LimitExceededException",
                        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                        "simultaneously per table",
                        400};
  }
  if (u.streamEnabled) {
    if (*u.streamEnabled && u.streamViewType.empty()) {
      return invalidParameter("If stream is being enabled then UpdateViewType is required");
    }
    if (!*u.streamEnabled && !u.streamViewType.empty()) {
      return invalidParameter(
          "If stream is being disabled, then UpdateViewType must not be specified");
    }
  }
  if (u.billingMode == "PROVISIONED" && !u.throughput) {
    return invalidParameter(
        "ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
  }
  return u;
}

ServiceError indexNotFound(const std::string& index, const std::string& table) {
  return ServiceError{
      "ResourceNotFoundException",
      fmt::format("Requested resource not found: Index {} for table {}", index, table), 400};
}

// Applies an UpdateTable request to the table (the caller holds its lock exclusively), or
// refuses it, leaving the table unchanged.
Status applyUpdateTable(Engine& engine, Table& table, const UpdateTableRequest& u) {
  TableDefinition& t = table.definition;
  bool payPerRequest = u.billingMode ? *u.billingMode == "PAY_PER_REQUEST" : t.payPerRequest;

  // Checks first, so that a refused request changes nothing.
  if (u.throughput && payPerRequest) {
    return invalidParameter(
        "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
        "PAY_PER_REQUEST");
  }
  if (u.throughput && !t.payPerRequest && !u.billingMode &&
      u.throughput->readCapacityUnits == t.throughput.readCapacityUnits &&
      u.throughput->writeCapacityUnits == t.throughput.writeCapacityUnits) {
    return validationError(fmt::format(
        "The provisioned throughput for the table will not change. The requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the table: {}. Requested "
        "ReadCapacityUnits: {}. Current WriteCapacityUnits provisioned for the table: {}. "
        "Requested WriteCapacityUnits: {}. Refer to the Amazon DynamoDB Developer Guide for "
        "current limits and how to request higher limits.",
        t.throughput.readCapacityUnits, u.throughput->readCapacityUnits,
        t.throughput.writeCapacityUnits, u.throughput->writeCapacityUnits));
  }
  for (const auto& change : u.indexThroughput) {
    const SecondaryIndex* index = t.index(change.indexName);
    if (!index) return indexNotFound(change.indexName, t.name);
    if (!index->global) {
      return validationError("Cannot update an index that is not a GlobalSecondaryIndex: " +
                             change.indexName);
    }
    if (payPerRequest) {
      return invalidParameter(fmt::format(
          "The only Updates for index: {} when TableThroughputMode is PAY_PER_REQUEST can be to "
          "OnDemandThroughput, WarmThroughput",
          change.indexName));
    }
    if (change.throughput.readCapacityUnits == 0) return missingMember(change.path);
  }
  if (t.payPerRequest && !payPerRequest) {
    // Leaving on-demand billing: every global index needs its own throughput.
    std::vector<std::string> missing;
    for (const auto& index : t.indexes) {
      bool given = std::any_of(u.indexThroughput.begin(), u.indexThroughput.end(),
                               [&](const auto& c) { return c.indexName == index.name; });
      if (index.global && !given) missing.push_back(index.name);
    }
    if (!missing.empty()) {
      return invalidParameter(fmt::format("ProvisionedThroughput must be specified for index: {}",
                                          fmt::join(missing, ",")));
    }
  }
  if (u.deleteIndex) {
    const SecondaryIndex* index = t.index(*u.deleteIndex);
    if (!index) return indexNotFound(*u.deleteIndex, t.name);
    if (!index->global) {
      return validationError("Cannot delete an index that is not a GlobalSecondaryIndex: " +
                             *u.deleteIndex);
    }
  }
  std::map<std::string, Type> newTypes;
  if (u.createIndex) {
    const SecondaryIndex& index = *u.createIndex;
    if (t.index(index.name)) {
      return validationError("Attempting to create an index which already exists");
    }
    size_t globals =
        std::count_if(t.indexes.begin(), t.indexes.end(), [](const auto& i) { return i.global; });
    if (globals >= kMaxGlobalIndexes) {
      return ServiceError{"LimitExceededException",
                          fmt::format("One or more parameter values were invalid: "
                                      "GlobalSecondaryIndex count exceeds the per-table limit "
                                      "of {}",
                                      kMaxGlobalIndexes),
                          400};
    }
    if (!u.definitions) {
      return invalidParameter("AttributeDefinitions is not specified for index: " + index.name);
    }
    std::set<std::string> undefined;
    for (const std::string* key : {&index.keys.partitionKey, &index.keys.sortKey}) {
      if (key->empty()) continue;
      auto given = u.definitions->find(*key);
      if (given == u.definitions->end()) {
        undefined.insert(*key);
        continue;
      }
      auto existing = t.attributeTypes.find(*key);
      if (existing != t.attributeTypes.end() && existing->second != given->second) {
        std::string_view role = key == &index.keys.partitionKey ? "HASH" : "RANGE";
        return invalidParameter(fmt::format(
            "Attributes cannot be redefined. Please check that your attribute has the same type "
            "as previously defined. Existing schema: Schema:[SchemaElement: key{{{}:{}:{}}}] New "
            "schema: Schema:[SchemaElement: key{{{}:{}:{}}}]",
            *key, typeName(existing->second), role, *key, typeName(given->second), role));
      }
      newTypes[*key] = given->second;
    }
    if (!undefined.empty()) {
      std::vector<std::string> defined;
      for (const auto& [name, type] : *u.definitions) defined.push_back(name);
      return invalidParameter(fmt::format(
          "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], "
          "AttributeDefinitions: [{}]",
          fmt::join(undefined, ", "), fmt::join(defined, ", ")));
    }
    if (payPerRequest &&
        (index.throughput.readCapacityUnits || index.throughput.writeCapacityUnits)) {
      return invalidParameter(fmt::format(
          "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: {} when "
          "BillingMode is PAY_PER_REQUEST",
          index.name));
    }
    if (!payPerRequest && !index.throughput.readCapacityUnits) {
      return invalidParameter("ProvisionedThroughput must be specified for index: " + index.name);
    }
  }
  if (u.streamEnabled) {
    if (*u.streamEnabled && t.streamEnabled) {
      return validationError("Table already has an enabled stream: TableName: " + t.name);
    }
    if (!*u.streamEnabled && !t.streamEnabled) {
      return validationError("Table has no stream to disable: TableName: " + t.name);
    }
  }
  if (u.sse && !u.sseEnabled.value_or(false)) {
    return invalidParameter("Table is already encrypted by default");
  }

  // The changes.
  if (u.billingMode) {
    t.payPerRequest = payPerRequest;
    if (payPerRequest) {
      t.throughput = {};
      for (auto& index : t.indexes) index.throughput = {};
    }
  }
  if (u.throughput) t.throughput = *u.throughput;
  for (const auto& change : u.indexThroughput) {
    for (auto& index : t.indexes) {
      if (index.name == change.indexName) index.throughput = change.throughput;
    }
  }
  if (u.deleteIndex) {
    std::erase_if(t.indexes, [&](const auto& i) { return i.name == *u.deleteIndex; });
    table.indexes.erase(*u.deleteIndex);
    pruneAttributeTypes(t);
  }
  if (u.createIndex) {
    for (const auto& [name, type] : newTypes) t.attributeTypes[name] = type;
    t.indexes.push_back(*u.createIndex);
    // Backfilling: items whose key attributes are missing or of another type stay out.
    engine.rebuildIndex(table, t.indexes.back());
  }
  if (u.streamEnabled) {
    t.streamEnabled = *u.streamEnabled;
    if (t.streamEnabled) {
      t.streamViewType = u.streamViewType;
      t.streamLabel = newStreamLabel(t);
    }
  }
  if (u.deletionProtection) t.deletionProtection = *u.deletionProtection;
  if (u.tableClass) t.tableClass = *u.tableClass;
  return ok();
}

// --- serverless.yml's tables ----------------------------------------------------------------

// Brings an existing table in line with the project's definition of it (the caller holds its
// lock exclusively). Returns whether anything changed, or why it cannot be done.
Result<bool> alignTable(Engine& engine, Table& table, const TableDefinition& desired) {
  TableDefinition& t = table.definition;
  auto keyTypes = [](const TableDefinition& d, const KeySchema& keys) {
    return describeKeys(d, keys);
  };
  if (keyTypes(t, t.keys) != keyTypes(desired, desired.keys)) {
    return ServiceError{
        "ValidationException",
        fmt::format("its key schema ({}) differs from the existing table's ({}); DynamoDB "
                    "replaces a table for that, and nimbus does not drop a table's items on its "
                    "own: delete the table to have it created anew",
                    keyTypes(desired, desired.keys), keyTypes(t, t.keys)),
        400};
  }
  std::vector<const SecondaryIndex*> haveLocal, wantLocal;
  for (const auto& i : t.indexes) {
    if (!i.global) haveLocal.push_back(&i);
  }
  for (const auto& i : desired.indexes) {
    if (!i.global) wantLocal.push_back(&i);
  }
  bool sameLocal = haveLocal.size() == wantLocal.size();
  for (size_t i = 0; sameLocal && i < haveLocal.size(); ++i) {
    sameLocal = sameIndex(*haveLocal[i], *wantLocal[i]) &&
                keyTypes(t, haveLocal[i]->keys) == keyTypes(desired, wantLocal[i]->keys);
  }
  if (!sameLocal) {
    return ServiceError{"ValidationException",
                        "its local secondary indexes differ from the existing table's; they are "
                        "fixed at creation, and nimbus does not drop a table's items on its own: "
                        "delete the table to have it created anew",
                        400};
  }

  bool changed = false;
  auto assign = [&changed](auto& field, const auto& value) {
    if (field != value) {
      field = value;
      changed = true;
    }
  };
  // Global indexes: those gone or changed are dropped; new and changed ones are built, and so
  // are those whose key attributes changed type.
  std::set<std::string> rebuild;
  for (const auto& want : desired.indexes) {
    if (!want.global) continue;
    const SecondaryIndex* have = t.index(want.name);
    if (!have || !sameIndex(*have, want) ||
        keyTypes(t, have->keys) != keyTypes(desired, want.keys)) {
      rebuild.insert(want.name);
    }
  }
  size_t before = t.indexes.size();
  std::erase_if(t.indexes, [&](const SecondaryIndex& have) {
    bool drop = have.global && (!desired.index(have.name) || rebuild.contains(have.name));
    if (drop) table.indexes.erase(have.name);
    return drop;
  });
  changed |= t.indexes.size() != before || !rebuild.empty();
  assign(t.attributeTypes, desired.attributeTypes);
  for (const auto& want : desired.indexes) {
    if (!want.global) continue;
    if (rebuild.contains(want.name)) {
      t.indexes.push_back(want);
      engine.rebuildIndex(table, t.indexes.back());
    } else {
      for (auto& have : t.indexes) {
        if (have.name != want.name) continue;
        assign(have.throughput.readCapacityUnits, want.throughput.readCapacityUnits);
        assign(have.throughput.writeCapacityUnits, want.throughput.writeCapacityUnits);
      }
    }
  }
  // The stream: on, off, or a new stream for a new view type (DynamoDB needs it switched off
  // and on again for that, which CloudFormation does).
  if (desired.streamEnabled != t.streamEnabled ||
      (desired.streamEnabled && desired.streamViewType != t.streamViewType)) {
    t.streamEnabled = desired.streamEnabled;
    if (t.streamEnabled) {
      t.streamViewType = desired.streamViewType;
      t.streamLabel = newStreamLabel(t);
    }
    changed = true;
  }
  assign(t.payPerRequest, desired.payPerRequest);
  assign(t.throughput.readCapacityUnits, desired.throughput.readCapacityUnits);
  assign(t.throughput.writeCapacityUnits, desired.throughput.writeCapacityUnits);
  assign(t.tags, desired.tags);
  assign(t.deletionProtection, desired.deletionProtection);
  assign(t.tableClass, desired.tableClass);
  return changed;
}

// Applies serverless.yml's time-to-live setting; returns whether it changed anything.
bool applyTimeToLive(TableDefinition& t,
                     const std::optional<std::pair<std::string, bool>>& timeToLive) {
  if (!timeToLive) return false;
  const auto& [attribute, enabled] = *timeToLive;
  if (enabled == t.ttlEnabled && (!enabled || attribute == t.ttlAttribute)) return false;
  t.ttlEnabled = enabled;
  t.ttlAttribute = enabled ? attribute : std::string();
  return true;
}

}  // namespace

void createTable(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto tags = listMember(request.body(), "Tags");
  if (!tags) return reply->error(tags.error());
  auto definition = readCreateTable(request.body());
  if (!definition) return reply->error(definition.error());
  if (*tags) {
    definition->tags.clear();
    if (auto st = readTags(**tags, definition->tags); !st) return reply->error(st.error());
    if (definition->tags.size() > kMaxTags) return reply->error(tooManyTags());
  }
  auto answer = std::make_shared<AnswerAfterCommit>(reply);
  auto table = engine.createTable(
      std::move(*definition), [answer](std::string error) { answer->committed(std::move(error)); });
  if (!table) return reply->error(table.error());
  std::shared_lock lock((*table)->mutex);
  answer->setBody(describeTableJson(engine, **table, "TableDescription", "CREATING"));
}

void describeTable(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto table = findTable(engine, request);
  if (!table) return reply->error(table.error());
  std::shared_lock lock((*table)->mutex);
  if ((*table)->deleted) return reply->error(Engine::tableNotFound((*table)->definition.name));
  reply->json(describeTableJson(engine, **table, "Table", "ACTIVE"));
}

void listTables(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto start = stringMember(request.body(), "ExclusiveStartTableName");
  if (!start) return reply->error(start.error());
  auto limit = longMember(request.body(), "Limit", "Integer");
  if (!limit) return reply->error(limit.error());
  Violations violations;
  if (*start) {
    const std::string& name = **start;
    bool pattern = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '_' || c == '-' || c == '.';
    });
    if (!pattern) {
      violations.constraint(name, "exclusiveStartTableName",
                            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
    if (name.size() < 3) {
      violations.constraint(name, "exclusiveStartTableName",
                            "Member must have length greater than or equal to 3");
    } else if (name.size() > 255) {
      violations.constraint(name, "exclusiveStartTableName",
                            "Member must have length less than or equal to 255");
    }
  }
  if (*limit && **limit < 1) {
    violations.constraint(std::to_string(**limit), "limit",
                          "Member must have value greater than or equal to 1");
  } else if (*limit && **limit > kMaxListTablesLimit) {
    violations.constraint(std::to_string(**limit), "limit",
                          "Member must have value less than or equal to 100");
  }
  if (!violations.empty()) return reply->error(violations.error());

  size_t max = static_cast<size_t>(limit->value_or(kMaxListTablesLimit));
  std::vector<std::string> names;
  bool more = false;
  for (const auto& table : engine.tables()) {  // By name.
    const std::string& name = table->definition.name;
    if (*start && name <= **start) continue;
    if (names.size() == max) {
      more = true;
      break;
    }
    names.push_back(name);
  }
  std::string body;
  JsonWriter w(body);
  w.beginObject();
  if (more) w.field("LastEvaluatedTableName", names.back());
  w.key("TableNames").beginArray();
  for (const auto& name : names) w.string(name);
  w.endArray().endObject();
  reply->json(std::move(body));
}

void updateTable(Engine& engine, Request& request, const ReplyPtr& reply) {
  if (!request.member("TableName")) return reply->error(missingMember("tableName"));
  auto update = readUpdateTable(request);
  if (!update) return reply->error(update.error());
  auto table = findTable(engine, request);
  if (!table) return reply->error(table.error());
  std::unique_lock lock((*table)->mutex);
  if ((*table)->deleted) return reply->error(Engine::tableNotFound((*table)->definition.name));
  if (auto st = applyUpdateTable(engine, **table, *update); !st) return reply->error(st.error());
  // Deletion protection is a setting, not a change DynamoDB carries out in the background.
  bool background = update->billingMode || update->throughput || !update->indexThroughput.empty() ||
                    update->createIndex || update->deleteIndex || update->streamEnabled ||
                    update->tableClass;
  std::string body =
      describeTableJson(engine, **table, "TableDescription", background ? "UPDATING" : "ACTIVE");
  saveDefinitionThenAnswer(engine, **table, reply, std::move(body));
}

void deleteTable(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto found = findTable(engine, request);
  if (!found) return reply->error(found.error());
  auto answer = std::make_shared<AnswerAfterCommit>(reply);
  auto table = engine.deleteTable((*found)->definition.name, [answer](std::string error) {
    answer->committed(std::move(error));
  });
  if (!table) return reply->error(table.error());
  std::shared_lock lock((*table)->mutex);
  answer->setBody(deletedTableJson(engine, (*table)->definition, (*table)->figures()));
}

void ensureProjectTable(Engine& engine, const std::string& createTableRequest,
                        std::optional<std::pair<std::string, bool>> timeToLive,
                        std::function<void(std::string error)> done) {
  simdjson::dom::parser parser;
  element body;
  if (parser.parse(createTableRequest).get(body) != simdjson::SUCCESS || !body.is_object()) {
    return done("DynamoDB table: the table definition is not a JSON object");
  }
  std::string name;
  if (auto given = stringMember(body, "TableName"); given && *given) name = **given;
  auto failed = [&](const std::string& why) {
    done(fmt::format("DynamoDB table {}: {}", name, why));
  };
  auto definition = readCreateTable(body);
  if (!definition) return failed(definition.error().message);
  if (auto tags = listMember(body, "Tags"); !tags) {
    return failed(tags.error().message);
  } else if (*tags) {
    definition->tags.clear();
    if (auto st = readTags(**tags, definition->tags); !st) return failed(st.error().message);
    if (definition->tags.size() > kMaxTags) return failed(tooManyTags().message);
  }
  applyTimeToLive(*definition, timeToLive);
  auto committed = [done, name](std::string error) {
    done(error.empty() ? std::string() : fmt::format("DynamoDB table {}: {}", name, error));
  };
  // Twice at most: an API call may create the table between the look-up and the creation.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto table = engine.table(name)) {
      std::unique_lock lock(table->mutex);
      if (table->deleted) continue;
      auto changed = alignTable(engine, *table, *definition);
      if (!changed) return failed(changed.error().message);
      bool ttlChanged = applyTimeToLive(table->definition, timeToLive);
      if (!*changed && !ttlChanged) return done("");
      return engine.saveDefinition(*table, committed);
    }
    auto created = engine.createTable(*definition, committed);
    if (created) return;
    if (created.error().code != "ResourceInUseException") return failed(created.error().message);
  }
  failed("the table is being created and deleted concurrently");
}

}  // namespace nimbus::aws::dynamodb
