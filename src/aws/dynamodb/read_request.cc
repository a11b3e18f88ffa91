#include "aws/dynamodb/read_request.h"

#include <fmt/format.h>

#include <algorithm>

#include "aws/dynamodb/expression_ast.h"
#include "core/base64.h"

namespace nimbus::aws::dynamodb {

namespace {

constexpr int64_t kMaxTotalSegments = 1000000;

// DynamoDB's request-shape errors ("Value 'x' at 'select' failed to satisfy constraint: ..."),
// collected and reported together as "2 validation errors detected: ...; ...".
class ConstraintErrors {
 public:
  void add(std::string error) { errors_.push_back(std::move(error)); }
  Status status() const {
    if (errors_.empty()) return ok();
    std::string message = fmt::format("{} validation error{} detected: ", errors_.size(),
                                      errors_.size() == 1 ? "" : "s");
    for (size_t i = 0; i < errors_.size(); ++i) {
      if (i) message += "; ";
      message += errors_[i];
    }
    return validationError(std::move(message));
  }

 private:
  std::vector<std::string> errors_;
};

ServiceError startKeyInvalid(std::string_view detail = {}) {
  if (detail.empty()) return validationError("The provided starting key is invalid");
  return validationError(fmt::format("The provided starting key is invalid: {}", detail));
}

std::string_view selectName(Select select) {
  switch (select) {
    case Select::kAllAttributes:
      return "ALL_ATTRIBUTES";
    case Select::kAllProjected:
      return "ALL_PROJECTED_ATTRIBUTES";
    case Select::kSpecific:
      return "SPECIFIC_ATTRIBUTES";
    case Select::kCount:
      return "COUNT";
  }
  return "";
}

bool isEmptyKeyValue(const AttributeValue& v) {
  return (v.is(Type::kS) && v.s().empty()) || (v.is(Type::kB) && v.b().empty());
}

std::string emptyKeyMessage(const AttributeValue& v, const std::string& name) {
  return fmt::format(
      "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
      "contain an empty {} value. Key: {}",
      v.is(Type::kS) ? "string" : "binary", name);
}

// The first request-shape checks DynamoDB makes, before it looks at the table.
Status checkConstraints(const Request& request, ReadKind kind) {
  ConstraintErrors errors;
  if (auto select = request.string("Select")) {
    if (*select != "SPECIFIC_ATTRIBUTES" && *select != "COUNT" && *select != "ALL_ATTRIBUTES" &&
        *select != "ALL_PROJECTED_ATTRIBUTES") {
      errors.add(fmt::format(
          "Value '{}' at 'select' failed to satisfy constraint: Member must satisfy enum value "
          "set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
          *select));
    }
  }
  if (kind == ReadKind::kScan) {
    if (auto total = request.integer("TotalSegments")) {
      if (*total < 1) {
        errors.add(fmt::format(
            "Value '{}' at 'totalSegments' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1",
            *total));
      } else if (*total > kMaxTotalSegments) {
        errors.add(fmt::format(
            "Value '{}' at 'totalSegments' failed to satisfy constraint: Member must have value "
            "less than or equal to {}",
            *total, kMaxTotalSegments));
      }
    }
  }
  if (auto capacity = request.string("ReturnConsumedCapacity")) {
    if (*capacity != "INDEXES" && *capacity != "TOTAL" && *capacity != "NONE") {
      errors.add(fmt::format(
          "Value '{}' at 'returnConsumedCapacity' failed to satisfy constraint: Member must "
          "satisfy enum value set: [INDEXES, TOTAL, NONE]",
          *capacity));
    }
  }
  if (!request.string("TableName")) {
    errors.add("Value null at 'tableName' failed to satisfy constraint: Member must not be null");
  }
  if (auto attributes = request.member("AttributesToGet")) {
    simdjson::dom::array list;
    if (attributes->get(list) == simdjson::SUCCESS && list.size() == 0) {
      errors.add(
          "Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length "
          "greater than or equal to 1");
    }
  }
  if (kind == ReadKind::kScan) {
    if (auto segment = request.integer("Segment")) {
      if (*segment < 0) {
        errors.add(fmt::format(
            "Value '{}' at 'segment' failed to satisfy constraint: Member must have value greater "
            "than or equal to 0",
            *segment));
      } else if (*segment > kMaxTotalSegments - 1) {
        errors.add(fmt::format(
            "Value '{}' at 'segment' failed to satisfy constraint: Member must have value less "
            "than or equal to {}",
            *segment, kMaxTotalSegments - 1));
      }
    }
  }
  if (auto limit = request.integer("Limit"); limit && *limit < 1) {
    errors.add(fmt::format(
        "Value '{}' at 'limit' failed to satisfy constraint: Member must have value greater than "
        "or equal to 1",
        *limit));
  }
  if (kind == ReadKind::kQuery) {
    if (auto conditions = request.member("KeyConditions")) {
      simdjson::dom::object object;
      if (conditions->get(object) == simdjson::SUCCESS) {
        for (auto field : object) {
          std::string_view op;
          simdjson::dom::element e;
          if (field.value["ComparisonOperator"].get(e) != simdjson::SUCCESS || e.is_null()) {
            errors.add(fmt::format(
                "Value null at 'keyConditions.{}.member.comparisonOperator' failed to satisfy "
                "constraint: Member must not be null",
                field.key));
          } else if (e.get(op) == simdjson::SUCCESS &&
                     std::string_view("IN NULL BETWEEN LT NOT_CONTAINS EQ GT NOT_NULL NE LE "
                                      "BEGINS_WITH GE CONTAINS ")
                             .find(std::string(op) + " ") == std::string_view::npos) {
            errors.add(fmt::format(
                "Value '{}' at 'keyConditions.{}.member.comparisonOperator' failed to satisfy "
                "constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, "
                "NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
                op, field.key));
          }
        }
      }
    }
  }
  return errors.status();
}

// DynamoDB refuses expression and legacy parameters together, and expression attribute names or
// values without an expression that could use them.
Status checkParameterFamilies(const Request& request, ReadKind kind) {
  const bool query = kind == ReadKind::kQuery;
  std::vector<std::string_view> expressions = {"ProjectionExpression", "FilterExpression"};
  if (query) expressions.push_back("KeyConditionExpression");
  std::vector<std::string_view> legacy = {"AttributesToGet", query ? "QueryFilter" : "ScanFilter",
                                          "ConditionalOperator"};
  // KeyConditions goes with FilterExpression and ProjectionExpression; only
  // KeyConditionExpression replaces it.
  if (query && request.member("KeyConditionExpression")) legacy.push_back("KeyConditions");
  std::string used, usedLegacy;
  for (auto name : expressions) {
    if (request.member(name)) used += fmt::format("{}{}", used.empty() ? "" : ", ", name);
  }
  for (auto name : legacy) {
    if (request.member(name))
      usedLegacy += fmt::format("{}{}", usedLegacy.empty() ? "" : ", ", name);
  }
  if (!used.empty() && !usedLegacy.empty()) {
    return validationError(fmt::format(
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        usedLegacy, used));
  }
  if (request.member("ExpressionAttributeNames") && used.empty()) {
    return validationError("ExpressionAttributeNames can only be specified when using expressions");
  }
  if (request.member("ExpressionAttributeValues") && !request.member("FilterExpression") &&
      !(query && request.member("KeyConditionExpression"))) {
    return validationError(
        fmt::format("ExpressionAttributeValues can only be specified when using expressions: {}",
                    query ? "FilterExpression and KeyConditionExpression are null"
                          : "FilterExpression is null"));
  }
  // The legacy filters need the condition language of the old API, which nimbus does not speak.
  return request.refuseLegacy({query ? "QueryFilter" : "ScanFilter", "ConditionalOperator"});
}

// Select against ProjectionExpression/AttributesToGet and IndexName. Query words these as
// validation errors of the request's shape (with the "1 validation error detected: " prefix),
// Scan does not.
Result<Select> readSelect(const Request& request, ReadKind kind) {
  const bool hasIndex = request.string("IndexName").has_value();
  std::string_view projectionParameter;
  if (request.member("ProjectionExpression")) {
    projectionParameter = "ProjectionExpression";
  } else if (request.member("AttributesToGet")) {
    projectionParameter = "AttributesToGet";
  }
  auto text = request.string("Select");
  if (!text) {
    if (!projectionParameter.empty()) return Select::kSpecific;
    return hasIndex ? Select::kAllProjected : Select::kAllAttributes;
  }
  Select select = *text == "COUNT"                      ? Select::kCount
                  : *text == "ALL_ATTRIBUTES"           ? Select::kAllAttributes
                  : *text == "ALL_PROJECTED_ATTRIBUTES" ? Select::kAllProjected
                                                        : Select::kSpecific;
  std::string_view prefix = kind == ReadKind::kQuery ? "1 validation error detected: " : "";
  if (select == Select::kSpecific && projectionParameter.empty()) {
    return validationError(fmt::format(
        "{}Must specify the AttributesToGet or ProjectionExpression when choosing to get "
        "SPECIFIC_ATTRIBUTES",
        prefix));
  }
  if (select != Select::kSpecific && !projectionParameter.empty()) {
    return validationError(
        fmt::format("{}Cannot specify the {} when choosing to get {}", prefix, projectionParameter,
                    select == Select::kCount ? "only the Count" : selectName(select)));
  }
  if (select == Select::kAllProjected && !hasIndex) {
    return validationError(fmt::format(
        "{}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName", prefix));
  }
  return select;
}

// The legacy AttributesToGet, read as the projection of top-level names it is.
Result<Projection> readAttributesToGet(simdjson::dom::element list) {
  Projection projection;
  std::set<std::string_view> seen;
  simdjson::dom::array array;
  if (list.get(array) != simdjson::SUCCESS) {
    return ServiceError{"SerializationException", "Unexpected value type for AttributesToGet", 400};
  }
  for (auto e : array) {
    std::string_view name;
    if (e.get(name) != simdjson::SUCCESS) {
      return ServiceError{"SerializationException", "Unexpected value type in AttributesToGet",
                          400};
    }
    if (!seen.insert(name).second) {
      return validationError(fmt::format(
          "One or more parameter values were invalid: Duplicate value in attribute name: {}",
          name));
    }
    PathElement element;
    element.name = std::string(name);
    projection.paths.push_back({std::move(element)});
  }
  return projection;
}

// The legacy KeyConditions ({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [...]}}),
// with the checks DynamoDB makes of it, in its order.
Result<KeyCondition> readKeyConditions(simdjson::dom::element json, const KeySchema& keys,
                                       const TableDefinition& definition) {
  struct Term {
    std::string op;
    std::vector<AttributeValue> values;
  };
  std::map<std::string, Term, std::less<>> terms;
  simdjson::dom::object object;
  if (json.get(object) != simdjson::SUCCESS) {
    return ServiceError{"SerializationException", "Unexpected value type for KeyConditions", 400};
  }
  for (auto field : object) {
    Term term;
    std::string_view op;
    if (field.value["ComparisonOperator"].get(op) == simdjson::SUCCESS) term.op = std::string(op);
    simdjson::dom::array list;
    if (field.value["AttributeValueList"].get(list) == simdjson::SUCCESS) {
      for (auto e : list) {
        auto value = readAttributeValue(e);
        if (!value) return value.takeError();
        term.values.push_back(std::move(*value));
      }
    }
    const std::string_view o = term.op;
    const size_t n = term.values.size();
    size_t arguments = (o == "NULL" || o == "NOT_NULL") ? 0 : o == "BETWEEN" ? 2 : 1;
    if (o == "IN" ? n < 1 : n != arguments) {
      return validationError(fmt::format(
          "One or more parameter values were invalid: Invalid number of argument(s) for the {} "
          "ComparisonOperator",
          o));
    }
    for (const auto& v : term.values) {
      if (v.type() != term.values.front().type()) {
        return validationError(
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList "
            "must be of same type");
      }
    }
    for (const auto& v : term.values) {
      bool valid = v.isScalarKeyType();
      if (o == "EQ" || o == "NE") valid = valid || v.isSet();
      if (o == "BEGINS_WITH") valid = v.is(Type::kS) || v.is(Type::kB);
      if (o == "NULL" || o == "NOT_NULL") valid = true;
      if (!valid) {
        return validationError(fmt::format(
            "One or more parameter values were invalid: ComparisonOperator {} is not valid for {} "
            "AttributeValue type",
            o, typeName(v.type())));
      }
    }
    if (o == "BETWEEN" && compareScalars(term.values[0], term.values[1]) > 0) {
      return validationError(
          "The BETWEEN condition was provided a range where the lower bound is greater than the "
          "upper bound");
    }
    terms.emplace(std::string(field.key), std::move(term));
  }
  if (terms.size() != 1 && terms.size() != 2) {
    return validationError("Conditions can be of length 1 or 2 only");
  }
  KeyCondition condition;
  for (const std::string* name : {&keys.partitionKey, &keys.sortKey}) {
    if (name->empty()) continue;
    const bool partition = name == &keys.partitionKey;
    if (partition && !keys.hasSortKey() && terms.size() > 1) {
      return validationError("Query key condition not supported");
    }
    auto it = terms.find(*name);
    if (it == terms.end()) {
      if (partition || terms.size() > 1) {
        return validationError(fmt::format("Query condition missed key schema element: {}", *name));
      }
      continue;
    }
    const Term& term = it->second;
    const std::string_view o = term.op;
    if (o == "NULL" || o == "NOT_NULL" || o == "NE" || o == "CONTAINS" || o == "NOT_CONTAINS" ||
        o == "IN") {
      return validationError("Attempted conditional constraint is not an indexable operation");
    }
    Type type = definition.attributeTypes.at(*name);
    for (const auto& v : term.values) {
      if (v.type() != type) {
        return validationError(
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
      }
    }
    if (partition) {
      if (o != "EQ") return validationError("Query key condition not supported");
      condition.partitionValue = term.values[0];
      continue;
    }
    using Op = KeyCondition::Op;
    condition.sortOp = o == "EQ"        ? Op::kEq
                       : o == "LT"      ? Op::kLt
                       : o == "LE"      ? Op::kLe
                       : o == "GT"      ? Op::kGt
                       : o == "GE"      ? Op::kGe
                       : o == "BETWEEN" ? Op::kBetween
                                        : Op::kBeginsWith;
    condition.sortValue = term.values[0];
    if (term.values.size() > 1) condition.sortValue2 = term.values[1];
  }
  return condition;
}

// Every document path a condition reads.
void collectPaths(const ConditionNode& node, std::vector<const DocumentPath*>& out) {
  struct Walk {
    static void operand(const Operand& o, std::vector<const DocumentPath*>& out) {
      if (o.kind == Operand::Kind::kPath) out.push_back(&o.path);
      for (const auto& arg : o.args) operand(arg, out);
    }
  };
  for (const auto& o : node.operands) Walk::operand(o, out);
  for (const auto& child : node.children) collectPaths(child, out);
}

// DynamoDB refuses a path into a key attribute (a.b, a[0]) in a projection or filter: key
// attributes are scalars. Table keys are named "Key", index keys "IndexKey".
Status checkKeyPaths(const std::vector<const DocumentPath*>& paths,
                     const TableDefinition& definition) {
  std::set<std::string_view> nested;
  for (const auto* path : paths) {
    if (path->size() > 1) nested.insert(path->front().name);
  }
  if (nested.empty()) return ok();
  auto refuse = [](std::string_view kind, const std::string& name) {
    return validationError(fmt::format(
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
        "allowed: {}: {}",
        kind, name));
  };
  for (const std::string* name : {&definition.keys.partitionKey, &definition.keys.sortKey}) {
    if (!name->empty() && nested.count(*name)) return refuse("Key", *name);
  }
  for (const auto& index : definition.indexes) {
    for (const std::string* name : {&index.keys.partitionKey, &index.keys.sortKey}) {
      if (!name->empty() && nested.count(*name)) return refuse("IndexKey", *name);
    }
  }
  return ok();
}

// A key value as DynamoDB's Java service prints it in the few messages that quote one.
std::string javaKeyText(const AttributeValue& v) {
  switch (v.type()) {
    case Type::kS:
      return fmt::format("{{S:{}}}", v.s());
    case Type::kN:
      return fmt::format("{{N:{}}}", v.n().toString());
    case Type::kB:
      return fmt::format("{{B:{}}}", base64Encode(v.b()));
    default:
      return "{}";
  }
}

// The partition hashes segment `segment` of `total` covers: [s*2^64/N, (s+1)*2^64/N).
std::pair<uint64_t, std::optional<uint64_t>> segmentRange(int64_t segment, int64_t total) {
  using u128 = unsigned __int128;
  auto bound = [&](int64_t s) { return static_cast<uint64_t>((u128(s) << 64) / u128(total)); };
  std::optional<uint64_t> end;
  if (segment + 1 < total) end = bound(segment + 1);
  return {bound(segment), end};
}

// Checks ExclusiveStartKey as DynamoDB does and returns the position it names.
Result<EntryKey> readStartKey(simdjson::dom::element json, const ReadRequest& read) {
  auto key = readItem(json);
  if (!key) {
    ServiceError error = key.takeError();
    // DynamoDB prefixes most attribute-value errors, not those about numbers and sets.
    const std::string& m = error.message;
    bool bare = false;
    for (std::string_view s : {"contains duplicates", "number set", "numeric value",
                               "significant digits", "number with magnitude"}) {
      bare = bare || m.find(s) != std::string::npos;
    }
    if (error.code == "ValidationException" && !bare) error.message = startKeyInvalid(m).message;
    return error;
  }
  const Item& start = *key;
  const TableDefinition& def = read.definition;
  const bool query = read.kind == ReadKind::kQuery;
  if (start.size() != read.lastKeyNames.size()) {
    if (query || read.index) return startKeyInvalid();
    return startKeyInvalid("The provided key element does not match the schema");
  }
  // The read's own key (the index's, when reading one).
  if (query || read.index) {
    for (const std::string* name : {&read.keys.partitionKey, &read.keys.sortKey}) {
      if (name->empty()) continue;
      auto it = start.find(*name);
      if (it == start.end()) return startKeyInvalid();
      if (it->second.type() != def.attributeTypes.at(*name)) {
        return validationError("The provided key element does not match the schema");
      }
      if (isEmptyKeyValue(it->second)) return validationError(emptyKeyMessage(it->second, *name));
    }
  }
  // The table's key.
  for (const std::string* name : {&def.keys.partitionKey, &def.keys.sortKey}) {
    if (name->empty()) continue;
    auto it = start.find(*name);
    if (it == start.end() || it->second.type() != def.attributeTypes.at(*name)) {
      return startKeyInvalid("The provided key element does not match the schema");
    }
    if (isEmptyKeyValue(it->second)) return startKeyInvalid(emptyKeyMessage(it->second, *name));
  }
  auto value = [&](const std::string& name) -> const AttributeValue& {
    static const AttributeValue kNull;
    if (name.empty()) return kNull;
    return start.at(name);
  };
  if (query) {
    const KeyCondition& condition = *read.keyCondition;
    const AttributeValue& partition = value(read.keys.partitionKey);
    if (condition.sortOp == KeyCondition::Op::kNone) {
      if (!(partition == condition.partitionValue)) {
        return validationError(
            "The provided starting key is outside query boundaries based on provided conditions");
      }
    } else {
      if (!condition.sortMatches(value(read.keys.sortKey))) {
        return validationError("The provided starting key does not match the range key predicate");
      }
      if (!(partition == condition.partitionValue)) {
        return validationError("The query can return at most one row and cannot be restarted");
      }
    }
    if (read.singleItem) {
      // Such a query has nothing after its one item.
      return validationError(fmt::format(
          "The provided exclusive start key is invalid: ExclusiveStartKey: {{{}=AttributeValue: "
          "{}}}",
          def.keys.partitionKey, javaKeyText(partition)));
    }
  }
  EntryKey position;
  position.partition = value(read.keys.partitionKey);
  position.sort = value(read.keys.sortKey);
  if (read.index) {
    position.basePartition = value(def.keys.partitionKey);
    position.baseSort = value(def.keys.sortKey);
  }
  position.hash = partitionHash(position.partition);
  if (read.kind == ReadKind::kScan && read.totalSegments > 1 &&
      (position.hash < read.segmentLow || (read.segmentEnd && position.hash >= *read.segmentEnd))) {
    return startKeyInvalid(
        fmt::format("Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. "
                    "TotalSegments: {} Segment: {}",
                    read.totalSegments, read.segment));
  }
  return position;
}

}  // namespace

Result<ReadRequest> readReadRequest(const Engine& engine, Request& request, ReadKind kind) {
  const bool query = kind == ReadKind::kQuery;
  if (auto s = checkConstraints(request, kind); !s) return s.takeError();
  if (auto s = checkParameterFamilies(request, kind); !s) return s.takeError();
  if (query && !request.member("KeyConditions") && !request.member("KeyConditionExpression")) {
    return validationError(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request.");
  }
  int64_t segment = 0, totalSegments = 1;
  if (!query) {
    auto s = request.integer("Segment");
    auto t = request.integer("TotalSegments");
    if (s && !t) {
      return validationError(
          "The TotalSegments parameter is required but was not present in the request when "
          "Segment parameter is present");
    }
    if (t && !s) {
      return validationError(
          "The Segment parameter is required but was not present in the request when parameter "
          "TotalSegments is present");
    }
    if (s && *s >= *t) {
      return validationError(fmt::format(
          "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
          "Segment: {} is not less than TotalSegments: {}",
          *s, *t));
    }
    if (s) {
      segment = *s;
      totalSegments = *t;
    }
  }
  if (auto s = request.readExpressionParameters(); !s) return s.takeError();
  ReadRequest read;
  read.kind = kind;
  auto select = readSelect(request, kind);
  if (!select) return select.takeError();
  read.select = *select;

  auto table = request.table(engine);
  if (!table) return table.takeError();
  read.table = *table;
  {
    std::shared_lock lock(read.table->mutex);
    if (read.table->deleted) return Engine::tableNotFound(read.table->definition.name);
    read.definition = read.table->definition;
  }
  const TableDefinition& def = read.definition;
  read.keys = def.keys;
  if (auto name = request.string("IndexName")) {
    const SecondaryIndex* index = def.index(*name);
    if (!index) {
      return validationError(fmt::format("The table does not have the specified index: {}", *name));
    }
    read.index = *index;
    read.keys = index->keys;
  }
  read.consistent = request.boolean("ConsistentRead").value_or(false);
  if (read.consistent && read.index && read.index->global) {
    return validationError("Consistent reads are not supported on global secondary indexes");
  }
  const KeySchema* indexKeys = read.index ? &read.index->keys : nullptr;
  for (const KeySchema* keys : {&def.keys, indexKeys}) {
    if (!keys) continue;
    for (const std::string* name : {&keys->partitionKey, &keys->sortKey}) {
      if (!name->empty() && std::find(read.lastKeyNames.begin(), read.lastKeyNames.end(), *name) ==
                                read.lastKeyNames.end()) {
        read.lastKeyNames.push_back(*name);
      }
    }
  }
  if (read.index && read.index->projection.kind != IndexProjection::Kind::kAll) {
    read.projected.insert(read.lastKeyNames.begin(), read.lastKeyNames.end());
    for (const auto& name : read.index->projection.nonKeyAttributes) read.projected.insert(name);
  }

  // Expressions.
  auto typeOf = [&](const std::string& name) -> std::optional<Type> {
    if (name.empty()) return std::nullopt;
    return def.attributeTypes.at(name);
  };
  if (query) {
    if (auto text = request.string("KeyConditionExpression")) {
      auto condition =
          parseKeyCondition(*text, request.context(), read.keys.partitionKey, read.keys.sortKey,
                            typeOf(read.keys.partitionKey), typeOf(read.keys.sortKey));
      if (!condition) return condition.takeError();
      read.keyCondition = std::move(*condition);
    } else {
      auto condition = readKeyConditions(*request.member("KeyConditions"), read.keys, def);
      if (!condition) return condition.takeError();
      read.keyCondition = std::move(*condition);
    }
  }
  if (auto text = request.string("FilterExpression")) {
    auto filter = parseCondition(*text, "FilterExpression", request.context());
    if (!filter) return filter.takeError();
    read.filter = std::move(*filter);
  }
  if (auto text = request.string("ProjectionExpression")) {
    auto projection = parseProjection(*text, request.context());
    if (!projection) return projection.takeError();
    read.projection = std::move(*projection);
  } else if (auto list = request.member("AttributesToGet")) {
    auto projection = readAttributesToGet(*list);
    if (!projection) return projection.takeError();
    read.projection = std::move(*projection);
  }
  if (auto s = request.checkExpressionParameters(request.member("KeyConditionExpression") ||
                                                 request.member("FilterExpression") ||
                                                 request.member("ProjectionExpression"));
      !s) {
    return s.takeError();
  }

  read.forward = !query || request.boolean("ScanIndexForward").value_or(true);
  if (auto limit = request.integer("Limit")) read.limit = static_cast<size_t>(*limit);
  read.capacity = readCapacityReport(request);
  read.singleItem = query && !read.index && !def.keys.hasSortKey();
  read.segment = segment;
  read.totalSegments = totalSegments;
  if (totalSegments > 1) {
    auto [low, end] = segmentRange(segment, totalSegments);
    read.segmentLow = low;
    read.segmentEnd = end;
  }
  if (auto start = request.member("ExclusiveStartKey")) {
    auto position = readStartKey(*start, read);
    if (!position) return position.takeError();
    read.start = std::move(*position);
  }

  // Checks of the expressions against the table's keys and the index's projection.
  if (read.projection) {
    std::vector<const DocumentPath*> paths;
    for (const auto& path : read.projection->paths) paths.push_back(&path);
    if (auto s = checkKeyPaths(paths, def); !s) return s.takeError();
  }
  if (read.filter && query) {
    for (const std::string* name : {&read.keys.partitionKey, &read.keys.sortKey}) {
      if (!name->empty() && read.filter->attributes.count(*name)) {
        return validationError(fmt::format(
            "Filter Expression can only contain non-primary key attributes: Primary key "
            "attribute: {}",
            *name));
      }
    }
  }
  if (read.select == Select::kAllAttributes && read.index && read.index->global &&
      !read.projectsAll()) {
    return validationError(fmt::format(
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported "
        "for global secondary index {} because its projection type is not ALL",
        read.index->name));
  }
  if (read.filter) {
    std::vector<const DocumentPath*> paths;
    if (read.filter->root) collectPaths(*read.filter->root, paths);
    if (auto s = checkKeyPaths(paths, def); !s) return s.takeError();
  }
  // A global index holds only what it projects; a local one reads the rest from the table.
  if (read.projection && read.index && read.index->global && !read.projectsAll()) {
    std::string missing;
    std::set<std::string_view> seen;
    for (const auto& path : read.projection->paths) {
      const std::string& head = path.front().name;
      if (!read.projected.count(head) && seen.insert(head).second) {
        missing += fmt::format("{}{}", missing.empty() ? "" : ", ", head);
      }
    }
    if (!missing.empty()) {
      return validationError(fmt::format(
          "One or more parameter values were invalid: Global secondary index {} does not project "
          "[{}]",
          read.index->name, missing));
    }
  }
  return read;
}

}  // namespace nimbus::aws::dynamodb
