// The part of the model builder that reads the DynamoDB tables of `resources.Resources`:
// AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable, whose properties are, nearly one to one,
// the CreateTable request DynamoDB's API takes. Shapes and names are checked here, with the file
// and line of each mistake; what DynamoDB itself judges (that every attribute definition is used
// by a key, how many indexes a table may have) is left to the service, whose refusal `nimbus
// serve` reports against the resource.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "config/model_builder.h"
#include "config/text.h"

namespace nimbus::config {

namespace {

// Keeps the request's keys in the order they are added (TableName first), which reads better in a
// log than an alphabetical order.
using Json = nlohmann::ordered_json;

using Names = std::initializer_list<std::string_view>;

std::string listed(Names names) {
  std::string out;
  for (auto name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// One key of a mapping: its value (null when absent), where the key is written, its path.
struct Field {
  const Node* node = nullptr;
  SourceLocation where;
  std::string path;
};

Field fieldOf(const Node& map, const std::string& mapPath, std::string_view key,
              const SourceLocation& fallback) {
  Field field{nullptr, fallback, childPath(mapPath, std::string(key))};
  if (map.kind != Node::Kind::Map) return field;
  int at = map.indexOf(key);
  if (at < 0) return field;
  field.node = &map.children[at];
  field.where = map.keyLocations[at];
  return field;
}

// A list item as a field: located at the item when it has a place, else at the list's key.
Field itemOf(const Field& list, size_t index) {
  const Node& item = list.node->children[index];
  return {&item, item.where.line > 0 ? item.where : list.where, itemPath(list.path, index)};
}

// Reads one table's properties into a CreateTable request, collecting its mistakes (errors) and
// what nimbus leaves out (warnings) for the model builder to record.
class TableReader {
 public:
  TableReader(const SourceLocation& resourceWhere, std::string propertiesPath)
      : resourceWhere_(resourceWhere), propertiesPath_(std::move(propertiesPath)) {}

  std::vector<ConfigError> errors;
  std::vector<std::pair<SourceLocation, std::string>> warnings;

  Field field(const Node& map, const std::string& mapPath, std::string_view key) {
    return fieldOf(map, mapPath, key, resourceWhere_);
  }
  Field property(const Node& properties, std::string_view key) {
    return field(properties, propertiesPath_, key);
  }

  void fail(const Field& field, std::string message) {
    errors.push_back({field.where, field.path, std::move(message)});
  }

  // Every key of `map` that is not in `used`: one warning each.
  void ignoreOthers(const Node& map, const std::string& mapPath,
                    const std::vector<std::string_view>& used) {
    if (map.kind != Node::Kind::Map) return;
    for (size_t i = 0; i < map.keys.size(); ++i) {
      if (std::find(used.begin(), used.end(), map.keys[i]) != used.end()) continue;
      warnings.emplace_back(
          map.keyLocations[i],
          fmt::format("{} is not supported yet and is ignored", childPath(mapPath, map.keys[i])));
    }
  }

  bool isMap(const Field& field, const char* holds) {
    if (field.node->kind == Node::Kind::Map) return true;
    fail(field, fmt::format("must be a mapping ({}), got {}", holds, field.node->kindName()));
    return false;
  }

  bool isList(const Field& field, const char* holds) {
    if (field.node->kind == Node::Kind::Seq) return true;
    fail(field, fmt::format("must be a list of {}, got {}", holds, field.node->kindName()));
    return false;
  }

  // A required key: its field, or nullopt (reported) when it is absent.
  std::optional<Field> required(const Node& map, const std::string& mapPath, std::string_view key,
                                const Field& holder) {
    Field f = field(map, mapPath, key);
    if (f.node) return f;
    f.where = holder.where;
    fail(f, "is required");
    return std::nullopt;
  }

  std::optional<std::string> text(const Field& field) {
    if (field.node->isScalar() && field.node->kind != Node::Kind::Null) {
      if (auto value = scalarToString(*field.node); value && !value->empty()) return value;
    }
    fail(field, field.node->kind == Node::Kind::String
                    ? std::string("must not be empty")
                    : fmt::format("must be a string, got {}", field.node->kindName()));
    return std::nullopt;
  }

  std::optional<std::string> oneOf(const Field& field, Names allowed) {
    auto value = text(field);
    if (!value) return std::nullopt;
    if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return value;
    fail(field, fmt::format("'{}' is not one of {}", *value, listed(allowed)));
    return std::nullopt;
  }

  // A whole number of at least 1, written as a number or as a string ("5"), as CloudFormation
  // takes both.
  std::optional<int64_t> capacity(const Field& field) {
    const Node& node = *field.node;
    double value = 0;
    bool numeric = node.kind == Node::Kind::Number;
    if (numeric) value = node.number;
    if (node.kind == Node::Kind::String) {
      std::string written = trim(node.text);
      char* end = nullptr;
      if (!written.empty()) value = std::strtod(written.c_str(), &end);
      numeric = !written.empty() && end == written.c_str() + written.size();
    }
    if (!numeric || std::isnan(value) || value != std::floor(value) || value < 1 || value > 1e15) {
      fail(field, fmt::format("must be a whole number of at least 1, got {}",
                              node.kind == Node::Kind::String   ? "'" + node.text + "'"
                              : node.kind == Node::Kind::Number ? formatNumber(node.number)
                                                                : node.kindName()));
      return std::nullopt;
    }
    return static_cast<int64_t>(value);
  }

  std::optional<bool> boolean(const Field& field) {
    const Node& node = *field.node;
    if (node.kind == Node::Kind::Bool) return node.boolean;
    if (node.kind == Node::Kind::String && (node.text == "true" || node.text == "false")) {
      return node.text == "true";
    }
    fail(field,
         fmt::format("must be true or false, got {}",
                     node.kind == Node::Kind::String ? "'" + node.text + "'" : node.kindName()));
    return std::nullopt;
  }

  // A required key's text, or "" (reported).
  std::string requiredText(const Field& map, std::string_view key) {
    auto given = required(*map.node, map.path, key, map);
    return given ? text(*given).value_or("") : "";
  }

  // [{AttributeName, KeyType}]: a HASH key, then optionally a RANGE key (required in a local
  // secondary index).
  Json keySchema(const Field& schema, bool rangeRequired) {
    Json out = Json::array();
    if (!isList(schema, "{AttributeName, KeyType}")) return out;
    size_t count = schema.node->children.size();
    if (count == 0 || count > 2 || (rangeRequired && count != 2)) {
      fail(schema, rangeRequired ? "must hold two keys: HASH, then RANGE"
                                 : "must hold one or two keys: HASH, then optionally RANGE");
      return out;
    }
    for (size_t i = 0; i < count; ++i) {
      Field item = itemOf(schema, i);
      if (!isMap(item, "AttributeName, KeyType")) continue;
      std::string name = requiredText(item, "AttributeName");
      std::string type;
      if (auto given = required(*item.node, item.path, "KeyType", item)) {
        type = oneOf(*given, {"HASH", "RANGE"}).value_or("");
        if (!type.empty() && type != (i == 0 ? "HASH" : "RANGE")) {
          fail(*given, i == 0 ? "the first key must be the HASH (partition) key"
                              : "the second key must be the RANGE (sort) key");
        }
      }
      ignoreOthers(*item.node, item.path, {"AttributeName", "KeyType"});
      out.push_back(Json{{"AttributeName", name}, {"KeyType", type}});
    }
    return out;
  }

  // [{AttributeName, AttributeType: S | N | B}].
  Json attributeDefinitions(const Field& list) {
    Json out = Json::array();
    if (!isList(list, "{AttributeName, AttributeType}")) return out;
    for (size_t i = 0; i < list.node->children.size(); ++i) {
      Field item = itemOf(list, i);
      if (!isMap(item, "AttributeName, AttributeType")) continue;
      std::string name = requiredText(item, "AttributeName");
      std::string type;
      if (auto given = required(*item.node, item.path, "AttributeType", item)) {
        type = oneOf(*given, {"S", "N", "B"}).value_or("");
      }
      ignoreOthers(*item.node, item.path, {"AttributeName", "AttributeType"});
      out.push_back(Json{{"AttributeName", name}, {"AttributeType", type}});
    }
    return out;
  }

  // {ReadCapacityUnits, WriteCapacityUnits}.
  Json provisionedThroughput(const Field& field) {
    Json out = Json::object();
    if (!isMap(field, "ReadCapacityUnits, WriteCapacityUnits")) return out;
    for (const char* key : {"ReadCapacityUnits", "WriteCapacityUnits"}) {
      auto given = required(*field.node, field.path, key, field);
      out[key] = given ? capacity(*given).value_or(0) : 0;
    }
    ignoreOthers(*field.node, field.path, {"ReadCapacityUnits", "WriteCapacityUnits"});
    return out;
  }

  // {ProjectionType: ALL | KEYS_ONLY | INCLUDE, NonKeyAttributes: [...]}.
  Json projection(const Field& field) {
    Json out = Json::object();
    if (!isMap(field, "ProjectionType, NonKeyAttributes")) return out;
    if (Field type = this->field(*field.node, field.path, "ProjectionType"); type.node) {
      out["ProjectionType"] = oneOf(type, {"ALL", "KEYS_ONLY", "INCLUDE"}).value_or("");
    }
    if (Field list = this->field(*field.node, field.path, "NonKeyAttributes");
        list.node && isList(list, "attribute names")) {
      Json names = Json::array();
      for (size_t i = 0; i < list.node->children.size(); ++i) {
        names.push_back(text(itemOf(list, i)).value_or(""));
      }
      out["NonKeyAttributes"] = std::move(names);
    }
    ignoreOthers(*field.node, field.path, {"ProjectionType", "NonKeyAttributes"});
    return out;
  }

  // [{Key, Value}], as CreateTable takes them too.
  Json tags(const Field& list) {
    Json out = Json::array();
    if (!isList(list, "{Key, Value}")) return out;
    for (size_t i = 0; i < list.node->children.size(); ++i) {
      Field item = itemOf(list, i);
      if (!isMap(item, "Key, Value")) continue;
      std::string key = requiredText(item, "Key");
      std::string value;
      if (auto given = required(*item.node, item.path, "Value", item)) {
        // A tag's value may be empty.
        const Node& node = *given->node;
        value = node.kind == Node::Kind::String ? node.text : text(*given).value_or("");
      }
      ignoreOthers(*item.node, item.path, {"Key", "Value"});
      out.push_back(Json{{"Key", key}, {"Value", value}});
    }
    return out;
  }

  // {StreamViewType} -> {StreamEnabled: true, StreamViewType}.
  Json streamSpecification(const Field& field) {
    std::string view;
    if (isMap(field, "StreamViewType")) {
      if (auto type = required(*field.node, field.path, "StreamViewType", field)) {
        view = oneOf(*type, {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"})
                   .value_or("");
      }
      ignoreOthers(*field.node, field.path, {"StreamViewType"});
    }
    return Json{{"StreamEnabled", true}, {"StreamViewType", view}};
  }

  // {Enabled, AttributeName}: the attribute ("" when none is named) and whether TTL is on.
  std::pair<std::string, bool> timeToLive(const Field& field) {
    std::pair<std::string, bool> out{"", false};
    if (!isMap(field, "AttributeName, Enabled")) return out;
    if (auto enabled = required(*field.node, field.path, "Enabled", field)) {
      out.second = boolean(*enabled).value_or(false);
    }
    if (Field name = this->field(*field.node, field.path, "AttributeName"); name.node) {
      out.first = text(name).value_or("");
    } else if (out.second) {
      name.where = field.where;
      fail(name, "is required when Enabled is true");
    }
    ignoreOthers(*field.node, field.path, {"AttributeName", "Enabled"});
    return out;
  }

  // GlobalSecondaryIndexes or LocalSecondaryIndexes (`local`: their key schemas need a RANGE
  // key). `withThroughput`: an index may have its ProvisionedThroughput. `quiet` are keys
  // dropped without a word; other keys nimbus does not use are warned about.
  Json indexes(const Field& list, bool local, bool withThroughput, Names quiet) {
    Json out = Json::array();
    if (!isList(list, "indexes")) return out;
    for (size_t i = 0; i < list.node->children.size(); ++i) {
      Field item = itemOf(list, i);
      if (!isMap(item, "IndexName, KeySchema, Projection")) continue;
      const Node& map = *item.node;
      Json index = Json::object();
      index["IndexName"] = requiredText(item, "IndexName");
      if (auto schema = required(map, item.path, "KeySchema", item)) {
        index["KeySchema"] = keySchema(*schema, local);
      }
      if (auto projected = required(map, item.path, "Projection", item)) {
        index["Projection"] = projection(*projected);
      }
      std::vector<std::string_view> used = {"IndexName", "KeySchema", "Projection"};
      if (withThroughput) {
        used.push_back("ProvisionedThroughput");
        if (Field throughput = field(map, item.path, "ProvisionedThroughput"); throughput.node) {
          index["ProvisionedThroughput"] = provisionedThroughput(throughput);
        }
      }
      used.insert(used.end(), quiet.begin(), quiet.end());
      ignoreOthers(map, item.path, used);
      out.push_back(std::move(index));
    }
    return out;
  }

 private:
  SourceLocation resourceWhere_;
  std::string propertiesPath_;
};

// The capacity an auto scaling setting of a global table starts at: SeedCapacity when given,
// else MinCapacity; 0 (reported) when neither is a valid number.
int64_t startingCapacity(TableReader& reader, const Field& settings) {
  if (!reader.isMap(settings, "MinCapacity, MaxCapacity, ...")) return 0;
  Field seed = reader.field(*settings.node, settings.path, "SeedCapacity");
  if (seed.node) return reader.capacity(seed).value_or(0);
  auto min = reader.required(*settings.node, settings.path, "MinCapacity", settings);
  return min ? reader.capacity(*min).value_or(0) : 0;
}

// What a global table adds to a table: the replica nimbus serves, and a provisioned one's
// capacity.
struct GlobalTableParts {
  const Node* replica = nullptr;  // A mapping, or null when there is none.
  std::string replicaPath;
  std::optional<Json> throughput;  // For the table and each of its indexes.
};

// The replica of the stack's region (CloudFormation requires one), else the first; the others
// are warned about. Provisioned (a global table's default), writes start at the auto scaling
// settings' capacity (a global table takes no fixed number there), reads at the replica's, else
// at the writes'.
GlobalTableParts readGlobalTable(TableReader& reader, const Field& properties,
                                 const std::string& region, bool provisioned) {
  GlobalTableParts parts;
  auto replicas = reader.required(*properties.node, properties.path, "Replicas", properties);
  if (replicas && reader.isList(*replicas, "{Region, ...}")) {
    const auto& items = replicas->node->children;
    size_t chosen = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      int at = items[i].kind == Node::Kind::Map ? items[i].indexOf("Region") : -1;
      if (at >= 0 && scalarToString(items[i].children[at]) == region) {
        chosen = i;
        break;
      }
    }
    if (items.empty()) {
      reader.fail(*replicas, "must hold the replica of the stack's region");
    } else if (reader.isMap(itemOf(*replicas, chosen), "Region, Tags, ...")) {
      parts.replica = &items[chosen];
      parts.replicaPath = itemPath(replicas->path, chosen);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (i == chosen) continue;
      Field other = itemOf(*replicas, i);
      reader.warnings.emplace_back(
          other.where, fmt::format("{}: nimbus serves one region ({}); this replica is not created",
                                   other.path, region));
    }
  }
  if (!provisioned) return parts;

  int64_t write = 0;
  auto writeSettings = reader.required(*properties.node, properties.path,
                                       "WriteProvisionedThroughputSettings", properties);
  if (writeSettings && reader.isMap(*writeSettings, "WriteCapacityAutoScalingSettings")) {
    if (auto scaling = reader.required(*writeSettings->node, writeSettings->path,
                                       "WriteCapacityAutoScalingSettings", *writeSettings)) {
      write = startingCapacity(reader, *scaling);
    }
    reader.ignoreOthers(*writeSettings->node, writeSettings->path,
                        {"WriteCapacityAutoScalingSettings"});
  }
  int64_t read = write;
  Field readSettings;
  if (parts.replica) {
    readSettings =
        reader.field(*parts.replica, parts.replicaPath, "ReadProvisionedThroughputSettings");
  }
  if (readSettings.node &&
      reader.isMap(readSettings, "ReadCapacityUnits or ReadCapacityAutoScalingSettings")) {
    Field units = reader.field(*readSettings.node, readSettings.path, "ReadCapacityUnits");
    Field scaling =
        reader.field(*readSettings.node, readSettings.path, "ReadCapacityAutoScalingSettings");
    if (units.node) {
      read = reader.capacity(units).value_or(0);
    } else if (scaling.node) {
      read = startingCapacity(reader, scaling);
    }
    reader.ignoreOthers(*readSettings.node, readSettings.path,
                        {"ReadCapacityUnits", "ReadCapacityAutoScalingSettings"});
  }
  parts.throughput = Json{{"ReadCapacityUnits", read}, {"WriteCapacityUnits", write}};
  return parts;
}

}  // namespace

void ModelBuilder::buildTable(ProjectConfig& project, const ResourceEntry& resource,
                              const Node& properties, bool global) {
  auto name = resourceName(resource);
  if (!name) return;
  std::string propertiesPath = resource.path + ".Properties";
  TableReader reader(resource.where, propertiesPath);
  Field holder{&properties, resource.where, propertiesPath};
  // Every mistake is recorded by the reader, and a table with any is left out whole: the request
  // is only sent once all of it is valid.
  Json request = Json::object();
  request["TableName"] = *name;
  if (auto list = reader.required(properties, propertiesPath, "AttributeDefinitions", holder)) {
    request["AttributeDefinitions"] = reader.attributeDefinitions(*list);
  }
  if (auto schema = reader.required(properties, propertiesPath, "KeySchema", holder)) {
    request["KeySchema"] = reader.keySchema(*schema, false);
  }
  std::optional<std::string> billingMode;
  if (Field billing = reader.property(properties, "BillingMode"); billing.node) {
    billingMode = reader.oneOf(billing, {"PROVISIONED", "PAY_PER_REQUEST"}).value_or("");
  }
  GlobalTableParts globalParts;
  if (global) {
    bool provisioned = billingMode.value_or("PROVISIONED") == "PROVISIONED";
    globalParts = readGlobalTable(reader, holder, project.region, provisioned);
    if (provisioned) billingMode = "PROVISIONED";
  }
  if (billingMode) request["BillingMode"] = *billingMode;
  if (globalParts.throughput) {
    request["ProvisionedThroughput"] = *globalParts.throughput;
  } else if (Field throughput = reader.property(properties, "ProvisionedThroughput");
             throughput.node && !global) {
    request["ProvisionedThroughput"] = reader.provisionedThroughput(throughput);
  }

  if (Field list = reader.property(properties, "LocalSecondaryIndexes"); list.node) {
    request["LocalSecondaryIndexes"] = reader.indexes(list, true, false, {});
  }
  if (Field list = reader.property(properties, "GlobalSecondaryIndexes"); list.node) {
    // A global table's indexes take the table's capacity, and drop their write auto scaling.
    Json indexes = global
                       ? reader.indexes(list, false, false, {"WriteProvisionedThroughputSettings"})
                       : reader.indexes(list, false, true, {});
    if (globalParts.throughput) {
      for (auto& index : indexes) index["ProvisionedThroughput"] = *globalParts.throughput;
    }
    request["GlobalSecondaryIndexes"] = std::move(indexes);
  }
  if (Field stream = reader.property(properties, "StreamSpecification"); stream.node) {
    request["StreamSpecification"] = reader.streamSpecification(stream);
  }

  // Table class, deletion protection and tags: the table's own, or its replica's.
  const Node none;
  const Node& settings = !global ? properties : globalParts.replica ? *globalParts.replica : none;
  const std::string& settingsPath = global ? globalParts.replicaPath : propertiesPath;
  if (Field tableClass = reader.field(settings, settingsPath, "TableClass"); tableClass.node) {
    request["TableClass"] =
        reader.oneOf(tableClass, {"STANDARD", "STANDARD_INFREQUENT_ACCESS"}).value_or("");
  }
  if (Field protection = reader.field(settings, settingsPath, "DeletionProtectionEnabled");
      protection.node) {
    request["DeletionProtectionEnabled"] = reader.boolean(protection).value_or(false);
  }
  if (Field list = reader.field(settings, settingsPath, "Tags"); list.node) {
    Json tags = reader.tags(list);
    if (!tags.empty()) request["Tags"] = std::move(tags);
  }

  TableResource table;
  table.logicalId = resource.logicalId;
  table.name = *name;
  table.where = resource.where;
  table.path = resource.path;
  if (Field ttl = reader.property(properties, "TimeToLiveSpecification"); ttl.node) {
    auto [attribute, enabled] = reader.timeToLive(ttl);
    table.ttlAttribute = attribute;
    table.ttlEnabled = enabled;
  }

  if (global) {
    reader.ignoreOthers(
        properties, propertiesPath,
        {"TableName", "AttributeDefinitions", "KeySchema", "BillingMode",
         "WriteProvisionedThroughputSettings", "Replicas", "LocalSecondaryIndexes",
         "GlobalSecondaryIndexes", "StreamSpecification", "TimeToLiveSpecification"});
    // A replica's GlobalSecondaryIndexes hold per-index read capacity and contributor insights,
    // which a single local table has no use for.
    if (globalParts.replica) {
      reader.ignoreOthers(*globalParts.replica, globalParts.replicaPath,
                          {"Region", "TableClass", "DeletionProtectionEnabled", "Tags",
                           "ReadProvisionedThroughputSettings", "GlobalSecondaryIndexes"});
    }
  } else {
    reader.ignoreOthers(
        properties, propertiesPath,
        {"TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
         "LocalSecondaryIndexes", "GlobalSecondaryIndexes", "StreamSpecification", "TableClass",
         "DeletionProtectionEnabled", "Tags", "TimeToLiveSpecification"});
  }

  bool valid = reader.errors.empty();
  for (auto& e : reader.errors) errors_.push_back(std::move(e));
  for (const auto& [where, text] : reader.warnings) warn(where, text);
  if (!valid) return;
  table.createTableRequest = request.dump();
  project.tables.push_back(std::move(table));
}

}  // namespace nimbus::config
