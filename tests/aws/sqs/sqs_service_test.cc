// The SQS service with a real SQLite store and a real io_context: durability across a reopen,
// long polling woken by sends and by delays, redrive to a dead-letter queue, notification.
#include "aws/sqs/sqs_service.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::aws::sqs {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A service over a store in `file`, with its io_context run by one thread.
class Running {
 public:
  explicit Running(const fs::path& file, int threads = 1)
      : work_(boost::asio::make_work_guard(io_)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    std::string error;
    store_ = store::openSqliteStore(file, error);
    EXPECT_NE(store_, nullptr) << error;
    service_ = std::make_unique<SqsService>(io_, *store_, SqsSettings{});
    warnings_ = service_->load();
  }
  ~Running() {
    service_->stop();
    store_->stop();
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  SqsService& sqs() { return *service_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

  std::optional<SqsError> create(const std::string& name,
                                 std::map<std::string, std::string> attributes = {}) {
    std::promise<std::optional<SqsError>> p;
    service_->createQueue(name, attributes, {}, [&](std::optional<SqsError> e) { p.set_value(e); });
    return p.get_future().get();
  }
  std::vector<Result<SentMessage>> send(const std::string& queue, std::vector<OutgoingMessage> m) {
    std::promise<Result<std::vector<Result<SentMessage>>>> p;
    service_->send(queue, std::move(m), [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : std::vector<Result<SentMessage>>{};
  }
  Result<SentMessage> sendOne(const std::string& queue, std::string body) {
    OutgoingMessage m;
    m.body = std::move(body);
    return send(queue, {std::move(m)}).at(0);
  }
  std::future<Result<std::vector<Delivery>>> receiveAsync(const std::string& queue,
                                                          ReceiveOptions options) {
    auto p = std::make_shared<std::promise<Result<std::vector<Delivery>>>>();
    auto f = p->get_future();
    service_->receive(queue, options, [p](auto r) { p->set_value(std::move(r)); });
    return f;
  }
  std::vector<Delivery> receive(const std::string& queue, ReceiveOptions options = {}) {
    auto r = receiveAsync(queue, options).get();
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : std::vector<Delivery>{};
  }
  SqsService::EntryErrors remove(const std::string& queue, std::vector<std::string> handles) {
    std::promise<Result<SqsService::EntryErrors>> p;
    service_->deleteMessages(queue, std::move(handles), [&](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : SqsService::EntryErrors{};
  }
  QueueCounts counts(const std::string& queue) {
    auto s = service_->describeQueue(queue);
    EXPECT_TRUE(s.ok());
    return s.ok() ? s.value().counts : QueueCounts{};
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SqsService> service_;
  std::vector<std::string> warnings_;
};

class SqsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nimbus-sqs-service-test-" + randomHex(12));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path file() const { return dir_ / "nimbus.db"; }

  fs::path dir_;
};

std::vector<std::string> bodies(const std::vector<Delivery>& got) {
  std::vector<std::string> out;
  for (const auto& d : got) out.push_back(d.content->body);
  return out;
}

TEST_F(SqsServiceTest, QueuesAndMessagesSurviveAReopen) {
  std::string deletedHandle;
  {
    Running r(file());
    ASSERT_FALSE(r.create("orders", {{"VisibilityTimeout", "120"}}));
    for (auto body : {"one", "two", "three"}) ASSERT_TRUE(r.sendOne("orders", body).ok());
    auto got = r.receive("orders", {.maxMessages = 1});
    ASSERT_EQ(bodies(got), std::vector<std::string>{"one"});
    auto errors = r.remove("orders", {got[0].receiptHandle});
    ASSERT_FALSE(errors.at(0));
    // "two" is received and in flight for two minutes when nimbus stops.
    ASSERT_EQ(bodies(r.receive("orders", {.maxMessages = 1})), std::vector<std::string>{"two"});
  }
  Running r(file());
  EXPECT_TRUE(r.warnings().empty());
  auto snapshot = r.sqs().describeQueue("orders");
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot.value().config.visibilityTimeout, 120);
  EXPECT_EQ(snapshot.value().counts.visible, 1u);
  EXPECT_EQ(snapshot.value().counts.inFlight, 1u);
  auto got = r.receive("orders", {.maxMessages = 10});
  // "one" was deleted and "two" is still invisible: only "three".
  EXPECT_EQ(bodies(got), std::vector<std::string>{"three"});
}

TEST_F(SqsServiceTest, LongPollIsAnsweredBySend) {
  Running r(file());
  ASSERT_FALSE(r.create("q"));
  auto start = std::chrono::steady_clock::now();
  // receive() registers the waiter before it returns: the send below finds it waiting.
  auto pending = r.receiveAsync("q", {.maxMessages = 5, .waitTimeSeconds = 20});
  ASSERT_EQ(pending.wait_for(0s), std::future_status::timeout);
  ASSERT_TRUE(r.sendOne("q", "wake up").ok());
  auto got = pending.get();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(bodies(got.value()), std::vector<std::string>{"wake up"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST_F(SqsServiceTest, LongPollIsAnsweredWhenADelayEnds) {
  Running r(file());
  ASSERT_FALSE(r.create("q"));
  OutgoingMessage m;
  m.body = "later";
  m.delaySeconds = 1;
  ASSERT_TRUE(r.send("q", {m}).at(0).ok());
  EXPECT_EQ(r.counts("q").delayed, 1u);
  auto start = std::chrono::steady_clock::now();
  auto got = r.receive("q", {.waitTimeSeconds = 20});
  EXPECT_EQ(bodies(got), std::vector<std::string>{"later"});
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 500ms);  // Not before the delay ends...
  EXPECT_LT(waited, 10s);    // ...and not at the end of the wait.
}

TEST_F(SqsServiceTest, LongPollWithoutMessagesAnswersEmptyAtTheEnd) {
  Running r(file());
  ASSERT_FALSE(r.create("q"));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(r.receive("q", {.waitTimeSeconds = 1}).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST_F(SqsServiceTest, RedriveMovesToTheDeadLetterQueue) {
  Running r(file());
  ASSERT_FALSE(r.create("dlq"));
  ASSERT_FALSE(
      r.create("work", {{"RedrivePolicy",
                         "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\","
                         "\"maxReceiveCount\":\"1\"}"}}));
  ASSERT_TRUE(r.sendOne("work", "poison").ok());
  ASSERT_EQ(r.receive("work", {.visibilityTimeout = 0}).size(), 1u);
  // Received once already (maxReceiveCount 1): this receive moves it.
  EXPECT_TRUE(r.receive("work").empty());
  auto got = r.receive("dlq", {.waitTimeSeconds = 5});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].content->body, "poison");
  EXPECT_EQ(got[0].content->deadLetterSourceArn, "arn:aws:sqs:us-east-1:000000000000:work");
  EXPECT_EQ(got[0].receiveCount, 2);
  EXPECT_EQ(r.counts("work").visible + r.counts("work").inFlight, 0u);
}

TEST_F(SqsServiceTest, RedrivePolicyNeedsAnExistingTarget) {
  Running r(file());
  auto error = r.create("work", {{"RedrivePolicy",
                                  "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:"
                                  "none\",\"maxReceiveCount\":3}"}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kInvalidParameterValue);
}

TEST_F(SqsServiceTest, WatchersHearOfSends) {
  Running r(file());
  ASSERT_FALSE(r.create("q"));
  auto heard = std::make_shared<std::promise<void>>();
  auto once = std::make_shared<std::once_flag>();
  uint64_t id =
      r.sqs().watch("q", [heard, once] { std::call_once(*once, [&] { heard->set_value(); }); });
  ASSERT_NE(id, 0u);
  auto future = heard->get_future();
  EXPECT_EQ(future.wait_for(0s), std::future_status::timeout);
  ASSERT_TRUE(r.sendOne("q", "x").ok());
  EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
  r.sqs().unwatch("q", id);
  EXPECT_EQ(r.sqs().watch("missing", [] {}), 0u);
}

TEST_F(SqsServiceTest, ADeletedQueuesMessagesNeverComeBack) {
  {
    Running r(file());
    ASSERT_FALSE(r.create("q"));
    ASSERT_TRUE(r.sendOne("q", "old").ok());
    std::promise<std::optional<SqsError>> p;
    r.sqs().deleteQueue("q", [&](auto e) { p.set_value(e); });
    ASSERT_FALSE(p.get_future().get());
    ASSERT_FALSE(r.create("q"));
    ASSERT_TRUE(r.sendOne("q", "new").ok());
  }
  Running r(file());
  EXPECT_EQ(bodies(r.receive("q", {.maxMessages = 10})), std::vector<std::string>{"new"});
}

TEST_F(SqsServiceTest, HandlesOfOtherQueuesAreInvalid) {
  Running r(file());
  ASSERT_FALSE(r.create("a"));
  ASSERT_FALSE(r.create("b"));
  ASSERT_TRUE(r.sendOne("a", "x").ok());
  auto got = r.receive("a");
  ASSERT_EQ(got.size(), 1u);
  auto errors = r.remove("b", {got[0].receiptHandle, "not-a-handle"});
  ASSERT_TRUE(errors.at(0));
  EXPECT_EQ(errors[0]->code, ErrorCode::kReceiptHandleIsInvalid);
  ASSERT_TRUE(errors.at(1));
  EXPECT_FALSE(r.remove("a", {got[0].receiptHandle}).at(0));
}

TEST_F(SqsServiceTest, CreateQueueIsIdempotentOnlyForTheSameAttributes) {
  Running r(file());
  ASSERT_FALSE(r.create("q", {{"VisibilityTimeout", "45"}}));
  EXPECT_FALSE(r.create("q", {{"VisibilityTimeout", "45"}}));
  EXPECT_FALSE(r.create("q"));
  auto error = r.create("q", {{"VisibilityTimeout", "46"}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kQueueNameExists);
  error = r.create("bad name");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kInvalidParameterValue);
  error = r.create("q2", {{"VisibilityTimeout", "43201"}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kInvalidAttributeValue);
  error = r.create("q3", {{"Nonsense", "1"}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kInvalidAttributeName);
}

TEST_F(SqsServiceTest, FifoOrderAndDeduplicationThroughTheService) {
  Running r(file());
  ASSERT_FALSE(r.create("f.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}));
  std::vector<OutgoingMessage> batch;
  for (auto body : {"1", "2", "3", "1"}) {
    OutgoingMessage m;
    m.body = body;
    m.groupId = "g";
    batch.push_back(m);
  }
  auto sent = r.send("f.fifo", batch);
  ASSERT_EQ(sent.size(), 4u);
  // The second "1" is a duplicate (content-based): the first's id, nothing added.
  EXPECT_EQ(sent[3].value().messageId, sent[0].value().messageId);
  EXPECT_LT(sent[0].value().sequenceNumber, sent[1].value().sequenceNumber);
  EXPECT_EQ(bodies(r.receive("f.fifo", {.maxMessages = 10})),
            (std::vector<std::string>{"1", "2", "3"}));
}

// Producers and consumers on several threads, with the io_context on two: every message sent is
// received and deleted, none twice while its visibility timeout holds, and nothing is left.
TEST_F(SqsServiceTest, ConcurrentProducersAndConsumersLoseNothing) {
  constexpr int kProducers = 3;
  constexpr int kConsumers = 3;
  constexpr int kBatchesPerProducer = 40;
  constexpr size_t kTotal = size_t{kProducers} * kBatchesPerProducer * 10;
  Running r(file(), 2);
  ASSERT_FALSE(r.create("busy", {{"VisibilityTimeout", "60"}}));
  std::mutex mutex;
  std::set<std::string> deleted;
  size_t duplicates = 0;
  std::atomic<bool> producing = true;
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int b = 0; b < kBatchesPerProducer; ++b) {
        std::vector<OutgoingMessage> batch(10);
        for (int i = 0; i < 10; ++i) {
          batch[i].body = std::to_string(p) + "-" + std::to_string(b) + "-" + std::to_string(i);
        }
        for (auto& result : r.send("busy", std::move(batch))) EXPECT_TRUE(result.ok());
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        auto got = r.receive("busy", {.maxMessages = 10, .waitTimeSeconds = 1});
        if (got.empty()) {
          std::lock_guard lock(mutex);
          if (!producing && deleted.size() + duplicates >= kTotal) return;
          if (!producing && r.counts("busy").visible == 0) return;
          continue;
        }
        std::vector<std::string> handles;
        {
          std::lock_guard lock(mutex);
          for (const auto& d : got) {
            if (!deleted.insert(d.content->body).second) ++duplicates;
            handles.push_back(d.receiptHandle);
          }
        }
        for (const auto& e : r.remove("busy", handles)) EXPECT_FALSE(e);
      }
    });
  }
  for (int p = 0; p < kProducers; ++p) threads[p].join();
  producing = false;
  for (size_t i = kProducers; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(deleted.size(), kTotal);
  auto counts = r.counts("busy");
  EXPECT_EQ(counts.visible + counts.inFlight + counts.delayed, 0u);
}

}  // namespace
}  // namespace nimbus::aws::sqs
