#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace nimbus::store {
namespace {

namespace fs = std::filesystem;
using store_test::await;
using store_test::countFromFreshConnection;

class SqliteStoreTest : public store_test::StoreFileTest {
 protected:
  SqliteStoreTest() : StoreFileTest("nimbus-store-test-", fs::path("data") / "nimbus.db") {}
};

AsyncEvent event(std::string id, int64_t receivedAtMs = 1000, int64_t notBeforeMs = 0) {
  return AsyncEvent{.id = std::move(id),
                    .functionName = "svc-dev-hello",
                    .qualifier = "$LATEST",
                    .payload = "{\"n\":1}",
                    .receivedAtMs = receivedAtMs,
                    .notBeforeMs = notBeforeMs};
}

std::string enqueue(Store& store, AsyncEvent e) {
  return await([&](CommitCallback cb) { store.enqueueAsyncEvent(std::move(e), std::move(cb)); });
}

std::set<std::string> ids(const std::vector<AsyncEvent>& events) {
  std::set<std::string> out;
  for (const auto& e : events) out.insert(e.id);
  return out;
}

TEST_F(SqliteStoreTest, EnqueuedEventIsLeasedOnce) {
  auto store = open();
  ASSERT_EQ(enqueue(*store, event("a")), "");
  EXPECT_EQ(store->pendingAsyncEvents(), 1u);

  auto leased = store->leaseDueAsyncEvents(5000, 10);
  ASSERT_EQ(leased.size(), 1u);
  EXPECT_EQ(leased[0].id, "a");
  EXPECT_EQ(leased[0].functionName, "svc-dev-hello");
  EXPECT_EQ(leased[0].qualifier, "$LATEST");
  EXPECT_EQ(leased[0].payload, "{\"n\":1}");
  EXPECT_EQ(leased[0].attempts, 0);
  EXPECT_EQ(leased[0].receivedAtMs, 1000);
  EXPECT_TRUE(store->leaseDueAsyncEvents(5000, 10).empty());
  EXPECT_EQ(store->pendingAsyncEvents(), 1u);  // Leased events are still pending.
}

TEST_F(SqliteStoreTest, DuplicateIdIsRejected) {
  auto store = open();
  ASSERT_EQ(enqueue(*store, event("a")), "");
  EXPECT_NE(enqueue(*store, event("a")), "");
  EXPECT_EQ(store->pendingAsyncEvents(), 1u);
}

TEST_F(SqliteStoreTest, LeaseRespectsNotBeforeAndAgeOrder) {
  auto store = open();
  ASSERT_EQ(enqueue(*store, event("late", 100, 9000)), "");
  ASSERT_EQ(enqueue(*store, event("young", 300)), "");
  ASSERT_EQ(enqueue(*store, event("old", 200)), "");
  ASSERT_EQ(enqueue(*store, event("oldest", 50, 5000)), "");

  auto first = store->leaseDueAsyncEvents(5000, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, "oldest");
  EXPECT_EQ(first[1].id, "old");
  auto second = store->leaseDueAsyncEvents(5000, 10);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, "young");
  EXPECT_TRUE(store->leaseDueAsyncEvents(8999, 10).empty());
  auto third = store->leaseDueAsyncEvents(9000, 10);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].id, "late");
}

TEST_F(SqliteStoreTest, CompleteDeletes) {
  auto store = open();
  ASSERT_EQ(enqueue(*store, event("a")), "");
  ASSERT_EQ(enqueue(*store, event("b")), "");
  ASSERT_EQ(store->leaseDueAsyncEvents(5000, 1).size(), 1u);
  ASSERT_EQ(await([&](CommitCallback cb) { store->completeAsyncEvent("a", std::move(cb)); }), "");
  EXPECT_EQ(store->pendingAsyncEvents(), 1u);
  EXPECT_EQ(ids(store->leaseDueAsyncEvents(5000, 10)), std::set<std::string>{"b"});
  EXPECT_NE(await([&](CommitCallback cb) { store->completeAsyncEvent("a", std::move(cb)); }), "");
}

