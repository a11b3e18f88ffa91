// The table settings operations: UpdateTimeToLive and DescribeTimeToLive, TagResource,
// UntagResource and ListTagsOfResource, DescribeLimits and DescribeEndpoints. Every change answers
// once the table's definition is committed to the store.
#include <fmt/format.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/table_api_support.h"
#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

using simdjson::dom::element;

// The name of the table a tagging operation's ResourceArn names, with DynamoDB's refusals of
// other ARNs (looked up with tableOfArn once the request's other members are checked).
Result<std::string> tableNameOfResourceArn(const Engine& engine, const Request& request) {
  auto e = request.member("ResourceArn");
  if (!e) return missingMember("resourceArn");
  std::string_view arn;
  if (e->get(arn) != simdjson::SUCCESS) return wrongType(*e, "String");
  if (arn.empty()) {
    Violations violations;
    violations.constraint(arn, "resourceArn", "Member must have length greater than or equal to 1");
    return violations.error();
  }
  if (!arn.starts_with("arn:")) {
    return invalidParameter(fmt::format("ARNs must start with 'arn:': {}", arn));
  }
  // arn:partition:service:region:account:resource
  std::vector<std::string_view> parts;
  std::string_view rest = arn;
  for (int i = 0; i < 5; ++i) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) break;
    parts.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() < 5 || parts[2] != "dynamodb") {
    return invalidParameter(fmt::format("Provided Arn is not a DynamoDB resource arn: {}", arn));
  }
  std::string_view resource = rest;
  if (!resource.starts_with("table/") ||
      resource.find('/', 6) != std::string_view::npos) {  // An index's or a stream's ARN.
    return invalidParameter(fmt::format(
        "Invalid resource arn provided, only table or stream is accepted. Provided resource "
        "arn: {}",
        arn));
  }
  std::string name(resource.substr(6));
  if (parts[3] != engine.region() || name.size() < 3) {
    return validationError(
        fmt::format("Invalid TableArn: Invalid ResourceArn provided as input {}", arn));
  }
  // Another account's table is not found here.
  return parts[4] == engine.accountId() ? name : std::string();
}

Result<std::shared_ptr<Table>> tableOfArn(const Engine& engine, const Request& request,
                                          const std::string& name) {
  auto table = name.empty() ? nullptr : engine.table(name);
  if (!table) {
    return ServiceError{"ResourceNotFoundException",
                        fmt::format("Requested resource not found: ResourcArn: {} not found",
                                    request.string("ResourceArn").value_or("")),
                        400};
  }
  return table;
}
}  // namespace

void updateTimeToLive(Engine& engine, Request& request, const ReplyPtr& reply) {
  if (!request.member("TableName")) return reply->error(missingMember("tableName"));
  auto spec = structMember(request.body(), "TimeToLiveSpecification", "TimeToLiveSpecification");
  if (!spec) return reply->error(spec.error());
  Violations violations;
  std::optional<std::string> attribute;
  std::optional<bool> enabled;
  if (!*spec) {
    violations.null("timeToLiveSpecification");
  } else {
    auto a = stringMember(**spec, "AttributeName");
    if (!a) return reply->error(a.error());
    auto e = boolMember(**spec, "Enabled");
    if (!e) return reply->error(e.error());
    attribute = *a;
    enabled = *e;
    if (!attribute) {
      violations.null("timeToLiveSpecification.attributeName");
    } else if (attribute->empty()) {
      violations.constraint("", "timeToLiveSpecification.attributeName",
                            "Member must have length greater than or equal to 1");
    } else if (attribute->size() > 255) {
      violations.constraint(*attribute, "timeToLiveSpecification.attributeName",
                            "Member must have length less than or equal to 255");
    }
    if (!enabled) violations.null("timeToLiveSpecification.enabled");
  }
  if (!violations.empty()) return reply->error(violations.error());

  auto table = findTable(engine, request);
  if (!table) return reply->error(table.error());
  std::unique_lock lock((*table)->mutex);
  if ((*table)->deleted) return reply->error(Engine::tableNotFound((*table)->definition.name));
  TableDefinition& t = (*table)->definition;
  if (t.ttlEnabled && *attribute != t.ttlAttribute) {
    return reply->error(validationError(
        "TimeToLive is active on a different AttributeName: current AttributeName is " +
        t.ttlAttribute));
  }
  if (*enabled && t.ttlEnabled) {
    return reply->error(validationError("TimeToLive is already enabled"));
  }
  if (!*enabled && !t.ttlEnabled) {
    return reply->error(validationError("TimeToLive is already disabled"));
  }
  t.ttlEnabled = *enabled;
  t.ttlAttribute = *enabled ? *attribute : std::string();
  // The answer echoes the request's specification.
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("TimeToLiveSpecification").beginObject();
  w.field("AttributeName", *attribute).field("Enabled", *enabled);
  w.endObject().endObject();
  saveDefinitionThenAnswer(engine, **table, reply, std::move(body));
}

