// The stream poller against a stream source in memory and a stand-in for the function, with the
// real store (SQLite in a temporary directory) keeping positions: order, batches, the signal that
// wakes the poller, partial batch failures, retries, bisection, OnFailure records, filters,
// record age, and a restart that resumes where the last poller stopped.
#include "lambda/stream_poller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/ids.h"
#include "lambda/stream_checkpoints.h"
#include "lambda/stream_source.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::lambda {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kStream =
    "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2024-01-01T00:00:00.000";

std::string sequenceNumber(int64_t sequence) {
  std::string digits = std::to_string(sequence);
  return "1" + std::string(20 - digits.size(), '0') + digits;
}

// A stream in memory: one shard, records numbered from 1.
class MemoryStream : public StreamSource {
 public:
  // Adds a record whose key is `key`, made `ageMs` ago, and signals the watchers.
  int64_t append(const std::string& key, const std::string& eventName = "INSERT",
                 int64_t ageMs = 0) {
    int64_t sequence;
    {
      std::lock_guard lock(mutex_);
      sequence = next_++;
      auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
      json record = {{"eventID", std::to_string(sequence)},
                     {"eventName", eventName},
                     {"eventVersion", "1.1"},
                     {"eventSource", "aws:dynamodb"},
                     {"awsRegion", "us-east-1"},
                     {"dynamodb",
                      {{"Keys", {{"id", {{"S", key}}}}},
                       {"NewImage", {{"id", {{"S", key}}}}},
                       {"SequenceNumber", sequenceNumber(sequence)},
                       {"SizeBytes", 10},
                       {"StreamViewType", "NEW_IMAGE"}}}};
      records_.push_back({sequence, sequenceNumber(sequence), now - ageMs, record.dump()});
      // Under the lock, as DynamoDB's engine signals under the table's lock.
      std::erase_if(watchers_, [](const auto& wake) { return !wake(); });
    }
    return sequence;
  }

  bool exists(const std::string& arn) override { return arn == kStream; }

  StreamReadResult read(const std::string& arn, int64_t from, size_t maxRecords) override {
    std::lock_guard lock(mutex_);
    StreamReadResult result;
    if (arn != kStream) {
      result.error = "no such stream";
      return result;
    }
    result.streamId = kStream;
    result.shardId = "shardId-00000001704067200000-0000abcd";
    result.first = records_.empty() ? next_ : records_.front().sequence;
    result.next = next_;
    for (const auto& r : records_) {
      if (result.records.size() >= maxRecords) break;
      if (r.sequence >= from) result.records.push_back(r);
    }
    ++reads_;
    return result;
  }

  void watch(const std::string&, std::function<bool()> wake) override {
    std::lock_guard lock(mutex_);
    watchers_.push_back(std::move(wake));
  }

  size_t watchers() {
    std::lock_guard lock(mutex_);
    return watchers_.size();
  }

 private:
  std::mutex mutex_;
  std::vector<StreamRecordData> records_;
  int64_t next_ = 1;
  std::vector<std::function<bool()>> watchers_;
  size_t reads_ = 0;
};

// The function: records each batch (the keys of its records) and answers as `respond` says.
class Function {
 public:
  using Respond = std::function<InvokeResult(const std::vector<std::string>& keys,
                                             const std::vector<std::string>& sequences)>;
  explicit Function(Respond respond) : respond_(std::move(respond)) {}

  StreamInvoke invoker() {
    return [this](InvokeRequest request, InvokeCallback done) {
      json event = json::parse(request.payload);
      std::vector<std::string> keys, sequences;
      for (const auto& r : event["Records"]) {
        keys.push_back(r["dynamodb"]["Keys"]["id"]["S"]);
        sequences.push_back(r["dynamodb"]["SequenceNumber"]);
        EXPECT_EQ(r["eventSourceARN"], kStream);
      }
      InvokeResult result = respond_(keys, sequences);
      if (result.requestId.empty()) result.requestId = newUuid();
      {
        std::lock_guard lock(mutex_);
        batches_.push_back(keys);
        events_.push_back(event);
      }
      cv_.notify_all();
      done(std::move(result));
    };
  }

  // Waits until `count` batches came; returns them.
  std::vector<std::vector<std::string>> waitFor(size_t count) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, 10s, [&] { return batches_.size() >= count; });
    return batches_;
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  json event(size_t i) {
    std::lock_guard lock(mutex_);
    return events_.at(i);
  }

 private:
  Respond respond_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::vector<std::string>> batches_;
  std::vector<json> events_;
};

InvokeResult success(std::string payload = "null") {
  InvokeResult r;
  r.status = InvokeStatus::Ok;
  r.payload = std::move(payload);
  return r;
}

InvokeResult failure() {
  InvokeResult r;
  r.status = InvokeStatus::FunctionError;
  r.payload = R"({"errorMessage":"boom","errorType":"Error"})";
  r.errorType = "Error";
  return r;
}