TEST_F(SqliteStoreTest, RescheduleUpdatesAndReleasesTheLease) {
  auto store = open();
  ASSERT_EQ(enqueue(*store, event("a")), "");
  ASSERT_EQ(store->leaseDueAsyncEvents(5000, 10).size(), 1u);
  ASSERT_EQ(
      await([&](CommitCallback cb) { store->rescheduleAsyncEvent("a", 1, 65000, std::move(cb)); }),
      "");
  EXPECT_TRUE(store->leaseDueAsyncEvents(64999, 10).empty());
  auto leased = store->leaseDueAsyncEvents(65000, 10);
  ASSERT_EQ(leased.size(), 1u);
  EXPECT_EQ(leased[0].attempts, 1);
  EXPECT_EQ(leased[0].notBeforeMs, 65000);
  EXPECT_EQ(leased[0].receivedAtMs, 1000);
  EXPECT_NE(await([&](CommitCallback cb) {
              store->rescheduleAsyncEvent("missing", 1, 0, std::move(cb));
            }),
            "");
}

TEST_F(SqliteStoreTest, ReopenReturnsEveryAcknowledgedUnfinishedEvent) {
  {
    auto store = open();
    for (int i = 0; i < 10; ++i) ASSERT_EQ(enqueue(*store, event("e" + std::to_string(i))), "");
    ASSERT_EQ(store->leaseDueAsyncEvents(5000, 3).size(), 3u);  // Leases die with the process.
    ASSERT_EQ(await([&](CommitCallback cb) { store->completeAsyncEvent("e0", std::move(cb)); }),
              "");
    ASSERT_EQ(
        await([&](CommitCallback cb) { store->rescheduleAsyncEvent("e1", 2, 10, std::move(cb)); }),
        "");
  }
  auto store = open();
  auto leased = store->leaseDueAsyncEvents(5000, 100);
  ASSERT_EQ(leased.size(), 9u);
  EXPECT_EQ(leased[0].id, "e1");
  EXPECT_EQ(leased[0].attempts, 2);
  EXPECT_EQ(ids(leased).count("e0"), 0u);
}

TEST_F(SqliteStoreTest, RecordsArePutReplacedDeletedAndSurviveReopen) {
  std::string binary("zip\0bytes", 9);
  {
    auto store = open();
    auto put = [&](Record r) {
      return await([&](CommitCallback cb) { store->putRecord(std::move(r), std::move(cb)); });
    };
    ASSERT_EQ(put({"lambda.function", "b", "first"}), "");
    ASSERT_EQ(put({"lambda.function", "a", binary}), "");
    ASSERT_EQ(put({"lambda.function", "b", "second"}), "");
    ASSERT_EQ(put({"other", "a", "x"}), "");
    ASSERT_EQ(put({"other", "gone", "x"}), "");
    ASSERT_EQ(
        await([&](CommitCallback cb) { store->deleteRecord("other", "gone", std::move(cb)); }), "");
    // Deleting what is not there is not an error: deletes are idempotent.
    EXPECT_EQ(
        await([&](CommitCallback cb) { store->deleteRecord("other", "never", std::move(cb)); }),
        "");
  }
  auto store = open();
  auto functions = store->records("lambda.function");
  ASSERT_EQ(functions.size(), 2u);
  EXPECT_EQ(functions[0].key, "a");
  EXPECT_EQ(functions[0].value, binary);
  EXPECT_EQ(functions[1].key, "b");
  EXPECT_EQ(functions[1].value, "second");
  auto other = store->records("other");
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].key, "a");
  EXPECT_TRUE(store->records("none").empty());
}

TEST_F(SqliteStoreTest, StopCommitsQueuedWritesAndRejectsLaterOnes) {
  auto store = open();
  std::atomic<int> acknowledged = 0;
  for (int i = 0; i < 100; ++i) {
    store->enqueueAsyncEvent(event("e" + std::to_string(i)), [&](std::string error) {
      EXPECT_EQ(error, "");
      ++acknowledged;
    });
  }
  store->stop();
  EXPECT_EQ(acknowledged, 100);
  std::string late;
  store->enqueueAsyncEvent(event("late"), [&](std::string error) { late = std::move(error); });
  EXPECT_NE(late, "");
  store->stop();
  store.reset();
  EXPECT_EQ(open()->pendingAsyncEvents(), 100u);
}

