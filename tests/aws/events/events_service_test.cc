// The EventBridge service over a real SQLite store, with a stand-in for the services it delivers
// to (SQS, SNS and Lambda are built elsewhere): buses, rules and targets and their errors, what
// each target receives, retries and dead-letter queues, and what survives a restart.
#include "aws/events/events_service.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::aws::events {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class CapturingSink : public http::Responder::Sink {
 public:
  void respond(HttpResponse&& response) override { promise.set_value(std::move(response)); }
  void abandon() override { promise.set_value(HttpResponse{0, {}, "(abandoned)"}); }
  std::promise<HttpResponse> promise;
};

// Records every hand-over. Queues named "missing" do not exist; a function named "flaky" is
// unavailable for its first `flakyFailures` attempts.
class FakeTargets : public EventsDeliveryTargets {
 public:
  void sendToQueue(QueueMessage message, TargetCallback done) override {
    // Answers outside the lock: a refusal leads straight to a dead-letter send.
    if (message.queueArn.ends_with(":missing")) {
      return done(TargetResult::notFound("Queue does not exist: " + message.queueArn));
    }
    {
      std::lock_guard lock(mutex);
      queued.push_back(std::move(message));
    }
    changed.notify_all();
    done(TargetResult::accepted());
  }
  void invokeFunction(const std::string& arn, std::string payload, TargetCallback done) override {
    bool refuse = false;
    {
      std::lock_guard lock(mutex);
      refuse = arn.ends_with(":flaky") && flakyFailures > 0;
      if (refuse) {
        --flakyFailures;
      } else {
        invoked.emplace_back(arn, std::move(payload));
      }
    }
    if (refuse) return done(TargetResult::unavailable("store busy"));
    changed.notify_all();
    done(TargetResult::accepted());
  }
  void publishToTopic(const std::string& arn, std::string message, TargetCallback done) override {
    {
      std::lock_guard lock(mutex);
      published.emplace_back(arn, std::move(message));
    }
    changed.notify_all();
    done(TargetResult::accepted());
  }

  // Waits (up to 10 s) until `ready` holds.
  bool waitFor(const std::function<bool()>& ready) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), ready);
  }

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<QueueMessage> queued;
  std::vector<std::pair<std::string, std::string>> invoked;
  std::vector<std::pair<std::string, std::string>> published;
  int flakyFailures = 0;
};

// Records what the service schedules; a test fires a rule by calling its `fire`.
class FakeSchedules : public RuleSchedules {
 public:
  std::string check(const std::string& expression) override {
    return expression.rfind("rate(", 0) == 0 || expression.rfind("cron(", 0) == 0 ? ""
                                                                                  : "not valid";
  }
  void upsert(const std::string& key, const std::string& expression, int64_t anchorMs,
              int64_t sinceMs, std::function<void(int64_t)> fire) override {
    std::lock_guard lock(mutex);
    scheduled[key] = {expression, anchorMs, sinceMs, std::move(fire)};
  }
  void remove(const std::string& key) override {
    std::lock_guard lock(mutex);
    scheduled.erase(key);
  }
  std::optional<int64_t> nextFiringMs(const std::string& key) override {
    std::lock_guard lock(mutex);
    if (!scheduled.count(key)) return std::nullopt;
    return scheduled[key].anchorMs + 60'000;
  }

  struct Entry {
    std::string expression;
    int64_t anchorMs = 0;
    int64_t sinceMs = 0;
    std::function<void(int64_t)> fire;
  };
  std::mutex mutex;
  std::map<std::string, Entry> scheduled;
};

const std::string kQueue = "arn:aws:sqs:us-east-1:000000000000:jobs";
const std::string kFunction = "arn:aws:lambda:us-east-1:000000000000:function:worker";

class EventsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nimbus-events-test-" + newUuid());
    fs::create_directories(dir_);
    thread_ = std::thread([this] { io_.run(); });
    open();
  }
  void TearDown() override {
    close();
    work_.reset();
    io_.stop();
    thread_.join();
    fs::remove_all(dir_);
  }

  void open() {
    std::string error;
    store_ = store::openSqliteStore(dir_ / "nimbus.db", error);
    ASSERT_TRUE(store_) << error;
    EventsSettings settings;
    settings.retryBaseDelayMs = 10;
    events_ = std::make_unique<EventsService>(io_, *store_, targets_, settings);
    events_->setSchedules(&schedules_);
    EXPECT_TRUE(events_->load().empty());
  }
  void close() {
    if (events_) events_->stop();
    events_.reset();
    if (store_) store_->stop();
    store_.reset();
  }

  HttpResponse call(const std::string& operation, const json& body) {
    HttpRequest request{"POST",
                        "/",
                        {{"X-Amz-Target", "AWSEvents." + operation},
                         {"Content-Type", "application/x-amz-json-1.1"}},
                        body.dump(),
                        "127.0.0.1",
                        "HTTP/1.1"};
    auto sink = std::make_shared<CapturingSink>();
    auto answer = sink->promise.get_future();
    events_->handle(std::move(request), RequestIdentity{}, http::Responder(sink));
    if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << operation << " was not answered";
      return {};
    }
    return answer.get();
  }

  json ok(const std::string& operation, const json& body) {
    auto r = call(operation, body);
    EXPECT_EQ(r.status, 200) << operation << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // The error type of a refused call.
  std::string refused(const std::string& operation, const json& body) {
    auto r = call(operation, body);
    EXPECT_EQ(r.status, 400) << operation << ": " << r.body;
    return json::parse(r.body, nullptr, false).value("__type", std::string()) + ": " +
           json::parse(r.body, nullptr, false).value("message", std::string());
  }

  json putEvent(const std::string& source, const json& detail, const std::string& bus = "") {
    json entry{{"Source", source}, {"DetailType", "test"}, {"Detail", detail.dump()}};
    if (!bus.empty()) entry["EventBusName"] = bus;
    return ok("PutEvents", {{"Entries", json::array({entry})}});
  }

  fs::path dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread thread_;
  std::unique_ptr<store::Store> store_;
  FakeTargets targets_;
  FakeSchedules schedules_;
  std::unique_ptr<EventsService> events_;
};

TEST_F(EventsServiceTest, DefaultBusAlwaysExistsAndCustomBusesComeAndGo) {
  auto buses = ok("ListEventBuses", json::object());
  ASSERT_EQ(buses["EventBuses"].size(), 1u);
  EXPECT_EQ(buses["EventBuses"][0]["Name"], "default");
  EXPECT_EQ(buses["EventBuses"][0]["Arn"],
            "arn:aws:events:us-east-1:000000000000:event-bus/default");
  auto created = ok("CreateEventBus", {{"Name", "orders"}});
  EXPECT_EQ(created["EventBusArn"], "arn:aws:events:us-east-1:000000000000:event-bus/orders");
  EXPECT_EQ(refused("CreateEventBus", {{"Name", "orders"}}),
            "ResourceAlreadyExistsException: Event bus orders already exists.");
  EXPECT_EQ(ok("DescribeEventBus", {{"Name", "orders"}})["Name"], "orders");
  EXPECT_EQ(ok("DescribeEventBus", json::object())["Name"], "default");
  EXPECT_EQ(refused("DeleteEventBus", {{"Name", "default"}}),
            "ValidationException: Cannot delete event bus default.");
  ok("DeleteEventBus", {{"Name", "orders"}});
  EXPECT_EQ(refused("DescribeEventBus", {{"Name", "orders"}}),
            "ResourceNotFoundException: Event bus orders does not exist.");
}

