// The SQS part of the SQLite store: queues and messages written through the group-commit writer,
// read back after a reopen, and acknowledged writes surviving SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store_fixture.h"

namespace nimbus::store {
namespace {

namespace fs = std::filesystem;
using store_test::await;

class SqsStoreTest : public store_test::StoreFileTest {
 protected:
  SqsStoreTest() : StoreFileTest("nimbus-sqs-store-test-") {}
};

std::string write(Store& store, SqsWrite w) {
  return await([&](CommitCallback cb) { store.writeSqsMessages(std::move(w), std::move(cb)); });
}

std::string putQueue(Store& store, int64_t id, std::string name) {
  return await([&](CommitCallback cb) {
    store.putSqsQueue({id, std::move(name), "{\"VisibilityTimeout\":\"30\"}"}, std::move(cb));
  });
}

SqsMessageRow message(int64_t seq, int64_t queueId, std::string body = "hello") {
  return SqsMessageRow{.seq = seq,
                       .queueId = queueId,
                       .messageId = "id-" + std::to_string(seq),
                       .body = std::move(body),
                       .attributes = std::string("\x01\x00\x02", 3),
                       .groupId = "g",
                       .dedupId = "d" + std::to_string(seq),
                       .sentAtMs = 1000 + seq,
                       .visibleAtMs = 2000 + seq};
}

std::map<int64_t, SqsMessageRow> readAll(Store& store) {
  std::map<int64_t, SqsMessageRow> out;
  store.readSqsMessages([&](SqsMessageRow&& row) { out.emplace(row.seq, std::move(row)); });
  return out;
}

TEST_F(SqsStoreTest, MessagesArePutUpdatedDeletedAndSurviveReopen) {
  {
    auto store = open();
    ASSERT_EQ(putQueue(*store, 1, "orders"), "");
    SqsWrite first;
    for (int64_t seq = 1; seq <= 5; ++seq) first.puts.push_back(message(seq, 1));
    ASSERT_EQ(write(*store, std::move(first)), "");

    SqsWrite second;
    second.updates.push_back({.seq = 2,
                              .visibleAtMs = 99000,
                              .receiveCount = 3,
                              .firstReceiveAtMs = 5000,
                              .receipt = -42});
    second.deletes = {4, 77};  // 77 was never stored: not an error.
    ASSERT_EQ(write(*store, std::move(second)), "");
  }
  auto store = open();
  auto queues = store->sqsQueues();
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0].id, 1);
  EXPECT_EQ(queues[0].name, "orders");
  EXPECT_EQ(queues[0].definition, "{\"VisibilityTimeout\":\"30\"}");

  auto rows = readAll(*store);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.count(4), 0u);
  const auto& m1 = rows.at(1);
  EXPECT_EQ(m1.queueId, 1);
  EXPECT_EQ(m1.messageId, "id-1");
  EXPECT_EQ(m1.body, "hello");
  EXPECT_EQ(m1.attributes, std::string("\x01\x00\x02", 3));
  EXPECT_EQ(m1.groupId, "g");
  EXPECT_EQ(m1.dedupId, "d1");
  EXPECT_EQ(m1.sentAtMs, 1001);
  EXPECT_EQ(m1.visibleAtMs, 2001);
  EXPECT_EQ(m1.receiveCount, 0);
  const auto& m2 = rows.at(2);
  EXPECT_EQ(m2.visibleAtMs, 99000);
  EXPECT_EQ(m2.receiveCount, 3);
  EXPECT_EQ(m2.firstReceiveAtMs, 5000);
  EXPECT_EQ(m2.receipt, -42);
}

TEST_F(SqsStoreTest, PurgeDeletesOnlyThatQueuesOlderMessages) {
  auto store = open();
  SqsWrite w;
  for (int64_t seq = 1; seq <= 6; ++seq) w.puts.push_back(message(seq, seq % 2 ? 1 : 2));
  ASSERT_EQ(write(*store, std::move(w)), "");
  SqsWrite purge;
  purge.purgeQueueId = 1;
  purge.purgeThroughSeq = 3;  // Deletes 1 and 3; 5 arrived after the purge began.
  ASSERT_EQ(write(*store, std::move(purge)), "");
  auto rows = readAll(*store);
  std::vector<int64_t> seqs;
  for (const auto& [seq, row] : rows) seqs.push_back(seq);
  EXPECT_EQ(seqs, (std::vector<int64_t>{2, 4, 5, 6}));
}

