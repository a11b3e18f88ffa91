// The delivery rules of one queue, with time passed in: visibility timeouts, delays, redrive by
// receive count, retention, and FIFO order within groups and deduplication.
#include "aws/sqs/queue_engine.h"

#include <gtest/gtest.h>

namespace nimbus::aws::sqs {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;  // Some epoch ms.
constexpr int64_t kRetention = 345600 * 1000LL;

MessageContentPtr content(std::string id, std::string group = "", std::string dedup = "") {
  auto c = std::make_shared<MessageContent>();
  c->messageId = std::move(id);
  c->body = "body of " + c->messageId;
  c->groupId = std::move(group);
  c->dedupId = std::move(dedup);
  c->sentAtMs = kT0;
  return c;
}

class Engine {
 public:
  explicit Engine(bool fifo = false) : engine({fifo, false}) {}

  std::vector<ReceivedMessage> receive(int64_t now, int max = 10, int visibility = 30,
                                       int maxReceiveCount = 0) {
    std::vector<int64_t> expired;
    engine.advance(now, kRetention, expired);
    std::vector<ReceivedMessage> out;
    deadLetters.clear();
    engine.receive(now, max, visibility, maxReceiveCount, out, deadLetters);
    return out;
  }
  static std::vector<std::string> ids(const std::vector<ReceivedMessage>& got) {
    std::vector<std::string> out;
    for (const auto& r : got) out.push_back(r.content->messageId);
    return out;
  }
  void send(std::string id, std::string group = "", int delay = 0, int64_t now = kT0) {
    ++seq;
    engine.send(seq, content(std::move(id), std::move(group), "d" + std::to_string(seq)), delay,
                now);
  }

  QueueEngine engine;
  std::vector<QueuedMessage> deadLetters;
  int64_t seq = 0;
};

TEST(QueueEngine, ReceivedMessageIsInvisibleUntilItsVisibilityTimeout) {
  Engine e;
  e.send("a");
  auto first = e.receive(kT0, 10, 30);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].receiveCount, 1);
  EXPECT_EQ(first[0].firstReceiveAtMs, kT0);
  EXPECT_EQ(first[0].visibleAtMs, kT0 + 30000);
  EXPECT_EQ(e.engine.counts().inFlight, 1u);
  EXPECT_EQ(e.engine.nextChangeAtMs(), kT0 + 30000);
  EXPECT_TRUE(e.receive(kT0 + 29999).empty());

  auto second = e.receive(kT0 + 30000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].receiveCount, 2);
  EXPECT_EQ(second[0].firstReceiveAtMs, kT0);
  EXPECT_NE(second[0].receipt, first[0].receipt);

  // The first receive's handle is stale: SQS answers success and keeps the message.
  EXPECT_EQ(e.engine.remove({first[0].seq, first[0].receipt}, kT0 + 30001),
            QueueEngine::DeleteResult::kIgnored);
  EXPECT_EQ(e.engine.size(), 1u);
  EXPECT_EQ(e.engine.remove({second[0].seq, second[0].receipt}, kT0 + 30001),
            QueueEngine::DeleteResult::kDeleted);
  EXPECT_EQ(e.engine.size(), 0u);
  EXPECT_EQ(e.engine.remove({second[0].seq, second[0].receipt}, kT0 + 30002),
            QueueEngine::DeleteResult::kIgnored);
  EXPECT_TRUE(e.receive(kT0 + 100000).empty());
}

TEST(QueueEngine, StandardQueueDeletesWithTheLatestHandleEvenAfterItsTimeout) {
  Engine e;
  e.send("a");
  auto got = e.receive(kT0, 1, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(e.engine.remove({got[0].seq, got[0].receipt}, kT0 + 5000),
            QueueEngine::DeleteResult::kDeleted);
}

TEST(QueueEngine, ZeroVisibilityTimeoutLeavesTheMessageVisible) {
  Engine e;
  e.send("a");
  ASSERT_EQ(e.receive(kT0, 1, 0).size(), 1u);
  EXPECT_EQ(e.receive(kT0, 1, 0).size(), 1u);
}

TEST(QueueEngine, DelayedMessageIsCountedAndDeliveredWhenItsDelayEnds) {
  Engine e;
  e.send("late", "", 5);
  e.send("now");
  EXPECT_EQ(e.engine.counts().delayed, 1u);
  EXPECT_EQ(e.engine.counts().visible, 1u);
  EXPECT_EQ(Engine::ids(e.receive(kT0)), std::vector<std::string>{"now"});
  EXPECT_EQ(e.engine.nextChangeAtMs(), kT0 + 5000);
  EXPECT_TRUE(e.receive(kT0 + 4999).empty());
  EXPECT_EQ(Engine::ids(e.receive(kT0 + 5000)), std::vector<std::string>{"late"});
}

TEST(QueueEngine, ReceivesOldestFirstUpToTheMaximum) {
  Engine e;
  for (auto id : {"1", "2", "3", "4"}) e.send(id);
  EXPECT_EQ(Engine::ids(e.receive(kT0, 3)), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(Engine::ids(e.receive(kT0, 3)), (std::vector<std::string>{"4"}));
}

TEST(QueueEngine, MessageReceivedMaxReceiveCountTimesMovesOutOnTheNextReceive) {
  Engine e;
  e.send("poison");
  e.send("fine");
  int64_t t = kT0;
  for (int i = 1; i <= 2; ++i) {
    auto got = e.receive(t, 1, 10, 2);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].content->messageId, "poison");
    EXPECT_EQ(got[0].receiveCount, i);
    t += 10000;
  }
  // Third receive: "poison" has been received twice (maxReceiveCount 2) and moves out;
  // the receive goes on to the next message.
  auto got = e.receive(t, 1, 10, 2);
  ASSERT_EQ(e.deadLetters.size(), 1u);
  EXPECT_EQ(e.deadLetters[0].content->messageId, "poison");
  EXPECT_EQ(e.deadLetters[0].receiveCount, 2);
  EXPECT_EQ(Engine::ids(got), std::vector<std::string>{"fine"});
  EXPECT_EQ(e.engine.size(), 1u);
}