// What OnFailure destinations received.
class Destinations {
 public:
  DestinationSender sender() {
    return [this](const std::string& arn, std::string body, std::vector<DestinationAttribute>,
                  std::function<void(const std::string&)> done) {
      {
        std::lock_guard lock(mutex_);
        sent_.emplace_back(arn, json::parse(body));
      }
      cv_.notify_all();
      done("");
    };
  }
  std::vector<std::pair<std::string, json>> waitFor(size_t count) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, 10s, [&] { return sent_.size() >= count; });
    return sent_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, json>> sent_;
};

class StreamPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nimbus-stream-poller-" + newUuid());
    fs::create_directories(dir_);
    openStore();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    for (auto& p : pollers_) p->stop();
    pollers_.clear();
    work_.reset();
    io_.stop();
    thread_.join();
    // Only now, with no handler left to run, may what the pollers call go.
    functions_.clear();
    destinations_.clear();
    checkpoints_.reset();
    retired_.clear();
    store_->stop();
    fs::remove_all(dir_);
  }

  void openStore() {
    std::string error;
    store_ = store::openSqliteStore(dir_ / "nimbus.db", error);
    ASSERT_NE(store_, nullptr) << error;
    checkpoints_ = std::make_unique<StreamCheckpoints>(*store_);
    checkpoints_->load();
  }

  EventSourceMapping mapping(int batchSize = 100) {
    EventSourceMapping m;
    m.uuid = "0f1e2d3c-0000-4000-8000-000000000001";
    m.eventSourceArn = kStream;
    m.functionName = "worker";
    m.batchSize = batchSize;
    m.stream.emplace();
    return m;
  }

  // A function and destinations that live as long as the test's pollers may call them.
  Function& function(Function::Respond respond) {
    functions_.push_back(std::make_unique<Function>(std::move(respond)));
    return *functions_.back();
  }
  Destinations& destinations() {
    destinations_.push_back(std::make_unique<Destinations>());
    return *destinations_.back();
  }

  StreamPoller& start(Function& f, EventSourceMapping m, DestinationSender onFailure = {}) {
    StreamPollerOptions options;
    options.idlePoll = 1h;  // Only the source's signal wakes an idle poller.
    options.backOff = 10ms;
    options.retryBase = 5ms;
    options.retryMax = 20ms;
    pollers_.push_back(std::make_unique<StreamPoller>(io_, f.invoker(), stream_, *checkpoints_,
                                                      std::move(onFailure), std::move(m),
                                                      "us-east-1", options));
    pollers_.back()->start();
    return *pollers_.back();
  }

  // Waits until the position kept in the store (durably) is `position`.
  void waitForPosition(int64_t position) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& r : store_->records("lambda.stream-position")) {
        if (json::parse(r.value)["position"] == position) return;
      }
      std::this_thread::sleep_for(2ms);
    }
    FAIL() << "the stored position never reached " << position;
  }

  fs::path dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread thread_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StreamCheckpoints> checkpoints_;
  std::vector<std::unique_ptr<StreamCheckpoints>> retired_;  // Read by stopped pollers.
  MemoryStream stream_;
  std::vector<std::unique_ptr<StreamPoller>> pollers_;
  std::vector<std::unique_ptr<Function>> functions_;
  std::vector<std::unique_ptr<Destinations>> destinations_;
};

using Batches = std::vector<std::vector<std::string>>;

