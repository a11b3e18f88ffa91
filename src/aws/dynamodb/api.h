// What every DynamoDB operation shares: reading the JSON request, answering once (possibly
// later, from the store's commit), and DynamoDB's error shapes. Internal to the service.
#pragma once

#include <simdjson.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/dynamodb/attribute_value.h"
#include "aws/dynamodb/engine.h"
#include "aws/dynamodb/expressions.h"
#include "core/result.h"
#include "http/server.h"

namespace nimbus::aws::dynamodb {

// The answer to one request. Shared, because a write answers from the store's commit callback;
// the first answer wins and later ones are ignored.
class Reply {
 public:
  Reply(http::Responder responder, std::string requestId);
  // A 200 answer with this JSON body.
  void json(std::string body);
  // An error answer; `extraMembers` are more JSON members for the error object
  // (`"Item":{...}` of a failed condition, CancellationReasons), without a leading comma.
  void error(const ServiceError& error, std::string_view extraMembers = {});
  const std::string& requestId() const { return requestId_; }

 private:
  std::mutex mutex_;
  http::Responder responder_;
  std::string requestId_;
};
using ReplyPtr = std::shared_ptr<Reply>;

// The error answer DynamoDB gives: `{"__type": "<namespace>#<code>", "message": ...}` with the
// namespace its clients expect for that code.
HttpResponse errorResponse(const ServiceError& error, std::string_view requestId,
                           std::string_view extraMembers = {});

ServiceError validationError(std::string message);
// "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member
// must not be null"
ServiceError missingMember(std::string_view member);

// Read access to a request's members. A member set to JSON null counts as absent.
class Request {
 public:
  explicit Request(simdjson::dom::element body) : body_(body) {}

  std::optional<simdjson::dom::element> member(std::string_view name) const;
  std::optional<std::string_view> string(std::string_view name) const;
  std::optional<bool> boolean(std::string_view name) const;
  std::optional<int64_t> integer(std::string_view name) const;
  // An attribute-value map member (Item, Key, ExclusiveStartKey), read with DynamoDB's checks.
  Result<std::optional<Item>> item(std::string_view name) const;

  // The table named by TableName (missing: ValidationException; unknown: ResourceNotFound).
  Result<std::shared_ptr<Table>> table(const Engine& engine) const;

  // ExpressionAttributeNames and ExpressionAttributeValues, read once.
  Status readExpressionParameters();
  ExpressionContext& context() { return context_; }
  bool hasNames() const { return names_.has_value(); }
  bool hasValues() const { return values_.has_value(); }
  // After every expression was parsed: DynamoDB's refusals of names or values no expression
  // used (or supplied with no expression at all).
  Status checkExpressionParameters(bool anyExpression) const;

  // The legacy parameters (Expected, AttributesToGet, KeyConditions, ...) are refused clearly.
  Status refuseLegacy(std::initializer_list<std::string_view> names) const;

  simdjson::dom::element body() const { return body_; }

 private:
  simdjson::dom::element body_;
  std::optional<std::map<std::string, std::string>> names_;
  std::optional<Item> values_;
  ExpressionContext context_;
};

// Writes `{"Item": ...}`-style members.
void writeItemMember(JsonWriter& out, std::string_view name, const Item& item);

// ConsumedCapacity as DynamoDB reports it for ReturnConsumedCapacity TOTAL or INDEXES: one write
// unit per KB written, one read unit per 4 KB read (half for eventually consistent reads).
double writeUnits(size_t bytes);
double readUnits(size_t bytes, bool consistent);
// ReturnConsumedCapacity, read before the request's memory is gone (answers may come later).
enum class CapacityReport { kNone, kTotal, kIndexes };
CapacityReport readCapacityReport(const Request& request);
void writeConsumedCapacity(JsonWriter& out, CapacityReport report, const std::string& table,
                           double units);

// The operations, one per DynamoDB action. Each answers through `reply`, now or later.
using Operation = void (*)(Engine& engine, Request& request, const ReplyPtr& reply);
void createTable(Engine&, Request&, const ReplyPtr&);
void describeTable(Engine&, Request&, const ReplyPtr&);
void listTables(Engine&, Request&, const ReplyPtr&);
void updateTable(Engine&, Request&, const ReplyPtr&);
void deleteTable(Engine&, Request&, const ReplyPtr&);
void updateTimeToLive(Engine&, Request&, const ReplyPtr&);
void describeTimeToLive(Engine&, Request&, const ReplyPtr&);
void tagResource(Engine&, Request&, const ReplyPtr&);
void untagResource(Engine&, Request&, const ReplyPtr&);
void listTagsOfResource(Engine&, Request&, const ReplyPtr&);
void describeLimits(Engine&, Request&, const ReplyPtr&);
void describeEndpoints(Engine&, Request&, const ReplyPtr&);
void putItem(Engine&, Request&, const ReplyPtr&);
void getItem(Engine&, Request&, const ReplyPtr&);
void updateItem(Engine&, Request&, const ReplyPtr&);
void deleteItem(Engine&, Request&, const ReplyPtr&);
void query(Engine&, Request&, const ReplyPtr&);
void scan(Engine&, Request&, const ReplyPtr&);
void batchGetItem(Engine&, Request&, const ReplyPtr&);
void batchWriteItem(Engine&, Request&, const ReplyPtr&);
void transactWriteItems(Engine&, Request&, const ReplyPtr&);
void transactGetItems(Engine&, Request&, const ReplyPtr&);
void executeStatement(Engine&, Request&, const ReplyPtr&);
void batchExecuteStatement(Engine&, Request&, const ReplyPtr&);
// serverless.yml's tables: creates the table, or brings an existing one in line (indexes,
// stream, tags), then applies the time to live (attribute name, enabled).
void ensureProjectTable(Engine& engine, const std::string& createTableRequest,
                        std::optional<std::pair<std::string, bool>> timeToLive,
                        std::function<void(std::string error)> done);
// DynamoDB Streams.
void listStreams(Engine&, Request&, const ReplyPtr&);
void describeStream(Engine&, Request&, const ReplyPtr&);
void getShardIterator(Engine&, Request&, const ReplyPtr&);
void getRecords(Engine&, Request&, const ReplyPtr&);

}  // namespace nimbus::aws::dynamodb