void describeTimeToLive(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto table = findTable(engine, request);
  if (!table) return reply->error(table.error());
  std::shared_lock lock((*table)->mutex);
  if ((*table)->deleted) return reply->error(Engine::tableNotFound((*table)->definition.name));
  const TableDefinition& t = (*table)->definition;
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("TimeToLiveDescription").beginObject();
  w.field("TimeToLiveStatus", t.ttlEnabled ? "ENABLED" : "DISABLED");
  if (t.ttlEnabled) w.field("AttributeName", t.ttlAttribute);
  w.endObject().endObject();
  reply->json(std::move(body));
}

void tagResource(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto list = listMember(request.body(), "Tags");
  if (!list) return reply->error(list.error());
  if (!*list) return reply->error(missingMember("tags"));
  auto name = tableNameOfResourceArn(engine, request);
  if (!name) return reply->error(name.error());
  if ((*list)->size() == 0) {
    return reply->error(validationError("Atleast one Tag needs to be provided as Input."));
  }
  std::map<std::string, std::string> tags;
  if (auto st = readTags(**list, tags); !st) return reply->error(st.error());
  auto table = tableOfArn(engine, request, *name);
  if (!table) return reply->error(table.error());
  std::unique_lock lock((*table)->mutex);
  if ((*table)->deleted) return reply->error(Engine::tableNotFound((*table)->definition.name));
  TableDefinition& t = (*table)->definition;
  size_t count = t.tags.size();
  for (const auto& [key, value] : tags) count += !t.tags.contains(key);
  if (count > kMaxTags) return reply->error(tooManyTags());
  for (auto& [key, value] : tags) t.tags[key] = std::move(value);
  saveDefinitionThenAnswer(engine, **table, reply, "{}");
}

void untagResource(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto list = listMember(request.body(), "TagKeys");
  if (!list) return reply->error(list.error());
  if (!*list) return reply->error(missingMember("tagKeys"));
  auto name = tableNameOfResourceArn(engine, request);
  if (!name) return reply->error(name.error());
  if ((*list)->size() == 0) {
    return reply->error(validationError("Atleast one Tag Key needs to be provided as Input."));
  }
  std::vector<std::string> keys;
  for (element e : **list) {
    std::string_view key;
    if (e.get(key) != simdjson::SUCCESS) return reply->error(wrongType(e, "String"));
    keys.emplace_back(key);
  }
  auto table = tableOfArn(engine, request, *name);
  if (!table) return reply->error(table.error());
  std::unique_lock lock((*table)->mutex);
  if ((*table)->deleted) return reply->error(Engine::tableNotFound((*table)->definition.name));
  // Removing a tag the table does not have is not an error.
  for (const auto& key : keys) (*table)->definition.tags.erase(key);
  saveDefinitionThenAnswer(engine, **table, reply, "{}");
}

void listTagsOfResource(Engine& engine, Request& request, const ReplyPtr& reply) {
  auto name = tableNameOfResourceArn(engine, request);
  if (!name) return reply->error(name.error());
  auto table = tableOfArn(engine, request, *name);
  if (!table) return reply->error(table.error());
  std::shared_lock lock((*table)->mutex);
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("Tags").beginArray();
  for (const auto& [key, value] : (*table)->definition.tags) {
    w.beginObject().field("Key", key).field("Value", value).endObject();
  }
  w.endArray().endObject();
  reply->json(std::move(body));
}

void describeLimits(Engine&, Request&, const ReplyPtr& reply) {
  // The default quotas of an account in most regions.
  reply->json(R"({"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,)"
              R"("TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000})");
}

void describeEndpoints(Engine& engine, Request&, const ReplyPtr& reply) {
  // The regional endpoint, as DynamoDB names itself; clients reach nimbus through their
  // configured endpoint, and SDKs use this answer only when endpoint discovery is turned on.
  std::string body;
  JsonWriter w(body);
  w.beginObject().key("Endpoints").beginArray().beginObject();
  w.field("Address", fmt::format("dynamodb.{}.amazonaws.com", engine.region()));
  w.field("CachePeriodInMinutes", int64_t{1440});
  w.endObject().endArray().endObject();
  reply->json(std::move(body));
}

}  // namespace nimbus::aws::dynamodb
