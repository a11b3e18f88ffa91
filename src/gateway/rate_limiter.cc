#include "gateway/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace nimbus::gateway {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Far enough in the past that any clock reading is later, and far from overflow.
constexpr int64_t kLongAgo = std::numeric_limits<int64_t>::min() / 4;
// Caps intervals and tolerances so that sums stay far from overflow (about 34 years).
constexpr int64_t kMaxSpan = std::numeric_limits<int64_t>::max() / 256;

}  // namespace

RateLimiter::RateLimiter(double ratePerSecond, int64_t burst)
    : rate_(ratePerSecond),
      burst_(burst),
      closed_(!(ratePerSecond > 0) || burst <= 0),
      interval_(1),
      tolerance_(0),
      fullAt_(kLongAgo) {
  if (closed_) return;
  double interval = std::ceil(static_cast<double>(kNanosPerSecond) / ratePerSecond);
  interval_ = static_cast<int64_t>(std::clamp(interval, 1.0, static_cast<double>(kMaxSpan)));
  double tolerance = static_cast<double>(interval_) * static_cast<double>(burst);
  tolerance_ = static_cast<int64_t>(std::min(tolerance, static_cast<double>(kMaxSpan)));
}

bool RateLimiter::tryAcquire(int64_t nowNanos) {
  if (closed_) return false;
  int64_t fullAt = fullAt_.load(std::memory_order_relaxed);
  while (true) {
    // Each token pushes the full time one interval further; a request is allowed while that
    // stays within `burst` intervals of now.
    int64_t next = std::max(fullAt, nowNanos) + interval_;
    if (next - nowNanos > tolerance_) return false;
    if (fullAt_.compare_exchange_weak(fullAt, next, std::memory_order_relaxed)) return true;
  }
}

bool RateLimiter::tryAcquire() {
  auto now = std::chrono::steady_clock::now().time_since_epoch();
  return tryAcquire(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

}  // namespace nimbus::gateway
