#include "aws/dynamodb/table_definition.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

using simdjson::dom::element;

ServiceError validation(std::string message) {
  return ServiceError{"ValidationException", std::move(message), 400};
}

ServiceError invalidParameter(std::string_view detail) {
  return validation(fmt::format("One or more parameter values were invalid: {}", detail));
}

// Members missing from the request, in the words of DynamoDB's request validation.
ServiceError nullMember(std::string_view member) {
  return validation(fmt::format(
      "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must "
      "not be null",
      member));
}

std::optional<element> member(const element& object, std::string_view name) {
  element e;
  if (object[name].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

std::string stringOf(const element& object, std::string_view name) {
  auto e = member(object, name);
  std::string_view s;
  if (!e || e->get(s) != simdjson::SUCCESS) return "";
  return std::string(s);
}

std::optional<int64_t> integerOf(const element& object, std::string_view name) {
  auto e = member(object, name);
  if (!e) return std::nullopt;
  int64_t i;
  if (e->get(i) == simdjson::SUCCESS) return i;
  double d;
  if (e->get(d) == simdjson::SUCCESS && std::isfinite(d)) return static_cast<int64_t>(d);
  return std::nullopt;
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

Status checkName(const std::string& name, std::string_view member, size_t maxLength) {
  if (name.size() < 3) {
    return validation(fmt::format(
        "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member "
        "must have length greater than or equal to 3",
        name, member));
  }
  if (name.size() > maxLength) {
    return validation(fmt::format(
        "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member "
        "must have length less than or equal to {}",
        name, member, maxLength));
  }
  for (char c : name) {
    if (!isNameChar(c)) {
      return validation(fmt::format(
          "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member "
          "must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
          name, member));
    }
  }
  return ok();
}

Result<KeySchema> readKeySchema(const element& list, std::string_view where) {
  simdjson::dom::array array;
  if (list.get(array) != simdjson::SUCCESS || array.size() == 0) {
    return nullMember(where);
  }
  if (array.size() > 2) {
    return validation(fmt::format(
        "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member "
        "must have length less than or equal to 2",
        simdjson::to_string(list), where));
  }
  KeySchema keys;
  size_t position = 0;
  for (element e : array) {
    std::string name = stringOf(e, "AttributeName");
    std::string type = stringOf(e, "KeyType");
    if (name.empty())
      return nullMember(fmt::format("{}.{}.member.attributeName", where, position + 1));
    if (type != "HASH" && type != "RANGE") {
      return validation(fmt::format(
          "1 validation error detected: Value '{}' at '{}.{}.member.keyType' failed to satisfy "
          "constraint: Member must satisfy enum value set: [HASH, RANGE]",
          type, where, position + 1));
    }
    if (position == 0 && type != "HASH") {
      return validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    }
    if (position == 1) {
      if (type != "RANGE") {
        return validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
      }
      if (name == keys.partitionKey) {
        return validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name");
      }
      keys.sortKey = name;
    } else {
      keys.partitionKey = name;
    }
    ++position;
  }
  return keys;
}

Result<IndexProjection> readProjection(const element& index) {
  IndexProjection projection;
  auto p = member(index, "Projection");
  if (!p) return nullMember("projection");
  std::string type = stringOf(*p, "ProjectionType");
  if (type == "ALL" || type.empty()) {
    projection.kind = IndexProjection::Kind::kAll;
  } else if (type == "KEYS_ONLY") {
    projection.kind = IndexProjection::Kind::kKeysOnly;
  } else if (type == "INCLUDE") {
    projection.kind = IndexProjection::Kind::kInclude;
  } else {
    return validation(fmt::format(
        "1 validation error detected: Value '{}' at 'projection.projectionType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]",
        type));
  }
  if (auto attrs = member(*p, "NonKeyAttributes")) {
    simdjson::dom::array array;
    if (attrs->get(array) == simdjson::SUCCESS) {
      for (element a : array) {
        std::string_view s;
        if (a.get(s) == simdjson::SUCCESS) projection.nonKeyAttributes.emplace_back(s);
      }
    }
  }
  if (projection.kind != IndexProjection::Kind::kInclude && !projection.nonKeyAttributes.empty()) {
    return invalidParameter("ProjectionType is " + type + ", but NonKeyAttributes is specified");
  }
  if (projection.kind == IndexProjection::Kind::kInclude && projection.nonKeyAttributes.empty()) {
    return invalidParameter("ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
  }
  return projection;
}

std::optional<ProvisionedThroughput> readThroughput(const element& object) {
  auto t = member(object, "ProvisionedThroughput");
  if (!t) return std::nullopt;
  ProvisionedThroughput out;
  out.readCapacityUnits = integerOf(*t, "ReadCapacityUnits").value_or(0);
  out.writeCapacityUnits = integerOf(*t, "WriteCapacityUnits").value_or(0);
  return out;
}

std::string listForMessage(const std::set<std::string>& names) {
  std::string out = "[";
  bool first = true;
  for (const auto& n : names) {
    out += (first ? "" : ", ") + n;
    first = false;
  }
  return out + "]";
}

}  // namespace

const SecondaryIndex* TableDefinition::index(std::string_view indexName) const {
  for (const auto& i : indexes) {
    if (i.name == indexName) return &i;
  }
  return nullptr;
}

std::string TableDefinition::arn(const std::string& region, const std::string& account) const {
  return fmt::format("arn:aws:dynamodb:{}:{}:table/{}", region, account, name);
}

std::string TableDefinition::streamArn(const std::string& region,
                                       const std::string& account) const {
  return fmt::format("{}/stream/{}", arn(region, account), streamLabel);
}

Status readAttributeDefinitions(const element& list, std::map<std::string, Type>& types) {
  simdjson::dom::array array;
  if (list.get(array) != simdjson::SUCCESS) return nullMember("attributeDefinitions");
  for (element e : array) {
    std::string name = stringOf(e, "AttributeName");
    std::string type = stringOf(e, "AttributeType");
    Type t;
    if (type == "S") {
      t = Type::kS;
    } else if (type == "N") {
      t = Type::kN;
    } else if (type == "B") {
      t = Type::kB;
    } else {
      return validation(fmt::format(
          "1 validation error detected: Value '{}' at 'attributeDefinitions.member.attributeType' "
          "failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]",
          type));
    }
    auto [it, inserted] = types.emplace(name, t);
    if (!inserted && it->second != t) {
      return invalidParameter("Cannot have two attributes with the same name");
    }
  }
  return ok();
}

Result<SecondaryIndex> readIndex(const element& json, bool global) {
  SecondaryIndex index;
  index.global = global;
  index.name = stringOf(json, "IndexName");
  if (index.name.empty()) return nullMember("indexName");
  if (auto st = checkName(index.name, "indexName", 255); !st) return st.takeError();
  auto keySchema = member(json, "KeySchema");
  if (!keySchema) return nullMember("keySchema");
  auto keys = readKeySchema(*keySchema, "keySchema");
  if (!keys) return keys.takeError();
  index.keys = std::move(*keys);
  auto projection = readProjection(json);
  if (!projection) return projection.takeError();
  index.projection = std::move(*projection);
  if (auto t = readThroughput(json)) index.throughput = *t;
  return index;
}

Result<TableDefinition> readCreateTable(const element& request) {
  TableDefinition table;
  table.name = stringOf(request, "TableName");
  if (table.name.empty()) return nullMember("tableName");
  if (auto st = checkName(table.name, "tableName", 255); !st) return st.takeError();

  auto definitions = member(request, "AttributeDefinitions");
  if (!definitions) return nullMember("attributeDefinitions");
  if (auto st = readAttributeDefinitions(*definitions, table.attributeTypes); !st) {
    return st.takeError();
  }
  auto keySchema = member(request, "KeySchema");
  if (!keySchema) return nullMember("keySchema");
  auto keys = readKeySchema(*keySchema, "keySchema");
  if (!keys) return keys.takeError();
  table.keys = std::move(*keys);

  // Every key attribute of the table and its indexes must be defined, and nothing else.
  std::set<std::string> keyAttributes{table.keys.partitionKey};
  if (table.keys.hasSortKey()) keyAttributes.insert(table.keys.sortKey);
  std::set<std::string> indexNames;
  int globalCount = 0, localCount = 0;
  for (auto [listName, global] :
       {std::pair{"GlobalSecondaryIndexes", true}, std::pair{"LocalSecondaryIndexes", false}}) {
    auto list = member(request, listName);
    if (!list) continue;
    simdjson::dom::array array;
    if (list->get(array) != simdjson::SUCCESS) continue;
    if (array.size() == 0) {
      return invalidParameter(fmt::format("List of {} is empty", listName));
    }
    for (element e : array) {
      auto index = readIndex(e, global);
      if (!index) return index.takeError();
      if (!indexNames.insert(index->name).second) {
        return invalidParameter(fmt::format("Duplicate index name: {}", index->name));
      }
      if (!global) {
        if (index->keys.partitionKey != table.keys.partitionKey) {
          return invalidParameter(fmt::format(
              "Index KeySchema does not have the same leading hash key as table KeySchema for "
              "index: {}. index hash key: {}, table hash key: {}",
              index->name, index->keys.partitionKey, table.keys.partitionKey));
        }
        if (!table.keys.hasSortKey()) {
          return invalidParameter(
              "Table KeySchema does not have a range key, which is required when specifying a "
              "LocalSecondaryIndex");
        }
        if (!index->keys.hasSortKey()) {
          return invalidParameter(fmt::format(
              "Index KeySchema must have a range key for LocalSecondaryIndex: {}", index->name));
        }
      }
      keyAttributes.insert(index->keys.partitionKey);
      if (index->keys.hasSortKey()) keyAttributes.insert(index->keys.sortKey);
      (global ? globalCount : localCount)++;
      table.indexes.push_back(std::move(*index));
    }
  }
  if (globalCount > 20) {
    return validation(
        "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-"
        "table limit of 20");
  }
  if (localCount > 5) {
    return validation(
        "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-"
        "table limit of 5");
  }
  std::set<std::string> undefined;
  for (const auto& k : keyAttributes) {
    if (!table.attributeTypes.contains(k)) undefined.insert(k);
  }
  if (!undefined.empty()) {
    std::set<std::string> defined;
    for (const auto& [name, type] : table.attributeTypes) defined.insert(name);
    return invalidParameter(
        fmt::format("Some index key attributes are not defined in AttributeDefinitions. Keys: {}, "
                    "AttributeDefinitions: {}",
                    listForMessage(undefined), listForMessage(defined)));
  }
  if (table.attributeTypes.size() != keyAttributes.size()) {
    return invalidParameter(
        "Number of attributes in KeySchema does not exactly match number of attributes defined "
        "in AttributeDefinitions");
  }

  std::string billing = stringOf(request, "BillingMode");
  auto throughput = readThroughput(request);
  if (billing == "PAY_PER_REQUEST") {
    table.payPerRequest = true;
    if (throughput) {
      return invalidParameter(
          "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
          "PAY_PER_REQUEST");
    }
  } else if (billing.empty() || billing == "PROVISIONED") {
    if (!throughput) {
      return invalidParameter(
          "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is "
          "PROVISIONED");
    }
    table.throughput = *throughput;
    if (table.throughput.readCapacityUnits < 1 || table.throughput.writeCapacityUnits < 1) {
      return invalidParameter("ReadCapacityUnits and WriteCapacityUnits must be at least 1");
    }
  } else {
    return validation(fmt::format(
        "1 validation error detected: Value '{}' at 'billingMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
        billing));
  }

  if (auto stream = member(request, "StreamSpecification")) {
    bool enabled = false;
    auto e = member(*stream, "StreamEnabled");
    if (e && e->get(enabled) != simdjson::SUCCESS) enabled = false;
    std::string viewType = stringOf(*stream, "StreamViewType");
    if (enabled) {
      if (viewType != "KEYS_ONLY" && viewType != "NEW_IMAGE" && viewType != "OLD_IMAGE" &&
          viewType != "NEW_AND_OLD_IMAGES") {
        return validation("One or more parameter values were invalid: Invalid StreamViewType: " +
                          (viewType.empty() ? std::string("null") : viewType));
      }
      table.streamEnabled = true;
      table.streamViewType = viewType;
    }
  }
  if (auto tags = member(request, "Tags")) {
    simdjson::dom::array array;
    if (tags->get(array) == simdjson::SUCCESS) {
      for (element t : array) table.tags[stringOf(t, "Key")] = stringOf(t, "Value");
    }
  }
  if (auto d = member(request, "DeletionProtectionEnabled")) {
    bool b = false;
    if (d->get(b) == simdjson::SUCCESS) table.deletionProtection = b;
  }
  if (auto c = stringOf(request, "TableClass"); !c.empty()) table.tableClass = c;
  return table;
}

std::string encodeTableDefinition(const TableDefinition& t) {
  nlohmann::json j;
  j["name"] = t.name;
  j["id"] = t.id;
  j["pk"] = t.keys.partitionKey;
  j["sk"] = t.keys.sortKey;
  for (const auto& [name, type] : t.attributeTypes) j["types"][name] = typeName(type);
  j["indexes"] = nlohmann::json::array();
  for (const auto& i : t.indexes) {
    nlohmann::json ij{{"name", i.name},
                      {"global", i.global},
                      {"pk", i.keys.partitionKey},
                      {"sk", i.keys.sortKey},
                      {"projection", static_cast<int>(i.projection.kind)},
                      {"include", i.projection.nonKeyAttributes},
                      {"rcu", i.throughput.readCapacityUnits},
                      {"wcu", i.throughput.writeCapacityUnits}};
    j["indexes"].push_back(std::move(ij));
  }
  j["payPerRequest"] = t.payPerRequest;
  j["rcu"] = t.throughput.readCapacityUnits;
  j["wcu"] = t.throughput.writeCapacityUnits;
  j["streamEnabled"] = t.streamEnabled;
  j["streamViewType"] = t.streamViewType;
  j["streamLabel"] = t.streamLabel;
  j["ttlAttribute"] = t.ttlAttribute;
  j["ttlEnabled"] = t.ttlEnabled;
  j["tags"] = t.tags;
  j["deletionProtection"] = t.deletionProtection;
  j["tableClass"] = t.tableClass;
  j["createdAt"] = t.createdAt;
  return j.dump();
}

std::optional<TableDefinition> decodeTableDefinition(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    TableDefinition t;
    t.name = j.at("name").get<std::string>();
    t.id = j.at("id").get<std::string>();
    t.keys.partitionKey = j.at("pk").get<std::string>();
    t.keys.sortKey = j.value("sk", "");
    const nlohmann::json& types = j.at("types");
    for (auto it = types.begin(); it != types.end(); ++it) {
      const std::string& name = it.key();
      std::string s = it.value().get<std::string>();
      t.attributeTypes[name] = s == "N" ? Type::kN : (s == "B" ? Type::kB : Type::kS);
    }
    const nlohmann::json& indexes = j.at("indexes");
    for (const auto& ij : indexes) {
      SecondaryIndex i;
      i.name = ij.at("name").get<std::string>();
      i.global = ij.value("global", true);
      i.keys.partitionKey = ij.at("pk").get<std::string>();
      i.keys.sortKey = ij.value("sk", "");
      i.projection.kind = static_cast<IndexProjection::Kind>(ij.value("projection", 0));
      i.projection.nonKeyAttributes = ij.value("include", std::vector<std::string>{});
      i.throughput = {ij.value("rcu", int64_t{0}), ij.value("wcu", int64_t{0})};
      t.indexes.push_back(std::move(i));
    }
    t.payPerRequest = j.value("payPerRequest", false);
    t.throughput = {j.value("rcu", int64_t{0}), j.value("wcu", int64_t{0})};
    t.streamEnabled = j.value("streamEnabled", false);
    t.streamViewType = j.value("streamViewType", "");
    t.streamLabel = j.value("streamLabel", "");
    t.ttlAttribute = j.value("ttlAttribute", "");
    t.ttlEnabled = j.value("ttlEnabled", false);
    t.tags = j.value("tags", std::map<std::string, std::string>{});
    t.deletionProtection = j.value("deletionProtection", false);
    t.tableClass = j.value("tableClass", "STANDARD");
    t.createdAt = j.value("createdAt", 0.0);
    return t;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

namespace {

void writeKeySchema(JsonWriter& out, const KeySchema& keys) {
  out.key("KeySchema").beginArray();
  out.beginObject().field("AttributeName", keys.partitionKey).field("KeyType", "HASH").endObject();
  if (keys.hasSortKey()) {
    out.beginObject().field("AttributeName", keys.sortKey).field("KeyType", "RANGE").endObject();
  }
  out.endArray();
}

void writeThroughput(JsonWriter& out, const ProvisionedThroughput& t) {
  out.key("ProvisionedThroughput").beginObject();
  out.field("NumberOfDecreasesToday", int64_t{0});
  out.field("ReadCapacityUnits", t.readCapacityUnits);
  out.field("WriteCapacityUnits", t.writeCapacityUnits);
  out.endObject();
}

}  // namespace

void writeTableDescription(JsonWriter& out, const TableDefinition& t, const TableFigures& figures,
                           std::string_view status, const std::string& region,
                           const std::string& account) {
  out.beginObject();
  out.key("AttributeDefinitions").beginArray();
  for (const auto& [name, type] : t.attributeTypes) {
    out.beginObject().field("AttributeName", name).field("AttributeType", typeName(type));
    out.endObject();
  }
  out.endArray();
  out.field("TableName", t.name);
  writeKeySchema(out, t.keys);
  out.field("TableStatus", status);
  out.key("CreationDateTime").number(t.createdAt);
  writeThroughput(out, t.payPerRequest ? ProvisionedThroughput{} : t.throughput);
  out.field("TableSizeBytes", figures.sizeBytes);
  out.field("ItemCount", figures.itemCount);
  out.field("TableArn", t.arn(region, account));
  out.field("TableId", t.id);
  if (t.payPerRequest) {
    out.key("BillingModeSummary").beginObject();
    out.field("BillingMode", "PAY_PER_REQUEST");
    out.key("LastUpdateToPayPerRequestDateTime").number(t.createdAt);
    out.endObject();
  }
  for (bool global : {false, true}) {
    bool any = false;
    for (const auto& i : t.indexes) {
      if (i.global != global) continue;
      if (!any) out.key(global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes").beginArray();
      any = true;
      out.beginObject();
      out.field("IndexName", i.name);
      writeKeySchema(out, i.keys);
      out.key("Projection").beginObject();
      static constexpr const char* kKinds[] = {"ALL", "KEYS_ONLY", "INCLUDE"};
      out.field("ProjectionType", kKinds[static_cast<int>(i.projection.kind)]);
      if (!i.projection.nonKeyAttributes.empty()) {
        out.key("NonKeyAttributes").beginArray();
        for (const auto& a : i.projection.nonKeyAttributes) out.string(a);
        out.endArray();
      }
      out.endObject();
      if (global) {
        out.field("IndexStatus", "ACTIVE");
        writeThroughput(out, t.payPerRequest ? ProvisionedThroughput{} : i.throughput);
      }
      auto f = figures.indexes.find(i.name);
      out.field("IndexSizeBytes", f == figures.indexes.end() ? int64_t{0} : f->second.second);
      out.field("ItemCount", f == figures.indexes.end() ? int64_t{0} : f->second.first);
      out.field("IndexArn", fmt::format("{}/index/{}", t.arn(region, account), i.name));
      out.endObject();
    }
    if (any) out.endArray();
  }
  if (t.streamEnabled) {
    out.key("StreamSpecification").beginObject();
    out.field("StreamEnabled", true).field("StreamViewType", t.streamViewType);
    out.endObject();
  }
  if (!t.streamLabel.empty()) {
    out.field("LatestStreamLabel", t.streamLabel);
    out.field("LatestStreamArn", t.streamArn(region, account));
  }
  out.key("TableClassSummary").beginObject().field("TableClass", t.tableClass).endObject();
  out.field("DeletionProtectionEnabled", t.deletionProtection);
  out.endObject();
}

}  // namespace nimbus::aws::dynamodb