TEST_F(StreamPollerTest, DeliversRecordsInOrderFromTheTrimHorizonAndWakesOnNewOnes) {
  Function& f = function([](auto&, auto&) { return success(); });
  StreamPoller& poller = start(f, mapping(2));
  waitForPosition(1);
  EXPECT_EQ(poller.lastProcessingResult(), "No records processed");
  // The idle poller waits for the source's signal (its timer is an hour).
  stream_.append("a");
  stream_.append("b");
  stream_.append("c");
  waitForPosition(4);
  EXPECT_EQ(poller.lastProcessingResult(), "OK");
  std::vector<std::string> keys;
  for (const auto& batch : f.batches()) {
    EXPECT_LE(batch.size(), 2u);
    keys.insert(keys.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c"}));
  size_t before = f.batches().size();

  stream_.append("d");
  EXPECT_EQ(f.waitFor(before + 1).back(), (std::vector<std::string>{"d"}));

  // Lambda's event: the records as the stream gives them, with eventSourceARN.
  json record = f.event(before)["Records"][0];
  EXPECT_EQ(record["eventName"], "INSERT");
  EXPECT_EQ(record["eventSourceARN"], kStream);
  EXPECT_EQ(record["dynamodb"]["SequenceNumber"], sequenceNumber(4));
}

TEST_F(StreamPollerTest, LatestStartsAfterWhatIsThereAndIsKeptAcrossARestart) {
  stream_.append("old");
  Function& f = function([](auto&, auto&) { return success(); });
  auto m = mapping();
  m.stream->startingPosition = "LATEST";
  start(f, m);
  waitForPosition(2);  // LATEST is saved before any record is processed.
  stream_.append("new");
  EXPECT_EQ(f.waitFor(1), (Batches{{"new"}}));
  waitForPosition(3);

  // A new poller (a restart: positions read again from the store) resumes after "new".
  pollers_.back()->stop();
  retired_.push_back(std::move(checkpoints_));
  checkpoints_ = std::make_unique<StreamCheckpoints>(*store_);
  checkpoints_->load();
  stream_.append("after");
  Function& g = function([](auto&, auto&) { return success(); });
  start(g, m);
  EXPECT_EQ(g.waitFor(1), (Batches{{"after"}}));
  EXPECT_EQ(stream_.watchers(), 1u);  // The stopped poller's signal was forgotten.
}

TEST_F(StreamPollerTest, ReportedItemFailuresAreRetriedFromTheFirstFailedRecord) {
  for (const char* key : {"a", "b", "c", "d"}) stream_.append(key);
  auto calls = std::make_shared<std::atomic<int>>(0);  // Outlives the test body.
  Function& f = function(
      [calls](const std::vector<std::string>& keys, const std::vector<std::string>& sequences) {
        // The first time, "c" (and "d") fail; then all succeed.
        if (++*calls == 1) {
          return success(
              json{{"batchItemFailures",
                    {{{"itemIdentifier", sequences[3]}}, {{"itemIdentifier", sequences[2]}}}}}
                  .dump());
        }
        (void)keys;
        return success(R"({"batchItemFailures":[]})");
      });
  auto m = mapping();
  m.reportBatchItemFailures = true;
  start(f, m);
  EXPECT_EQ(f.waitFor(2), (Batches{{"a", "b", "c", "d"}, {"c", "d"}}));
  waitForPosition(5);
}

TEST_F(StreamPollerTest, AnUnreadableFailureReportFailsTheWholeBatch) {
  stream_.append("a");
  stream_.append("b");
  auto calls = std::make_shared<std::atomic<int>>(0);  // Outlives the test body.
  Function& f = function([calls](auto&, auto&) {
    return ++*calls == 1 ? success(R"({"batchItemFailures":[{"itemIdentifier":""}]})") : success();
  });
  auto m = mapping();
  m.reportBatchItemFailures = true;
  start(f, m);
  EXPECT_EQ(f.waitFor(2), (Batches{{"a", "b"}, {"a", "b"}}));
}

TEST_F(StreamPollerTest, ExhaustedRetriesSendTheBatchToOnFailureAndMoveOn) {
  stream_.append("bad");
  stream_.append("bad2");
  Function& f = function([](const std::vector<std::string>& keys, auto&) {
    return keys.front().starts_with("bad") ? failure() : success();
  });
  Destinations& destinations = this->destinations();
  auto m = mapping();
  m.stream->maximumRetryAttempts = 2;
  m.stream->onFailureDestination = "arn:aws:sqs:us-east-1:000000000000:failures";
  StreamPoller& poller = start(f, m, destinations.sender());
  auto sent = destinations.waitFor(1);
  ASSERT_EQ(sent.size(), 1u);
  // One invocation and two retries.
  EXPECT_EQ(f.batches(), (Batches{{"bad", "bad2"}, {"bad", "bad2"}, {"bad", "bad2"}}));
  EXPECT_EQ(sent[0].first, "arn:aws:sqs:us-east-1:000000000000:failures");
  const json& record = sent[0].second;
  EXPECT_EQ(record["version"], "1.0");
  EXPECT_EQ(record["requestContext"]["condition"], "RetryAttemptsExhausted");
  EXPECT_EQ(record["requestContext"]["approximateInvokeCount"], 3);
  EXPECT_EQ(record["requestContext"]["functionArn"],
            "arn:aws:lambda:us-east-1:000000000000:function:worker");
  EXPECT_EQ(record["responseContext"]["functionError"], "Unhandled");
  EXPECT_EQ(record["responseContext"]["statusCode"], 200);
  const json& info = record["DDBStreamBatchInfo"];
  EXPECT_EQ(info["shardId"], "shardId-00000001704067200000-0000abcd");
  EXPECT_EQ(info["startSequenceNumber"], sequenceNumber(1));
  EXPECT_EQ(info["endSequenceNumber"], sequenceNumber(2));
  EXPECT_EQ(info["batchSize"], 2);
  EXPECT_EQ(info["streamArn"], kStream);
  EXPECT_EQ(info["approximateArrivalOfFirstRecord"].get<std::string>().size(), 20u);
  EXPECT_EQ(poller.lastProcessingResult(), "PROBLEM: Function call failed");

  // The shard is free again.
  stream_.append("good");
  EXPECT_EQ(f.waitFor(4).back(), (std::vector<std::string>{"good"}));
  waitForPosition(4);
}

TEST_F(StreamPollerTest, BisectionNarrowsAFailingBatchToItsPoisonRecord) {
  for (const char* key : {"a", "b", "poison", "d"}) stream_.append(key);
  Function& f = function([](const std::vector<std::string>& keys, auto&) {
    return std::find(keys.begin(), keys.end(), "poison") != keys.end() ? failure() : success();
  });
  Destinations& destinations = this->destinations();
  auto m = mapping();
  m.stream->bisectBatchOnFunctionError = true;
  m.stream->maximumRetryAttempts = 0;
  m.stream->onFailureDestination = "arn:aws:sns:us-east-1:000000000000:failures";
  start(f, m, destinations.sender());
  auto sent = destinations.waitFor(1);
  EXPECT_EQ(f.waitFor(5),
            (Batches{{"a", "b", "poison", "d"}, {"a", "b"}, {"poison", "d"}, {"poison"}, {"d"}}));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].second["DDBStreamBatchInfo"]["batchSize"], 1);
  EXPECT_EQ(sent[0].second["DDBStreamBatchInfo"]["startSequenceNumber"], sequenceNumber(3));
  waitForPosition(5);
}