TEST(QueueEngine, MovedMessageKeepsItsReceiveHistory) {
  Engine dlq;
  dlq.engine.addMoved(7, content("m"), 3, kT0 - 1000);
  auto got = dlq.receive(kT0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].receiveCount, 4);
  EXPECT_EQ(got[0].firstReceiveAtMs, kT0 - 1000);
}

TEST(QueueEngine, ChangeVisibility) {
  Engine e;
  e.send("a");
  auto got = e.receive(kT0, 1, 30);
  ASSERT_EQ(got.size(), 1u);
  ReceiptRef ref{got[0].seq, got[0].receipt};
  EXPECT_EQ(e.engine.changeVisibility(ref, 60, kT0 + 1000),
            QueueEngine::VisibilityResult::kChanged);
  EXPECT_TRUE(e.receive(kT0 + 60999).empty());
  EXPECT_EQ(e.engine.changeVisibility(ref, 0, kT0 + 2000), QueueEngine::VisibilityResult::kChanged);
  EXPECT_TRUE(e.engine.receivable());
  EXPECT_EQ(e.engine.changeVisibility(ref, 10, kT0 + 2000),
            QueueEngine::VisibilityResult::kNotInFlight);
  EXPECT_EQ(e.engine.changeVisibility({ref.seq, ref.receipt + 1}, 10, kT0 + 2000),
            QueueEngine::VisibilityResult::kUnknown);
  EXPECT_EQ(e.engine.changeVisibility({99, 1}, 10, kT0), QueueEngine::VisibilityResult::kUnknown);
  EXPECT_EQ(e.receive(kT0 + 2000).size(), 1u);
}

TEST(QueueEngine, RetentionDropsOldMessages) {
  Engine e;
  e.send("old");
  std::vector<int64_t> expired;
  e.engine.advance(kT0 + 60000 - 1, 60000, expired);
  EXPECT_TRUE(expired.empty());
  e.engine.advance(kT0 + 60000, 60000, expired);
  EXPECT_EQ(expired, std::vector<int64_t>{1});
  EXPECT_EQ(e.engine.size(), 0u);
}

TEST(QueueEngine, RestoredMessagesKeepTheirState) {
  QueueEngine engine({false, false});
  QueuedMessage inFlight{.seq = 1,
                         .content = content("in-flight"),
                         .visibleAtMs = kT0 + 5000,
                         .receiveCount = 2,
                         .firstReceiveAtMs = kT0 - 9000,
                         .receipt = 77};
  QueuedMessage delayed{.seq = 2, .content = content("delayed"), .visibleAtMs = kT0 + 3000};
  QueuedMessage visible{.seq = 3,
                        .content = content("visible"),
                        .visibleAtMs = kT0 - 1,
                        .receiveCount = 1,
                        .receipt = 5};
  engine.restore(inFlight, kT0);
  engine.restore(delayed, kT0);
  engine.restore(visible, kT0);
  EXPECT_EQ(engine.counts().inFlight, 1u);
  EXPECT_EQ(engine.counts().delayed, 1u);
  EXPECT_EQ(engine.counts().visible, 1u);
  // The in-flight message can still be deleted with the handle given before the restart.
  EXPECT_EQ(engine.remove({1, 77}, kT0 + 1), QueueEngine::DeleteResult::kDeleted);
  std::vector<int64_t> expired;
  engine.advance(kT0 + 3000, kRetention, expired);
  std::vector<ReceivedMessage> out;
  std::vector<QueuedMessage> dead;
  engine.receive(kT0 + 3000, 10, 30, 0, out, dead);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].content->messageId, "delayed");
  EXPECT_EQ(out[1].content->messageId, "visible");
  EXPECT_EQ(out[1].receiveCount, 2);
}