TEST_F(SqsStoreTest, DeletingAQueueDeletesItsMessages) {
  {
    auto store = open();
    ASSERT_EQ(putQueue(*store, 1, "a"), "");
    ASSERT_EQ(putQueue(*store, 2, "b"), "");
    SqsWrite w;
    w.puts = {message(1, 1), message(2, 2), message(3, 1)};
    ASSERT_EQ(write(*store, std::move(w)), "");
    ASSERT_EQ(await([&](CommitCallback cb) { store->deleteSqsQueue(1, std::move(cb)); }), "");
  }
  auto store = open();
  auto queues = store->sqsQueues();
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0].name, "b");
  auto rows = readAll(*store);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.begin()->first, 2);
}

TEST_F(SqsStoreTest, QueueNamesAreUniqueAndAFailedWriteLeavesTheRest) {
  auto store = open();
  ASSERT_EQ(putQueue(*store, 1, "a"), "");
  // Another queue by the same name breaks the UNIQUE constraint; the first queue stays, and the
  // writer goes on committing later writes.
  EXPECT_NE(putQueue(*store, 2, "a"), "");
  auto queues = store->sqsQueues();
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0].id, 1);
  SqsWrite ok;
  ok.puts = {message(1, 1)};
  EXPECT_EQ(write(*store, std::move(ok)), "");
  EXPECT_EQ(readAll(*store).size(), 1u);
}

TEST_F(SqsStoreTest, BodiesKeepEveryByte) {
  auto store = open();
  std::string body("a\0b\xff\r\n", 6);
  std::string large(1024 * 1024, 'x');
  SqsWrite w;
  w.puts = {message(1, 1, body), message(2, 1, large), message(3, 1, "")};
  ASSERT_EQ(write(*store, std::move(w)), "");
  auto rows = readAll(*store);
  EXPECT_EQ(rows.at(1).body, body);
  EXPECT_EQ(rows.at(2).body, large);
  EXPECT_EQ(rows.at(3).body, "");
}

void writeAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n <= 0) _exit(3);
    written += static_cast<size_t>(n);
  }
}

// The child sends batches of ten messages and deletes every other batch, reporting each
// acknowledged write on the pipe; the parent kills it part-way and checks that every
// acknowledged put is there unless its acknowledged delete is, and no acknowledged delete is
// undone.
TEST_F(SqsStoreTest, AcknowledgedWritesSurviveSigkill) {
  constexpr int kBatches = 400;
  constexpr size_t kKillAfter = 60;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    std::string error;
    auto store = openSqliteStore(file_, error);
    if (!store) _exit(2);
    for (int b = 0; b < kBatches; ++b) {
      SqsWrite w;
      for (int i = 0; i < 10; ++i) w.puts.push_back(message(b * 10 + i + 1, 1));
      std::promise<void> done;
      store->writeSqsMessages(std::move(w), [&, b](std::string error) {
        if (error.empty()) writeAll(fds[1], "put " + std::to_string(b) + "\n");
        done.set_value();
      });
      done.get_future().wait();
      if (b % 2 == 1) {
        SqsWrite d;
        for (int i = 0; i < 10; ++i) d.deletes.push_back(b * 10 + i + 1);
        std::promise<void> deleted;
        store->writeSqsMessages(std::move(d), [&, b](std::string error) {
          if (error.empty()) writeAll(fds[1], "del " + std::to_string(b) + "\n");
          deleted.set_value();
        });
        deleted.get_future().wait();
      }
    }
    for (;;) ::pause();
  }
  ::close(fds[1]);
  std::string received;
  std::vector<int> puts, deletes;
  char buffer[4096];
  bool killed = false;
  for (;;) {
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    received.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = received.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = received.substr(start, nl - start);
      int batch = std::stoi(line.substr(4));
      (line.rfind("put", 0) == 0 ? puts : deletes).push_back(batch);
    }
    received.erase(0, start);
    if (!killed && puts.size() >= kKillAfter) {
      ASSERT_EQ(::kill(child, SIGKILL), 0);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto store = open();
  auto rows = readAll(*store);
  std::set<int> deleted(deletes.begin(), deletes.end());
  for (int b : puts) {
    // The child deletes an odd batch right after its put is acknowledged: the last batch's
    // delete may have been committed without its acknowledgement reaching us, or not at all.
    bool deleteInFlight = b % 2 == 1 && !deleted.count(b) && b == puts.back();
    if (deleteInFlight) continue;
    for (int i = 0; i < 10; ++i) {
      int64_t seq = b * 10 + i + 1;
      if (deleted.count(b)) {
        EXPECT_EQ(rows.count(seq), 0u) << "deleted message " << seq << " came back";
      } else {
        EXPECT_EQ(rows.count(seq), 1u) << "acknowledged message " << seq << " was lost";
      }
    }
  }
}

}  // namespace
}  // namespace nimbus::store