TEST_F(EventsServiceTest, RulesAreKeptListedAndDescribed) {
  auto put = ok("PutRule", {{"Name", "on-order"}, {"EventPattern", R"({"source":["shop"]})"}});
  EXPECT_EQ(put["RuleArn"], "arn:aws:events:us-east-1:000000000000:rule/on-order");
  ok("CreateEventBus", {{"Name", "orders"}});
  auto onBus = ok("PutRule", {{"Name", "on-order"},
                              {"EventBusName", "orders"},
                              {"EventPattern", R"({"source":["shop"]})"},
                              {"Description", "orders"}});
  EXPECT_EQ(onBus["RuleArn"], "arn:aws:events:us-east-1:000000000000:rule/orders/on-order");
  for (int i = 0; i < 3; ++i) {
    ok("PutRule", {{"Name", "r" + std::to_string(i)}, {"EventPattern", R"({"source":["x"]})"}});
  }
  auto first = ok("ListRules", {{"NamePrefix", "r"}, {"Limit", 2}});
  ASSERT_EQ(first["Rules"].size(), 2u);
  ASSERT_TRUE(first.contains("NextToken"));
  auto second = ok("ListRules", {{"NamePrefix", "r"}, {"NextToken", first["NextToken"]}});
  ASSERT_EQ(second["Rules"].size(), 1u);
  EXPECT_EQ(second["Rules"][0]["Name"], "r2");
  auto described = ok("DescribeRule", {{"Name", "on-order"}, {"EventBusName", "orders"}});
  EXPECT_EQ(described["Description"], "orders");
  EXPECT_EQ(described["State"], "ENABLED");
  ok("DisableRule", {{"Name", "on-order"}});
  EXPECT_EQ(ok("DescribeRule", {{"Name", "on-order"}})["State"], "DISABLED");
  EXPECT_EQ(refused("DescribeRule", {{"Name", "nope"}}),
            "ResourceNotFoundException: Rule nope does not exist on EventBus default.");
  EXPECT_EQ(refused("PutRule", {{"Name", "bad"}}),
            "ValidationException: Parameter(s) EventPattern or ScheduleExpression must be "
            "specified.");
  EXPECT_EQ(refused("PutRule", {{"Name", "bad name"}, {"EventPattern", "{}"}}).substr(0, 60),
            "ValidationException: 1 validation error detected: Value 'bad");
  auto bad = refused("PutRule", {{"Name", "bad"}, {"EventPattern", R"({"source":"x"})"}});
  EXPECT_EQ(bad.substr(0, 82),
            "InvalidEventPatternException: Event pattern is not valid. Reason: \"source\" must be");
}

TEST_F(EventsServiceTest, TargetsAndTheRulesThatNameThem) {
  ok("PutRule", {{"Name", "r"}, {"EventPattern", R"({"source":["shop"]})"}});
  auto put = ok("PutTargets", {{"Rule", "r"},
                               {"Targets",
                                {{{"Id", "q"}, {"Arn", kQueue}},
                                 {{"Id", "f"}, {"Arn", kFunction}},
                                 {{"Id", "x"}, {"Arn", "arn:aws:kinesis:us-east-1:0:stream/s"}}}}});
  EXPECT_EQ(put["FailedEntryCount"], 1);
  EXPECT_EQ(put["FailedEntries"][0]["TargetId"], "x");
  auto listed = ok("ListTargetsByRule", {{"Rule", "r"}});
  ASSERT_EQ(listed["Targets"].size(), 2u);
  EXPECT_EQ(listed["Targets"][0]["Id"], "q");
  EXPECT_EQ(ok("ListRuleNamesByTarget", {{"TargetArn", kQueue}})["RuleNames"], json::array({"r"}));
  EXPECT_EQ(refused("DeleteRule", {{"Name", "r"}}),
            "ValidationException: Rule can't be deleted since it has targets.");
  EXPECT_EQ(
      refused("PutTargets",
              {{"Rule", "r"},
               {"Targets",
                {{{"Id", "t"}, {"Arn", kQueue}, {"Input", "{}"}, {"InputPath", "$.detail"}}}}})
          .substr(0, 40),
      "ValidationException: Only one of Input, ");
  auto removed = ok("RemoveTargets", {{"Rule", "r"}, {"Ids", {"q", "f"}}});
  EXPECT_EQ(removed["FailedEntryCount"], 0);
  ok("DeleteRule", {{"Name", "r"}});
  EXPECT_EQ(ok("ListRules", json::object())["Rules"].size(), 0u);
}

TEST_F(EventsServiceTest, PutEventsReachesMatchingTargetsWithTheEnvelope) {
  ok("PutRule", {{"Name", "r"}, {"EventPattern", R"({"detail":{"n":[{"numeric":[">",5]}]}})"}});
  ok("PutTargets", {{"Rule", "r"},
                    {"Targets",
                     {{{"Id", "q"}, {"Arn", kQueue}},
                      {{"Id", "t"}, {"Arn", "arn:aws:sns:us-east-1:000000000000:topic"}}}}});
  auto answer = putEvent("shop", {{"n", 9}});
  EXPECT_EQ(answer["FailedEntryCount"], 0);
  std::string id = answer["Entries"][0]["EventId"];
  putEvent("shop", {{"n", 1}});  // Matches nothing.
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.queued.size() == 1; }));
  std::lock_guard lock(targets_.mutex);
  ASSERT_EQ(targets_.queued.size(), 1u);
  auto event = json::parse(targets_.queued[0].body);
  EXPECT_EQ(event["version"], "0");
  EXPECT_EQ(event["id"], id);
  EXPECT_EQ(event["detail-type"], "test");
  EXPECT_EQ(event["source"], "shop");
  EXPECT_EQ(event["account"], "000000000000");
  EXPECT_EQ(event["region"], "us-east-1");
  EXPECT_EQ(event["resources"], json::array());
  EXPECT_EQ(event["detail"], json({{"n", 9}}));
  EXPECT_EQ(event["time"].get<std::string>().size(), 20u);
  EXPECT_EQ(targets_.queued[0].senderId, "arn:aws:events:us-east-1:000000000000:rule/r");
  ASSERT_EQ(targets_.published.size(), 1u);
}

