#include "service_fixture.h"

#include <chrono>
#include <stdexcept>
#include <utility>

#include "aws/dynamodb/table_definition.h"
#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::aws::dynamodb::service_test {

namespace fs = std::filesystem;
using nlohmann::json;

TemporaryDirectory::TemporaryDirectory(std::string_view prefix)
    : path_(fs::temp_directory_path() / (std::string(prefix) + randomHex(12))) {
  fs::create_directories(path_);
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::unique_ptr<store::Store> openStore(const fs::path& dir) {
  std::string error;
  auto store = store::openSqliteStore(dir / "nimbus.db", error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

void CapturedResponse::respond(HttpResponse&& response) {
  set(std::move(response));
}

void CapturedResponse::abandon() {
  set(HttpResponse{0, {}, "abandoned"});
}

void CapturedResponse::set(HttpResponse response) {
  std::lock_guard lock(mutex_);
  if (!done_) promise_.set_value(std::move(response));
  done_ = true;
}

// ---- Through DynamoDbService::handle ----

std::string ServiceAnswer::code() const {
  if (status == 200) return "";
  std::string type = body.value("__type", "");
  return type.substr(type.find('#') + 1);
}

RunningService::RunningService(const fs::path& dir) : store_(openStore(dir)) {
  if (!store_) throw std::runtime_error("cannot open the store in " + dir.string());
  service_ = std::make_unique<DynamoDbService>(*store_, DynamoDbSettings{});
  warnings_ = service_->load();
}

RunningService::~RunningService() {
  service_->stop();
  store_->stop();
}

ServiceAnswer RunningService::call(std::string_view operation, const json& request) {
  return send("DynamoDB_20120810." + std::string(operation), request);
}

ServiceAnswer RunningService::callStreams(std::string_view operation, const json& request) {
  return send("DynamoDBStreams_20120810." + std::string(operation), request);
}

json RunningService::ok(std::string_view operation, const json& request) {
  ServiceAnswer a = call(operation, request);
  EXPECT_EQ(a.status, 200) << operation << ": " << a.body.dump();
  return a.body;
}

std::string RunningService::ensure(const json& createTable,
                                   std::optional<DynamoDbService::TimeToLive> ttl) {
  std::promise<std::string> done;
  service_->ensureTable(createTable.dump(), ttl, [&](std::string e) { done.set_value(e); });
  return done.get_future().get();
}

ServiceAnswer RunningService::send(std::string target, const json& request) {
  HttpRequest http;
  http.method = "POST";
  http.target = "/";
  http.headers.push_back({"X-Amz-Target", std::move(target)});
  http.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
  http.body = request.dump();
  auto capture = std::make_shared<CapturedResponse>();
  auto future = capture->future();
  service_->handle(std::move(http), RequestIdentity{}, http::Responder(capture));
  HttpResponse response = future.get();
  return {response.status, json::parse(response.body, nullptr, false)};
}

void ServiceTest::SetUp() {
  dir_.emplace(dirPrefix_);
  running_ = std::make_unique<RunningService>(dir_->path());
}

void ServiceTest::TearDown() {
  running_.reset();
  dir_.reset();
}

void ServiceTest::reopen() {
  running_.reset();
  running_ = std::make_unique<RunningService>(dir_->path());
}

// ---- Operations called on the engine ----

std::string OperationAnswer::message() const {
  std::string_view m;
  return json["message"].get(m) == simdjson::SUCCESS ? std::string(m) : "(no message) " + body;
}

std::string OperationAnswer::errorType() const {
  std::string_view t;
  if (json["__type"].get(t) != simdjson::SUCCESS) return "";
  return std::string(t.substr(t.find('#') + 1));
}

int64_t OperationAnswer::number(std::string_view member) const {
  int64_t n = -1;
  return json[member].get(n) == simdjson::SUCCESS ? n : -1;
}

std::string OperationAnswer::string(std::string_view member) const {
  std::string_view s;
  return json[member].get(s) == simdjson::SUCCESS ? std::string(s) : "";
}

bool OperationAnswer::has(std::string_view member) const {
  simdjson::dom::element e;
  return json[member].get(e) == simdjson::SUCCESS;
}

simdjson::dom::array OperationAnswer::items() const {
  simdjson::dom::array a;
  EXPECT_EQ(json["Items"].get(a), simdjson::SUCCESS) << body;
  return a;
}

std::vector<std::string> OperationAnswer::canonicalItems() const {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (json["Items"].get(a) != simdjson::SUCCESS) {
    ADD_FAILURE() << "no Items: " << body;
    return out;
  }
  for (auto e : a) {
    auto item = readItem(e);
    EXPECT_TRUE(item.ok()) << body;
    if (item.ok()) out.push_back(itemToJson(*item));
  }
  return out;
}

std::string OperationAnswer::lastKey() const {
  simdjson::dom::element e;
  if (json["LastEvaluatedKey"].get(e) != simdjson::SUCCESS) return "";
  return simdjson::minify(e);
}

void EngineTest::SetUp() {
  dir_.emplace(dirPrefix_);
  store_ = openStore(dir_->path());
  ASSERT_NE(store_, nullptr);
  engine_ = std::make_unique<Engine>(*store_, "us-east-1", "123456789012");
}

void EngineTest::TearDown() {
  engine_.reset();
  store_.reset();
  dir_.reset();
}

std::vector<std::string> EngineTest::reloadEngine() {
  engine_ = std::make_unique<Engine>(*store_, "us-east-1", "123456789012");
  return engine_->load();
}

std::shared_ptr<Table> EngineTest::createTable(const std::string& createTableJson) {
  simdjson::dom::parser parser;
  simdjson::dom::element request;
  if (parser.parse(createTableJson).get(request) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << createTableJson;
    return nullptr;
  }
  auto definition = readCreateTable(request);
  if (!definition.ok()) {
    ADD_FAILURE() << definition.error().message;
    return nullptr;
  }
  std::promise<std::string> done;
  auto table = engine_->createTable(std::move(*definition),
                                    [&](std::string e) { done.set_value(std::move(e)); });
  if (!table.ok()) {
    ADD_FAILURE() << table.error().message;
    return nullptr;
  }
  EXPECT_EQ(done.get_future().get(), "");
  return *table;
}

OperationAnswer EngineTest::call(Operation operation, const std::string& requestJson) {
  auto sink = std::make_shared<CapturedResponse>();
  auto future = sink->future();
  auto reply = std::make_shared<Reply>(http::Responder(sink), "test-request");
  {
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    EXPECT_EQ(parser.parse(requestJson).get(body), simdjson::SUCCESS) << requestJson;
    Request request(body);
    operation(*engine_, request, reply);
  }
  // An operation that never answers is abandoned when the last reference to its reply goes.
  reply.reset();
  OperationAnswer answer;
  if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "no answer to " << requestJson;
    return answer;
  }
  HttpResponse response = future.get();
  answer.status = response.status;
  answer.body = response.body;
  EXPECT_EQ(answer.parser->parse(answer.body).get(answer.json), simdjson::SUCCESS) << answer.body;
  return answer;
}

}  // namespace nimbus::aws::dynamodb::service_test
