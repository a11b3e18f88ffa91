#include "aws/dynamodb/dynamodb_service.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <condition_variable>
#include <thread>
#include <unordered_map>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/engine.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace nimbus::aws::dynamodb {

namespace {

// Operations by X-Amz-Target suffix. DynamoDB Streams has its own target prefix on the same
// signing name.
const std::unordered_map<std::string_view, Operation>& dynamoOperations() {
  static const std::unordered_map<std::string_view, Operation> kOperations = {
      {"CreateTable", createTable},
      {"DescribeTable", describeTable},
      {"ListTables", listTables},
      {"UpdateTable", updateTable},
      {"DeleteTable", deleteTable},
      {"UpdateTimeToLive", updateTimeToLive},
      {"DescribeTimeToLive", describeTimeToLive},
      {"TagResource", tagResource},
      {"UntagResource", untagResource},
      {"ListTagsOfResource", listTagsOfResource},
      {"DescribeLimits", describeLimits},
      {"DescribeEndpoints", describeEndpoints},
      {"PutItem", putItem},
      {"GetItem", getItem},
      {"UpdateItem", updateItem},
      {"DeleteItem", deleteItem},
      {"Query", query},
      {"Scan", scan},
      {"BatchGetItem", batchGetItem},
      {"BatchWriteItem", batchWriteItem},
      {"TransactWriteItems", transactWriteItems},
      {"TransactGetItems", transactGetItems},
      {"ExecuteStatement", executeStatement},
      {"BatchExecuteStatement", batchExecuteStatement},
  };
  return kOperations;
}

const std::unordered_map<std::string_view, Operation>& streamOperations() {
  static const std::unordered_map<std::string_view, Operation> kOperations = {
      {"ListStreams", listStreams},
      {"DescribeStream", describeStream},
      {"GetShardIterator", getShardIterator},
      {"GetRecords", getRecords},
  };
  return kOperations;
}

constexpr std::string_view kDynamoPrefix = "DynamoDB_20120810.";
constexpr std::string_view kStreamsPrefix = "DynamoDBStreams_20120810.";

// Time to live is enforced within seconds here (DynamoDB takes up to a few days); stream records
// are trimmed at 24 hours.
constexpr auto kSweepInterval = std::chrono::seconds(1);
constexpr size_t kMaxExpiriesPerSweep = 1000;

}  // namespace

struct DynamoDbService::Sweeper {
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;
};

DynamoDbService::DynamoDbService(store::Store& store, DynamoDbSettings settings)
    : engine_(std::make_unique<Engine>(store, settings.region, settings.accountId)),
      sweeper_(std::make_unique<Sweeper>()) {}

DynamoDbService::~DynamoDbService() {
  stop();
}

std::vector<std::string> DynamoDbService::load() {
  return engine_->load();
}

void DynamoDbService::start() {
  sweeper_->thread = std::thread([this] {
    std::unique_lock lock(sweeper_->mutex);
    while (!sweeper_->stopping) {
      sweeper_->wake.wait_for(lock, kSweepInterval);
      if (sweeper_->stopping) break;
      lock.unlock();
      int64_t now = nowMs();
      engine_->expireItems(now, kMaxExpiriesPerSweep);
      engine_->trimStreams(now);
      lock.lock();
    }
  });
}

void DynamoDbService::stop() {
  {
    std::lock_guard lock(sweeper_->mutex);
    sweeper_->stopping = true;
  }
  sweeper_->wake.notify_all();
  if (sweeper_->thread.joinable()) sweeper_->thread.join();
}

void DynamoDbService::handle(HttpRequest&& request, const RequestIdentity&,
                             http::Responder responder) {
  auto reply = std::make_shared<Reply>(std::move(responder), randomAlnum(52, false));
  const HttpHeader* target = findHeader(request.headers, "X-Amz-Target");
  std::string_view t = target ? std::string_view(target->value) : std::string_view();
  Operation operation = nullptr;
  if (t.substr(0, kDynamoPrefix.size()) == kDynamoPrefix) {
    auto it = dynamoOperations().find(t.substr(kDynamoPrefix.size()));
    if (it != dynamoOperations().end()) operation = it->second;
  } else if (t.substr(0, kStreamsPrefix.size()) == kStreamsPrefix) {
    auto it = streamOperations().find(t.substr(kStreamsPrefix.size()));
    if (it != streamOperations().end()) operation = it->second;
  }
  if (!operation) {
    return reply->error(ServiceError{"UnknownOperationException", "", 400});
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element body;
  std::string_view text = request.body.empty() ? std::string_view("{}") : request.body;
  if (parser.parse(text.data(), text.size()).get(body) != simdjson::SUCCESS || !body.is_object()) {
    return reply->error(ServiceError{"SerializationException",
                                     "Start of structure or map found where not expected", 400});
  }
  Request parsed(body);
  operation(*engine_, parsed, reply);
}

void DynamoDbService::ensureTable(const std::string& createTableRequest,
                                  std::optional<TimeToLive> timeToLive,
                                  std::function<void(std::string error)> done) {
  ensureProjectTable(*engine_, createTableRequest,
                     timeToLive ? std::optional<std::pair<std::string, bool>>(
                                      {timeToLive->attributeName, timeToLive->enabled})
                                : std::nullopt,
                     std::move(done));
}

}  // namespace nimbus::aws::dynamodb
