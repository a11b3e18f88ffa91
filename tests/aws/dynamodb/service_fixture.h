// What the DynamoDB API tests share: a real SQLite store in a temporary directory, and either the
// whole service (requests through DynamoDbService::handle, as a client sends them) or the bare
// engine (operations called directly), with requests written as JSON text and each answer
// captured and parsed.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/api.h"
#include "aws/dynamodb/dynamodb_service.h"
#include "store/store.h"

namespace nimbus::aws::dynamodb::service_test {

// The ARN of a table in the service's default region and account, without the table's name.
inline constexpr const char* kArnPrefix = "arn:aws:dynamodb:us-east-1:000000000000:table/";

// A new directory under the system's temporary folder, removed with its contents on destruction.
class TemporaryDirectory {
 public:
  // `prefix` starts the directory's name; a random suffix keeps concurrent tests apart.
  explicit TemporaryDirectory(std::string_view prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Opens the SQLite store file in `dir`; on failure reports SQLite's error to the test and
// returns null.
std::unique_ptr<store::Store> openStore(const std::filesystem::path& dir);

// Keeps the one answer a request gets, which a write sends later, from the store's commit.
// Later answers are ignored, as the connection would ignore them.
class CapturedResponse : public http::Responder::Sink {
 public:
  void respond(HttpResponse&& response) override;
  // An answer never sent arrives as status 0 with the body "abandoned".
  void abandon() override;
  std::future<HttpResponse> future() { return promise_.get_future(); }

 private:
  void set(HttpResponse response);

  std::mutex mutex_;
  bool done_ = false;
  std::promise<HttpResponse> promise_;
};

// ---- Through DynamoDbService::handle ----

// An answer of the service, its body parsed (JSON null when it is not JSON).
struct ServiceAnswer {
  int status = 0;
  nlohmann::json body;

  // The error code after '#' in __type, or "" for a success.
  std::string code() const;
  std::string message() const { return body.value("message", ""); }
};

// The service over the store in `dir`, loaded as `nimbus serve` loads it. Stops both on
// destruction, so that a second one can open the same file (a restart).
class RunningService {
 public:
  // Throws when the store cannot be opened; GoogleTest reports it as the test's failure.
  explicit RunningService(const std::filesystem::path& dir);
  ~RunningService();
  RunningService(const RunningService&) = delete;
  RunningService& operator=(const RunningService&) = delete;

  // A DynamoDB operation ("CreateTable"), sent as the AWS SDKs send it.
  ServiceAnswer call(std::string_view operation, const nlohmann::json& request);
  // A DynamoDB Streams operation ("GetRecords").
  ServiceAnswer callStreams(std::string_view operation, const nlohmann::json& request);
  // Calls a DynamoDB operation that must succeed and returns its answer's body.
  nlohmann::json ok(std::string_view operation, const nlohmann::json& request);

  // DynamoDbService::ensureTable, waited for: "" or what went wrong.
  std::string ensure(const nlohmann::json& createTable,
                     std::optional<DynamoDbService::TimeToLive> ttl = std::nullopt);

  // What load() reported when the service started.
  const std::vector<std::string>& warnings() const { return warnings_; }
  DynamoDbService& service() { return *service_; }

 private:
  ServiceAnswer send(std::string target, const nlohmann::json& request);

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<DynamoDbService> service_;
  std::vector<std::string> warnings_;
};

// A test with a running service over a store in a directory of its own.
class ServiceTest : public ::testing::Test {
 protected:
  // `dirPrefix` names the test's temporary directory.
  explicit ServiceTest(std::string dirPrefix) : dirPrefix_(std::move(dirPrefix)) {}

  void SetUp() override;
  void TearDown() override;

  RunningService& r() { return *running_; }
  // Stops the service and starts a new one over the same store file.
  void reopen();

 private:
  std::string dirPrefix_;
  std::optional<TemporaryDirectory> dir_;
  std::unique_ptr<RunningService> running_;
};

// ---- Operations called on the engine ----

// An operation's answer, its body parsed (a failed parse is reported to the test).
struct OperationAnswer {
  int status = 0;
  std::string body;
  std::unique_ptr<simdjson::dom::parser> parser = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::element json;

  bool ok() const { return status == 200; }
  // The answer's message, or the whole body when there is none.
  std::string message() const;
  // The error code after '#' in __type, or "" when there is none.
  std::string errorType() const;
  // An integer member, or -1 when absent.
  int64_t number(std::string_view member) const;
  // A string member, or "" when absent.
  std::string string(std::string_view member) const;
  bool has(std::string_view member) const;
  // The Items member (reported to the test when absent).
  simdjson::dom::array items() const;
  // The Items member as canonical DynamoDB JSON, in the order answered.
  std::vector<std::string> canonicalItems() const;
  // The raw JSON of LastEvaluatedKey, or "" when there is none.
  std::string lastKey() const;
};

// A test with an engine over a store in a directory of its own, in the account 123456789012.
class EngineTest : public ::testing::Test {
 protected:
  // `dirPrefix` names the test's temporary directory.
  explicit EngineTest(std::string dirPrefix) : dirPrefix_(std::move(dirPrefix)) {}

  void SetUp() override;
  void TearDown() override;

  Engine& engine() { return *engine_; }
  // Replaces the engine with a new one loaded from the store, as a restart would; returns what
  // load() reported.
  std::vector<std::string> reloadEngine();

  // Creates a table from a CreateTable request and waits until its definition is committed;
  // null (and a failure reported) when it cannot be.
  std::shared_ptr<Table> createTable(const std::string& createTableJson);

  // Runs `operation` on a request and waits (at most 20 seconds) for its answer.
  OperationAnswer call(Operation operation, const std::string& requestJson);

 private:
  std::string dirPrefix_;
  std::optional<TemporaryDirectory> dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace nimbus::aws::dynamodb::service_test
