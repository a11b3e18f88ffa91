// DynamoDB and DynamoDB Streams on the AWS endpoint (JSON 1.0, `X-Amz-Target:
// DynamoDB_20120810.*` and `DynamoDBStreams_20120810.*`). Tables live in memory, ordered as
// DynamoDB orders them, with the store as their durable log: a write is acknowledged only once
// committed, and reads never touch the disk. docs/dynamodb.md is the reference.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/request_identity.h"
#include "core/http_message.h"
#include "http/server.h"

namespace nimbus::store {
class Store;
}

namespace nimbus::aws::dynamodb {

struct DynamoDbSettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
};

class Engine;  // Tables, items, indexes and streams (engine.h).

class DynamoDbService {
 public:
  DynamoDbService(store::Store& store, DynamoDbSettings settings);
  ~DynamoDbService();
  DynamoDbService(const DynamoDbService&) = delete;
  DynamoDbService& operator=(const DynamoDbService&) = delete;

  // Reads tables, items and stream records from the store. Returns warnings for what could not
  // be read.
  std::vector<std::string> load();
  // Starts the background work (TTL expiry, stream retention); stop() ends it.
  void start();
  void stop();

  // Answers one API request. Never blocks on the disk: writes answer from the store's commit.
  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

  // serverless.yml's tables (`resources.Resources` of type AWS::DynamoDB::Table): creates the
  // table from `createTableRequest` (a CreateTable request body) when it does not exist,
  // otherwise brings its global secondary indexes, stream and tags in line with it; then applies
  // the time-to-live setting. `done` gets an empty string, or what went wrong.
  struct TimeToLive {
    std::string attributeName;
    bool enabled = false;
  };
  void ensureTable(const std::string& createTableRequest, std::optional<TimeToLive> timeToLive,
                   std::function<void(std::string error)> done);

  Engine& engine() { return *engine_; }

 private:
  struct Sweeper;  // The background thread for time to live and stream retention.
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Sweeper> sweeper_;
};

}  // namespace nimbus::aws::dynamodb
