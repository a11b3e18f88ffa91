#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace nimbus::gateway {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(RateLimiterTest, BurstThenRate) {
  RateLimiter limiter(1, 2);  // 1 request per second, bursts of 2.
  int64_t t = 5 * kSecond;
  EXPECT_TRUE(limiter.tryAcquire(t));
  EXPECT_TRUE(limiter.tryAcquire(t));
  EXPECT_FALSE(limiter.tryAcquire(t));
  EXPECT_FALSE(limiter.tryAcquire(t + kSecond / 2));
  EXPECT_TRUE(limiter.tryAcquire(t + kSecond));  // One token back after a second.
  EXPECT_FALSE(limiter.tryAcquire(t + kSecond));
  // Idle for long: the bucket is full again, but holds no more than the burst.
  t += 100 * kSecond;
  EXPECT_TRUE(limiter.tryAcquire(t));
  EXPECT_TRUE(limiter.tryAcquire(t));
  EXPECT_FALSE(limiter.tryAcquire(t));
}

TEST(RateLimiterTest, FractionalAndHighRates) {
  RateLimiter slow(0.5, 1);  // One request every two seconds.
  EXPECT_TRUE(slow.tryAcquire(0));
  EXPECT_FALSE(slow.tryAcquire(kSecond));
  EXPECT_TRUE(slow.tryAcquire(2 * kSecond));

  RateLimiter fast(1000, 10);
  int allowed = 0;
  for (int i = 0; i < 1000; ++i) allowed += fast.tryAcquire(0) ? 1 : 0;
  EXPECT_EQ(allowed, 10);
  // A millisecond later, exactly one more.
  EXPECT_TRUE(fast.tryAcquire(kSecond / 1000));
  EXPECT_FALSE(fast.tryAcquire(kSecond / 1000));
}

TEST(RateLimiterTest, ZeroLimitsThrottleEverything) {
  RateLimiter noRate(0, 10);
  EXPECT_FALSE(noRate.tryAcquire(0));
  RateLimiter noBurst(100, 0);
  EXPECT_FALSE(noBurst.tryAcquire(0));
  EXPECT_FALSE(noBurst.tryAcquire(100 * kSecond));
}

TEST(RateLimiterTest, ExactlyBurstPassUnderContention) {
  // Many threads at one instant: exactly `burst` requests pass, whatever the interleaving.
  RateLimiter limiter(1, 50);
  std::atomic<int> allowed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int j = 0; j < 1000; ++j) {
        if (limiter.tryAcquire(kSecond)) allowed.fetch_add(1);
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 50);
}

}  // namespace
}  // namespace nimbus::gateway
