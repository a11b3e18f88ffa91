#include "observe/log_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "core/time_format.h"

namespace nimbus::observe {
namespace {

namespace fs = std::filesystem;

class LogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nimbus-log-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `query` on the store's reader thread and returns what it returned.
  template <typename F>
  auto read(LogStore& store, F query) {
    using T = decltype(query(static_cast<LogDatabase*>(nullptr)));
    std::promise<T> answer;
    store.read([&](LogDatabase* db) { answer.set_value(query(db)); });
    return answer.get_future().get();
  }

  static std::vector<std::string> messages(const std::vector<StoredEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.message);
    return out;
  }

  fs::path dir_;
};

TEST_F(LogStoreTest, FunctionLinesCreateTheirGroupAndStreamAndAreReadInOrder) {
  LogStore store(dir_, nullptr);
  ASSERT_EQ(store.error(), "");
  store.append({"/aws/lambda/app", "2026/12/08/[$LATEST]aa", "app", "START RequestId: 1", 1000});
  store.append({"/aws/lambda/app", "2026/12/08/[$LATEST]aa", "app", "hello", 1001});
  store.append({"/aws/lambda/app", "2026/12/08/[$LATEST]bb", "app", "other env", 1002});
  auto streams = read(store, [](LogDatabase* db) { return *db->streams("/aws/lambda/app"); });
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].name, "2026/12/08/[$LATEST]aa");
  EXPECT_EQ(streams[0].firstEventMs, 1000);
  EXPECT_EQ(streams[0].lastEventMs, 1001);
  auto page = read(store, [](LogDatabase* db) {
    StreamQuery q;
    q.group = "/aws/lambda/app";
    q.stream = "2026/12/08/[$LATEST]aa";
    return *db->read(q);
  });
  EXPECT_EQ(messages(page.events), (std::vector<std::string>{"START RequestId: 1", "hello"}));
}

TEST_F(LogStoreTest, EventsSurviveARestart) {
  {
    LogStore store(dir_, nullptr);
    store.append({"/aws/lambda/app", "s", "app", "kept", 5});
    store.flush();
  }
  LogStore store(dir_, nullptr);
  auto page = read(store, [](LogDatabase* db) {
    FilterQuery q;
    q.group = "/aws/lambda/app";
    return *db->filter(q);
  });
  EXPECT_EQ(messages(page.events), std::vector<std::string>{"kept"});
}

TEST_F(LogStoreTest, FilterPagesByTokenAndHonoursTimeAndStreams) {
  LogStore store(dir_, nullptr);
  for (int i = 0; i < 10; ++i) {
    store.append({"g", i % 2 ? "odd" : "even", "", "line " + std::to_string(i), 100 + i});
  }
  auto first = read(store, [](LogDatabase* db) {
    FilterQuery q;
    q.group = "g";
    q.limit = 4;
    return *db->filter(q);
  });
  ASSERT_EQ(first.events.size(), 4u);
  ASSERT_TRUE(first.next);
  auto second = read(store, [&](LogDatabase* db) {
    FilterQuery q;
    q.group = "g";
    q.after = first.next;
    q.startMs = 103;
    q.endMs = 106;
    q.streamNames = {"even"};
    return *db->filter(q);
  });
  EXPECT_EQ(messages(second.events), (std::vector<std::string>{"line 4", "line 6"}));
  EXPECT_FALSE(second.next);
}

TEST_F(LogStoreTest, FilterAppliesThePattern) {
  LogStore store(dir_, nullptr);
  store.append({"g", "s", "", "INFO all good", 1});
  store.append({"g", "s", "", "ERROR disk full", 2});
  store.append({"g", "s", "", R"({"level":"error","latency":700})", 3});
  auto run = [&](std::string pattern) {
    return read(store, [&](LogDatabase* db) {
      FilterQuery q;
      q.group = "g";
      q.pattern = *FilterPattern::parse(pattern);
      return messages(db->filter(q)->events);
    });
  };
  EXPECT_EQ(run("ERROR"), std::vector<std::string>{"ERROR disk full"});
  EXPECT_EQ(run("{ $.latency > 500 }"),
            std::vector<std::string>{R"({"level":"error","latency":700})"});
  EXPECT_EQ(run("").size(), 3u);
}

TEST_F(LogStoreTest, BackwardReadsReturnTheNewestOldestFirst) {
  LogStore store(dir_, nullptr);
  for (int i = 0; i < 5; ++i) store.append({"g", "s", "", std::to_string(i), 10 + i});
  auto page = read(store, [](LogDatabase* db) {
    StreamQuery q;
    q.group = "g";
    q.stream = "s";
    q.forward = false;
    q.limit = 2;
    return *db->read(q);
  });
  EXPECT_EQ(messages(page.events), (std::vector<std::string>{"3", "4"}));
}

TEST_F(LogStoreTest, GroupsStreamsAndRetention) {
  LogStore store(dir_, nullptr);
  std::promise<void> done;
  int64_t now = nowMs();
  store.write([&](LogDatabase* db) {
    EXPECT_TRUE(db->createGroup("/app/one", {{"team", "a"}}, now));
    EXPECT_EQ(db->createGroup("/app/one", {}, now).error().code, "ResourceAlreadyExistsException");
    EXPECT_TRUE(db->createStream("/app/one", "s", now));
    EXPECT_EQ(db->createStream("/app/none", "s", now).error().code, "ResourceNotFoundException");
    db->insert({{"/app/one", "s", now - 3 * 86'400'000, "old", false},
                {"/app/one", "s", now, "new", false},
                {"/app/one", "missing", now, "dropped", false}},
               now);
    EXPECT_TRUE(db->setRetention("/app/one", 1));
    EXPECT_EQ(db->applyRetention(now), 1);
    done.set_value();
  });
  done.get_future().get();
  auto left = read(store, [](LogDatabase* db) {
    FilterQuery q;
    q.group = "/app/one";
    return messages(db->filter(q)->events);
  });
  EXPECT_EQ(left, std::vector<std::string>{"new"});
  auto groups = read(store, [](LogDatabase* db) { return db->groups("/app/", "", 50); });
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].retentionDays, 1);
  EXPECT_EQ(groups[0].tags.at("team"), "a");
}

TEST_F(LogStoreTest, AFullQueueDropsLinesAndSaysHowMany) {
  LogStoreLimits limits;
  limits.maxQueuedBytes = 4096;
  LogStore store(dir_, nullptr, limits);
  // Hold the writer so that the queue fills.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  store.write([released](LogDatabase*) { released.wait(); });
  for (int i = 0; i < 200; ++i) store.append({"g", "s", "", std::string(100, 'x'), 1 + i});
  EXPECT_GT(store.droppedLines(), 0u);
  uint64_t dropped = store.droppedLines();
  release.set_value();
  store.flush();
  store.append({"g", "s", "", "after", 1000});
  auto lines = read(store, [](LogDatabase* db) {
    FilterQuery q;
    q.group = "g";
    q.pattern = *FilterPattern::parse("nimbus dropped");
    return messages(db->filter(q)->events);
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(std::to_string(dropped) + " log lines"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace nimbus::observe