TEST_F(EventsServiceTest, PutEventsRefusesPerEntryAndOverTheLimits) {
  json entries = json::array(
      {{{"DetailType", "t"}, {"Detail", "{}"}},
       {{"Source", "s"}, {"DetailType", "t"}, {"Detail", "[1]"}},
       {{"Source", "s"}, {"DetailType", "t"}, {"Detail", "{}"}, {"EventBusName", "nope"}},
       {{"Source", "s"}, {"Detail", "{}"}},
       {{"Source", "s"}, {"DetailType", "t"}, {"Detail", "{}"}}});
  auto answer = ok("PutEvents", {{"Entries", entries}});
  EXPECT_EQ(answer["FailedEntryCount"], 4);
  EXPECT_EQ(answer["Entries"][0]["ErrorCode"], "InvalidArgument");
  EXPECT_EQ(answer["Entries"][1]["ErrorCode"], "MalformedDetail");
  EXPECT_EQ(answer["Entries"][2]["ErrorCode"], "ResourceNotFoundException");
  EXPECT_EQ(answer["Entries"][3]["ErrorCode"], "InvalidArgument");
  EXPECT_TRUE(answer["Entries"][4].contains("EventId"));
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back(entries[4]);
  EXPECT_EQ(refused("PutEvents", {{"Entries", eleven}}).substr(0, 50),
            "ValidationException: 1 validation error detected: ");
  json big{{"Source", "s"},
           {"DetailType", "t"},
           {"Detail", json{{"x", std::string(300 * 1024, 'a')}}.dump()}};
  EXPECT_EQ(refused("PutEvents", {{"Entries", {big}}}),
            "ValidationException: Total size of the entries in the request is over the limit.");
}

TEST_F(EventsServiceTest, InputInputPathAndInputTransformer) {
  ok("PutRule", {{"Name", "r"}, {"EventPattern", R"({"source":["shop"]})"}});
  json transformer{
      {"InputPathsMap", {{"item", "$.detail.item"}, {"n", "$.detail.n"}}},
      {"InputTemplate",
       R"({"what": <item>, "count": <n>, "text": "<item> x<n>", "rule": "<aws.events.rule-name>"})"}};
  ok("PutTargets", {{"Rule", "r"},
                    {"Targets",
                     {{{"Id", "a"}, {"Arn", kQueue}, {"Input", R"({"fixed":true})"}},
                      {{"Id", "b"}, {"Arn", kQueue}, {"InputPath", "$.detail.item"}},
                      {{"Id", "c"}, {"Arn", kQueue}, {"InputTransformer", transformer}},
                      {{"Id", "d"},
                       {"Arn", kQueue},
                       {"InputTransformer",
                        {{"InputPathsMap", {{"item", "$.detail.item"}}},
                         {"InputTemplate", "\"<item> is ready\""}}}}}}});
  putEvent("shop", {{"item", "pen"}, {"n", 3}});
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.queued.size() == 4; }));
  std::lock_guard lock(targets_.mutex);
  std::set<std::string> bodies;
  for (const auto& q : targets_.queued) bodies.insert(q.body);
  EXPECT_TRUE(bodies.count(R"({"fixed":true})"));
  EXPECT_TRUE(bodies.count(R"("pen")"));
  EXPECT_TRUE(bodies.count(R"({"what": "pen", "count": 3, "text": "pen x3", "rule": "r"})"));
  EXPECT_TRUE(bodies.count(R"("pen is ready")"));
}