TEST_F(SqliteStoreTest, ConcurrentEnqueuesAreAllAcknowledgedAndDurable) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  {
    auto store = open();
    std::vector<std::thread> producers;
    std::atomic<int> failures = 0;
    for (int t = 0; t < kThreads; ++t) {
      producers.emplace_back([&, t] {
        // Each producer keeps all its enqueues in flight, then waits for every callback.
        std::vector<std::promise<std::string>> done(kPerThread);
        for (int i = 0; i < kPerThread; ++i) {
          store->enqueueAsyncEvent(
              event(std::to_string(t) + "-" + std::to_string(i)),
              [&done, i](std::string error) { done[i].set_value(std::move(error)); });
        }
        for (auto& d : done) {
          if (!d.get_future().get().empty()) ++failures;
        }
      });
    }
    for (auto& p : producers) p.join();
    EXPECT_EQ(failures, 0);
  }
  auto store = open();
  EXPECT_EQ(store->pendingAsyncEvents(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store->leaseDueAsyncEvents(5000, 2000).size(), size_t{kThreads * kPerThread});
}

TEST_F(SqliteStoreTest, CallbackRunsOnlyAfterCommit) {
  auto store = open();
  constexpr int kEvents = 50;
  std::vector<std::promise<int>> seen(kEvents);
  for (int i = 0; i < kEvents; ++i) {
    std::string id = "e" + std::to_string(i);
    store->enqueueAsyncEvent(event(id), [&, id, i](std::string error) {
      EXPECT_EQ(error, "");
      seen[i].set_value(
          countFromFreshConnection(file_, "SELECT count(*) FROM async_events WHERE id = ?1", id));
    });
  }
  for (auto& s : seen) EXPECT_EQ(s.get_future().get(), 1);
}

// Writes all of `data` to `fd`; a line of at most PIPE_BUF bytes arrives whole.
void writeAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n <= 0) _exit(3);
    written += static_cast<size_t>(n);
  }
}

// The child enqueues one event at a time and reports each acknowledged id on the pipe; the
// parent kills it with SIGKILL part-way, then checks that every reported id survived.
TEST_F(SqliteStoreTest, AcknowledgedEventsSurviveSigkill) {
  constexpr int kEvents = 200;
  constexpr size_t kKillAfter = 40;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    std::string error;
    auto store = openSqliteStore(file_, error);
    if (!store) _exit(2);
    for (int i = 0; i < kEvents; ++i) {
      std::string id = "kill-" + std::to_string(i);
      std::promise<void> done;
      store->enqueueAsyncEvent(event(id), [&, id](std::string error) {
        if (error.empty()) writeAll(fds[1], id + "\n");
        done.set_value();
      });
      done.get_future().wait();
    }
    // Done before the kill arrived: wait for it, so the store is never closed in order.
    for (;;) ::pause();
  }
  ::close(fds[1]);

  std::string received;
  std::vector<std::string> acknowledged;
  auto takeLines = [&] {
    size_t start = 0;
    for (size_t nl; (nl = received.find('\n', start)) != std::string::npos; start = nl + 1) {
      acknowledged.push_back(received.substr(start, nl - start));
    }
    received.erase(0, start);
  };
  char buffer[4096];
  bool killed = false;
  for (;;) {
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: the child is gone.
    received.append(buffer, static_cast<size_t>(n));
    takeLines();
    if (!killed && acknowledged.size() >= kKillAfter) {
      ASSERT_EQ(::kill(child, SIGKILL), 0);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_GE(acknowledged.size(), kKillAfter);

  auto store = open();
  auto present = ids(store->leaseDueAsyncEvents(5000, 1000));
  for (const auto& id : acknowledged) EXPECT_EQ(present.count(id), 1u) << id;
  // Events may be durable without having been acknowledged, never the other way round.
  EXPECT_GE(present.size(), acknowledged.size());
}

}  // namespace
}  // namespace nimbus::store
