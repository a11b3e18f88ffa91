// API Gateway's throttling: a token bucket per stage or route that holds `burst` tokens and
// refills at `rate` tokens per second; a request takes one token or is throttled (429).
#pragma once

#include <atomic>
#include <cstdint>

namespace nimbus::gateway {

// A token bucket kept as one atomic number (the generic cell rate algorithm): the time at which
// the bucket will be full again. Taking a token is one compare-and-swap, with no lock and no
// allocation, so many connections' threads can share one limiter.
class RateLimiter {
 public:
  // `ratePerSecond` tokens are added per second, up to `burst`. A rate or burst of 0 (or less)
  // throttles every request, as API Gateway does with limits of 0.
  RateLimiter(double ratePerSecond, int64_t burst);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes a token at `nowNanos` (any monotonic clock; tests pass their own times). False when
  // the bucket is empty.
  bool tryAcquire(int64_t nowNanos);
  // Takes a token now (steady clock).
  bool tryAcquire();

  double ratePerSecond() const { return rate_; }
  int64_t burst() const { return burst_; }

 private:
  double rate_;
  int64_t burst_;
  bool closed_;                  // Rate or burst 0: nothing passes.
  int64_t interval_;             // Nanoseconds per token.
  int64_t tolerance_;            // burst * interval: how far ahead of now the full time may run.
  std::atomic<int64_t> fullAt_;  // When the bucket is full again; in the past means full.
};

}  // namespace nimbus::gateway