TEST_F(EventsServiceTest, MissingTargetGoesStraightToTheDeadLetterQueue) {
  ok("PutRule", {{"Name", "r"}, {"EventPattern", R"({"source":["shop"]})"}});
  ok("PutTargets", {{"Rule", "r"},
                    {"Targets",
                     {{{"Id", "gone"},
                       {"Arn", "arn:aws:sqs:us-east-1:000000000000:missing"},
                       {"DeadLetterConfig", {{"Arn", kQueue}}}}}}});
  putEvent("shop", {{"n", 1}});
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.queued.size() == 1; }));
  std::lock_guard lock(targets_.mutex);
  const auto& dead = targets_.queued[0];
  EXPECT_EQ(dead.queueArn, kQueue);
  EXPECT_EQ(json::parse(dead.body)["source"], "shop");
  std::map<std::string, std::string> attributes;
  for (const auto& a : dead.attributes) attributes[a.name] = a.value;
  EXPECT_EQ(attributes["RULE_ARN"], "arn:aws:events:us-east-1:000000000000:rule/r");
  EXPECT_EQ(attributes["TARGET_ARN"], "arn:aws:sqs:us-east-1:000000000000:missing");
  EXPECT_EQ(attributes["ERROR_CODE"], "ResourceNotFoundException");
  EXPECT_EQ(attributes["RETRY_ATTEMPTS"], "0");
}

TEST_F(EventsServiceTest, FailingTargetIsRetriedThenDeadLettered) {
  {
    std::lock_guard lock(targets_.mutex);
    targets_.flakyFailures = 2;
  }
  std::string flaky = "arn:aws:lambda:us-east-1:000000000000:function:flaky";
  ok("PutRule", {{"Name", "r"}, {"EventPattern", R"({"source":["shop"]})"}});
  ok("PutTargets", {{"Rule", "r"}, {"Targets", {{{"Id", "f"}, {"Arn", flaky}}}}});
  putEvent("shop", {{"n", 1}});
  // Two failures, then the third attempt is accepted.
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.invoked.size() == 1; }));

  {
    std::lock_guard lock(targets_.mutex);
    targets_.flakyFailures = 5;
    targets_.invoked.clear();
  }
  ok("PutTargets", {{"Rule", "r"},
                    {"Targets",
                     {{{"Id", "f"},
                       {"Arn", flaky},
                       {"RetryPolicy", {{"MaximumRetryAttempts", 1}}},
                       {"DeadLetterConfig", {{"Arn", kQueue}}}}}}});
  putEvent("shop", {{"n", 2}});
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.queued.size() == 1; }));
  std::lock_guard lock(targets_.mutex);
  EXPECT_TRUE(targets_.invoked.empty());
  std::map<std::string, std::string> attributes;
  for (const auto& a : targets_.queued[0].attributes) attributes[a.name] = a.value;
  EXPECT_EQ(attributes["RETRY_ATTEMPTS"], "1");
  EXPECT_EQ(attributes["EXHAUSTED_RETRY_CONDITION"], "MaximumRetryAttemptsExhausted");
  EXPECT_EQ(attributes["ERROR_MESSAGE"], "store busy");
}

TEST_F(EventsServiceTest, EventBusTargetsForwardToTheirRules) {
  ok("CreateEventBus", {{"Name", "audit"}});
  ok("PutRule", {{"Name", "all"}, {"EventPattern", R"({"source":["shop"]})"}});
  json toBus = {{"Id", "bus"}, {"Arn", "arn:aws:events:us-east-1:000000000000:event-bus/audit"}};
  ok("PutTargets", {{"Rule", "all"}, {"Targets", json::array({toBus})}});
  ok("PutRule",
     {{"Name", "log"}, {"EventBusName", "audit"}, {"EventPattern", R"({"source":["shop"]})"}});
  json toQueue = {{"Id", "q"}, {"Arn", kQueue}};
  ok("PutTargets",
     {{"Rule", "log"}, {"EventBusName", "audit"}, {"Targets", json::array({toQueue})}});
  putEvent("shop", {{"n", 1}});
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.queued.size() == 1; }));
}

