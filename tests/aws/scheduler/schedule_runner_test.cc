// The firing engine over a real SQLite store and a real io_context, with the wall clock given
// by the test: one firing per scheduled time, none repeated after a restart, the latest missed
// firing delivered once when young enough, completion of one-time schedules.
#include "aws/scheduler/schedule_runner.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "core/ids.h"
#include "schedule_test_support.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace nimbus::aws::scheduler {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using testing::utcMs;

constexpr int64_t kMinute = 60'000;

class ScheduleRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nimbus-scheduler-test-" + newUuid());
    fs::create_directories(dir_);
    std::string error;
    store_ = store::openSqliteStore(dir_ / "nimbus.db", error);
    ASSERT_TRUE(store_) << error;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    runner_.reset();
    work_.reset();
    thread_.join();
    store_->stop();
    fs::remove_all(dir_);
  }

  // A new runner over the same store: what a restart of nimbus sees.
  ScheduleRunner& restart() {
    if (runner_) runner_->stop();
    drain();
    runner_ = std::make_unique<ScheduleRunner>(io_, *store_, "test.fired",
                                               [this] { return now_.load(); });
    return *runner_;
  }

  // Waits until every store write submitted so far has committed and the I/O work it posted
  // has run: after this, a firing started before it has been handed to its FireFn.
  void drain() {
    std::promise<void> committed;
    store_->putRecord({"test.sync", "sync", "{}"}, [&](std::string) { committed.set_value(); });
    committed.get_future().wait();
    std::promise<void> ran;
    asio::post(io_, [&] { ran.set_value(); });
    ran.get_future().wait();
  }

  ScheduleRunner::FireFn recorder() {
    return [this](int64_t scheduledMs) {
      std::lock_guard lock(mutex_);
      fired_.push_back(scheduledMs);
      changed_.notify_all();
    };
  }

  std::vector<int64_t> fired() {
    std::lock_guard lock(mutex_);
    return fired_;
  }

  // Waits (with a generous deadline, never as a measurement) for `count` firings.
  bool waitForFirings(size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return fired_.size() >= count; });
  }

  static ScheduleExpression expr(std::string_view text) { return *ScheduleExpression::parse(text); }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
  std::atomic<int64_t> now_{0};
  std::unique_ptr<ScheduleRunner> runner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int64_t> fired_;
};

TEST_F(ScheduleRunnerTest, OneTimeScheduleFiresOnceAndCompletes) {
  const int64_t at = utcMs("2026-12-07T10:00:00");
  now_ = at - 100;  // The timer waits the last 100 ms for real.
  std::atomic<int> completed{0};
  ScheduleRunner& runner = restart();
  runner.start();
  RunnerSchedule schedule(expr("at(2026-12-07T10:00:00)"));
  schedule.sinceMs = at - 1000;
  runner.upsert("one", schedule, recorder(), [&] { ++completed; });
  EXPECT_EQ(runner.nextFireMs("one"), at);
  now_ = at;
  ASSERT_TRUE(waitForFirings(1));
  drain();
  EXPECT_EQ(fired(), std::vector<int64_t>{at});
  EXPECT_EQ(completed.load(), 1);
  EXPECT_EQ(runner.nextFireMs("one"), std::nullopt);

  // After a restart it does not fire again, and is complete at once.
  ScheduleRunner& again = restart();
  again.upsert("one", schedule, recorder(), [&] { ++completed; });
  again.start();
  drain();
  EXPECT_EQ(fired().size(), 1u);
  EXPECT_EQ(completed.load(), 2);
}

TEST_F(ScheduleRunnerTest, ARestartNeitherRepeatsNorLosesTheLatestMissedFiring) {
  const int64_t anchor = utcMs("2026-12-07T10:00:00");
  now_ = anchor + 30'000;
  ScheduleRunner& runner = restart();
  runner.start();
  // A rate counted from its creation fires at once (the anchor is due), then every minute.
  runner.upsert("rate", expr("rate(1 minute)"), anchor, recorder());
  ASSERT_TRUE(waitForFirings(1));
  drain();
  EXPECT_EQ(fired(), std::vector<int64_t>{anchor});
  EXPECT_EQ(runner.nextFireMs("rate"), anchor + kMinute);

  // Restarted within the same minute: nothing fires again.
  ScheduleRunner& second = restart();
  second.upsert("rate", expr("rate(1 minute)"), anchor, recorder());
  second.start();
  drain();
  EXPECT_EQ(fired().size(), 1u);
  EXPECT_EQ(second.nextFireMs("rate"), anchor + kMinute);

  // Down for ten minutes: the latest missed firing is delivered, once; the others are not.
  now_ = anchor + 10 * kMinute + 30'000;
  ScheduleRunner& third = restart();
  third.upsert("rate", expr("rate(1 minute)"), anchor, recorder());
  third.start();
  ASSERT_TRUE(waitForFirings(2));
  drain();
  EXPECT_EQ(fired(), (std::vector<int64_t>{anchor, anchor + 10 * kMinute}));
  EXPECT_EQ(third.nextFireMs("rate"), anchor + 11 * kMinute);

  ScheduleRunner& fourth = restart();
  fourth.upsert("rate", expr("rate(1 minute)"), anchor, recorder());
  fourth.start();
  drain();
  EXPECT_EQ(fired().size(), 2u);
}