TEST(QueueEngine, PurgeRemovesEverything) {
  Engine e;
  e.send("a");
  e.send("b");
  e.receive(kT0, 1);
  EXPECT_EQ(e.engine.purge(), 2);
  EXPECT_EQ(e.engine.size(), 0u);
  EXPECT_EQ(e.engine.counts().inFlight, 0u);
  EXPECT_TRUE(e.receive(kT0 + 100000).empty());
}

TEST(QueueEngine, FifoDeliversInOrderWithinAGroupAndBlocksItWhileInFlight) {
  Engine e(true);
  e.send("a1", "A");
  e.send("b1", "B");
  e.send("a2", "A");
  e.send("a3", "A");
  // One message: the oldest group's head.
  auto first = e.receive(kT0, 1);
  EXPECT_EQ(Engine::ids(first), std::vector<std::string>{"a1"});
  // Group A is blocked while a1 is in flight: B delivers.
  EXPECT_EQ(Engine::ids(e.receive(kT0, 10)), std::vector<std::string>{"b1"});
  EXPECT_TRUE(e.receive(kT0, 10).empty());
  ASSERT_EQ(e.engine.remove({first[0].seq, first[0].receipt}, kT0 + 1),
            QueueEngine::DeleteResult::kDeleted);
  // Then as many of A as asked for, in order.
  EXPECT_EQ(Engine::ids(e.receive(kT0 + 2, 10)), (std::vector<std::string>{"a2", "a3"}));
}

TEST(QueueEngine, FifoFillsOneReceiveFromSeveralGroups) {
  Engine e(true);
  e.send("a1", "A");
  e.send("b1", "B");
  e.send("a2", "A");
  EXPECT_EQ(Engine::ids(e.receive(kT0, 10)), (std::vector<std::string>{"a1", "a2", "b1"}));
}

TEST(QueueEngine, FifoRedeliversTheSameOrderAfterTheTimeout) {
  Engine e(true);
  e.send("a1", "A");
  e.send("a2", "A");
  ASSERT_EQ(e.receive(kT0, 1, 10).size(), 1u);
  EXPECT_TRUE(e.receive(kT0 + 9999).empty());
  EXPECT_EQ(Engine::ids(e.receive(kT0 + 10000, 10)), (std::vector<std::string>{"a1", "a2"}));
}

TEST(QueueEngine, FifoDeleteWithAnExpiredHandleIsRefused) {
  Engine e(true);
  e.send("a1", "A");
  auto got = e.receive(kT0, 1, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(e.engine.remove({got[0].seq, got[0].receipt}, kT0 + 10000),
            QueueEngine::DeleteResult::kExpired);
  EXPECT_EQ(e.engine.size(), 1u);
}

TEST(QueueEngine, FifoDropsDuplicatesForFiveMinutes) {
  QueueEngine engine({true, false});
  auto first = engine.send(1, content("m1", "g", "same"), 0, kT0);
  EXPECT_FALSE(first.duplicate);
  auto again =
      engine.send(2, content("m2", "other-group", "same"), 0, kT0 + kDeduplicationWindowMs - 1);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.content->messageId, "m1");
  EXPECT_EQ(engine.size(), 1u);
  // Deleting the first does not end the window.
  std::vector<ReceivedMessage> out;
  std::vector<QueuedMessage> dead;
  engine.receive(kT0, 1, 30, 0, out, dead);
  ASSERT_EQ(engine.remove({out[0].seq, out[0].receipt}, kT0 + 1),
            QueueEngine::DeleteResult::kDeleted);
  EXPECT_TRUE(engine.send(3, content("m3", "g", "same"), 0, kT0 + 2).duplicate);
  auto later = engine.send(4, content("m4", "g", "same"), 0, kT0 + kDeduplicationWindowMs);
  EXPECT_FALSE(later.duplicate);
  EXPECT_EQ(engine.size(), 1u);
}

TEST(QueueEngine, FifoDeduplicationPerMessageGroup) {
  QueueEngine engine({true, true});
  EXPECT_FALSE(engine.send(1, content("m1", "g1", "same"), 0, kT0).duplicate);
  EXPECT_FALSE(engine.send(2, content("m2", "g2", "same"), 0, kT0).duplicate);
  EXPECT_TRUE(engine.send(3, content("m3", "g1", "same"), 0, kT0).duplicate);
}

TEST(QueueEngine, FifoRedriveMovesTheHeadAndGoesOn) {
  Engine e(true);
  e.send("a1", "A");
  e.send("a2", "A");
  ASSERT_EQ(Engine::ids(e.receive(kT0, 1, 1, 1)), std::vector<std::string>{"a1"});
  auto got = e.receive(kT0 + 1000, 1, 1, 1);
  ASSERT_EQ(e.deadLetters.size(), 1u);
  EXPECT_EQ(e.deadLetters[0].content->messageId, "a1");
  EXPECT_EQ(Engine::ids(got), std::vector<std::string>{"a2"});
}

}  // namespace
}  // namespace nimbus::aws::sqs