TEST_F(EventsServiceTest, ScheduledRulesFireTheScheduledEventShape) {
  const std::string arn = "arn:aws:events:us-east-1:000000000000:rule/tick";
  ok("PutRule", {{"Name", "tick"}, {"ScheduleExpression", "rate(5 minutes)"}});
  ok("PutTargets", {{"Rule", "tick"}, {"Targets", json::array({{{"Id", "q"}, {"Arn", kQueue}}})}});
  std::function<void(int64_t)> fire;
  {
    std::lock_guard lock(schedules_.mutex);
    ASSERT_TRUE(schedules_.scheduled.count(arn));
    EXPECT_EQ(schedules_.scheduled[arn].expression, "rate(5 minutes)");
    EXPECT_GT(schedules_.scheduled[arn].anchorMs, 0);
    fire = schedules_.scheduled[arn].fire;
  }
  fire(1'765'000'000'000);  // 2025-12-06T05:46:40Z
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.queued.size() == 1; }));
  {
    std::lock_guard lock(targets_.mutex);
    auto event = json::parse(targets_.queued[0].body);
    EXPECT_EQ(event["source"], "aws.events");
    EXPECT_EQ(event["detail-type"], "Scheduled Event");
    EXPECT_EQ(event["detail"], json::object());
    EXPECT_EQ(event["resources"], json::array({arn}));
    EXPECT_EQ(event["time"], "2025-12-06T05:46:40Z");
    EXPECT_EQ(event["account"], "000000000000");
  }
  auto listed = ok("ListRules", json::object());
  EXPECT_EQ(listed["Rules"][0]["ScheduleExpression"], "rate(5 minutes)");
  ASSERT_EQ(events_->rules().size(), 1u);
  EXPECT_TRUE(events_->rules()[0].nextFiringMs.has_value());

  ok("DisableRule", {{"Name", "tick"}});
  {
    std::lock_guard lock(schedules_.mutex);
    EXPECT_FALSE(schedules_.scheduled.count(arn));
  }
  ok("EnableRule", {{"Name", "tick"}});
  {
    std::lock_guard lock(schedules_.mutex);
    ASSERT_TRUE(schedules_.scheduled.count(arn));
    EXPECT_GE(schedules_.scheduled[arn].sinceMs, schedules_.scheduled[arn].anchorMs);
  }
  EXPECT_EQ(refused("PutRule", {{"Name", "bad"}, {"ScheduleExpression", "every day"}}),
            "ValidationException: Parameter ScheduleExpression is not valid.");
  ok("CreateEventBus", {{"Name", "orders"}});
  EXPECT_EQ(refused("PutRule", {{"Name", "bad"},
                                {"EventBusName", "orders"},
                                {"ScheduleExpression", "rate(5 minutes)"}}),
            "ValidationException: ScheduleExpression is supported only on the default event bus.");
}

TEST_F(EventsServiceTest, TestEventPattern) {
  std::string event = json{
      {"id", "1"},
      {"account", "000000000000"},
      {"source", "shop"},
      {"time", "2026-01-01T00:00:00Z"},
      {"region", "us-east-1"},
      {"detail-type", "t"},
      {"detail",
       {{"n", 3}}}}.dump();
  EXPECT_EQ(ok("TestEventPattern",
               {{"Event", event}, {"EventPattern", R"({"source":["shop"]})"}})["Result"],
            true);
  EXPECT_EQ(ok("TestEventPattern",
               {{"Event", event},
                {"EventPattern", R"({"detail":{"n":[{"numeric":[">",3]}]}})"}})["Result"],
            false);
  EXPECT_EQ(
      refused("TestEventPattern", {{"Event", event}, {"EventPattern", "{\"a\":[]}"}}).substr(0, 30),
      "InvalidEventPatternException: ");
  EXPECT_EQ(refused("TestEventPattern", {{"Event", "{}"}, {"EventPattern", R"({"a":["b"]})"}}),
            "ValidationException: Parameter Event is not valid.");
}

TEST_F(EventsServiceTest, BusesRulesAndTargetsSurviveARestart) {
  ok("CreateEventBus", {{"Name", "orders"}});
  ok("PutRule",
     {{"Name", "r"}, {"EventBusName", "orders"}, {"EventPattern", R"({"source":["shop"]})"}});
  ok("PutTargets",
     {{"Rule", "r"}, {"EventBusName", "orders"}, {"Targets", {{{"Id", "q"}, {"Arn", kQueue}}}}});
  close();
  open();
  EXPECT_EQ(ok("ListEventBuses", json::object())["EventBuses"].size(), 2u);
  EXPECT_EQ(ok("ListTargetsByRule", {{"Rule", "r"}, {"EventBusName", "orders"}})["Targets"].size(),
            1u);
  putEvent("shop", {{"n", 1}}, "orders");
  ASSERT_TRUE(targets_.waitFor([&] { return targets_.queued.size() == 1; }));
}

}  // namespace
}  // namespace nimbus::aws::events