TEST_F(ScheduleRunnerTest, MissedFiringsOlderThanTheMaximumAgeAreDropped) {
  const int64_t anchor = utcMs("2026-12-07T10:00:00");
  now_ = anchor + 1000;
  RunnerSchedule schedule(expr("rate(1 hour)"));
  schedule.anchorMs = anchor;
  schedule.sinceMs = anchor;
  schedule.maxMissedAgeMs = kMinute;
  ScheduleRunner& runner = restart();
  runner.start();
  runner.upsert("hourly", schedule, recorder());
  ASSERT_TRUE(waitForFirings(1));
  // Down for two and a half hours: the firings at +1 h and +2 h are too old.
  now_ = anchor + 150 * kMinute;
  ScheduleRunner& later = restart();
  later.upsert("hourly", schedule, recorder());
  later.start();
  drain();
  EXPECT_EQ(fired(), std::vector<int64_t>{anchor});
  EXPECT_EQ(later.nextFireMs("hourly"), anchor + 180 * kMinute);
}

TEST_F(ScheduleRunnerTest, StartAndEndDatesBoundTheFirings) {
  const int64_t start = utcMs("2026-12-07T10:00:00");
  now_ = start - 10 * kMinute;
  RunnerSchedule schedule(expr("cron(*/5 * * * ? *)"));
  schedule.sinceMs = now_;
  schedule.notBeforeMs = start + 1;
  schedule.notAfterMs = start + 10 * kMinute;
  ScheduleRunner& runner = restart();
  runner.start();
  runner.upsert("bounded", schedule, recorder());
  EXPECT_EQ(runner.nextFireMs("bounded"), start + 5 * kMinute);
  // Past its end date, nothing is left.
  now_ = start + 11 * kMinute;
  schedule.maxMissedAgeMs = 0;
  runner.upsert("bounded", schedule, recorder());
  drain();
  EXPECT_EQ(runner.nextFireMs("bounded"), std::nullopt);
  EXPECT_TRUE(fired().empty());
}

TEST_F(ScheduleRunnerTest, RemovedKeysForgetTheirLastFiring) {
  const int64_t anchor = utcMs("2026-12-07T10:00:00");
  now_ = anchor + 1000;
  ScheduleRunner& runner = restart();
  runner.start();
  runner.upsert("gone", expr("rate(5 minutes)"), anchor, recorder());
  ASSERT_TRUE(waitForFirings(1));
  drain();
  runner.remove("gone");
  EXPECT_EQ(runner.nextFireMs("gone"), std::nullopt);
  EXPECT_TRUE(runner.keys().empty());
  drain();
  EXPECT_TRUE(store_->records("test.fired").empty());
  // Created again under the same name, it is a new schedule and fires from its creation.
  runner.upsert("gone", expr("rate(5 minutes)"), anchor, recorder());
  ASSERT_TRUE(waitForFirings(2));
  EXPECT_EQ(fired(), (std::vector<int64_t>{anchor, anchor}));
}

TEST_F(ScheduleRunnerTest, AFlexibleWindowKeepsTheScheduledTime) {
  const int64_t anchor = utcMs("2026-12-07T10:00:00");
  now_ = anchor - 10 * kMinute;
  RunnerSchedule schedule(expr("cron(0 10 * * ? *)"));
  schedule.sinceMs = now_;
  schedule.flexibleWindowMs = 15 * kMinute;
  ScheduleRunner& runner = restart();
  runner.start();
  runner.upsert("flexible", schedule, recorder());
  EXPECT_EQ(runner.nextFireMs("flexible"), anchor);
}

}  // namespace
}  // namespace nimbus::aws::scheduler