TEST_F(StreamPollerTest, FiltersLetOnlyMatchingRecordsThroughAndSkipTheRest) {
  stream_.append("a", "INSERT");
  stream_.append("b", "MODIFY");
  stream_.append("c", "INSERT");
  stream_.append("d", "REMOVE");
  Function& f = function([](auto&, auto&) { return success(); });
  auto m = mapping();
  m.filterPatterns = {R"({"eventName": ["INSERT"]})",
                      R"({"dynamodb": {"Keys": {"id": {"S": [{"prefix": "d"}]}}}})"};
  start(f, m);
  EXPECT_EQ(f.waitFor(1), (Batches{{"a", "c", "d"}}));
  waitForPosition(5);
  // Records no filter lets through are processed without an invocation.
  stream_.append("e", "MODIFY");
  waitForPosition(6);
  EXPECT_EQ(f.batches().size(), 1u);
}

TEST_F(StreamPollerTest, RecordsOlderThanTheMaximumAgeAreDiscardedUnseen) {
  stream_.append("stale", "INSERT", 120'000);
  stream_.append("fresh");
  Function& f = function([](auto&, auto&) { return success(); });
  Destinations& destinations = this->destinations();
  auto m = mapping();
  m.stream->maximumRecordAgeSeconds = 60;
  m.stream->onFailureDestination = "arn:aws:sqs:us-east-1:000000000000:failures";
  start(f, m, destinations.sender());
  auto sent = destinations.waitFor(1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].second["requestContext"]["condition"], "RecordAgeExceeded");
  EXPECT_EQ(sent[0].second["requestContext"]["approximateInvokeCount"], 0);
  EXPECT_FALSE(sent[0].second.contains("responseContext"));
  EXPECT_EQ(f.waitFor(1), (Batches{{"fresh"}}));
}

TEST_F(StreamPollerTest, ThrottlingIsRetriedWithoutCountingAttempts) {
  stream_.append("a");
  auto calls = std::make_shared<std::atomic<int>>(0);  // Outlives the test body.
  Function& f = function([calls](auto&, auto&) {
    if (++*calls <= 3) {
      InvokeResult r;
      r.status = InvokeStatus::Throttled;
      return r;
    }
    return success();
  });
  auto m = mapping();
  m.stream->maximumRetryAttempts = 0;
  start(f, m);
  EXPECT_EQ(f.waitFor(4).size(), 4u);
  waitForPosition(2);
}

// Lambda's DynamoDB event has the shape of AWS's sample: each record as the stream gives it, and
// eventSourceARN.
TEST(StreamEvent, MatchesLambdasShape) {
  std::ifstream in(std::string(NIMBUS_CONFORMANCE_DIR) + "/dynamodb-stream-event.json");
  std::stringstream text;
  text << in.rdbuf();
  json sample = json::parse(text.str())["Records"][1];
  std::string arn = sample["eventSourceARN"];
  json record = sample;
  record.erase("eventSourceARN");
  StreamRecordData data{1, "1405400000000002063282832", 0, record.dump()};
  json event = json::parse(buildStreamEvent({data, data}, arn));
  ASSERT_EQ(event["Records"].size(), 2u);
  EXPECT_EQ(event["Records"][0], sample);
  EXPECT_EQ(json::parse(buildStreamEvent({}, arn)), json::parse(R"({"Records":[]})"));
}

}  // namespace
}  // namespace nimbus::lambda
