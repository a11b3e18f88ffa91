// API keys and usage plans of a REST API (apiKeySource HEADER): a method that requires a key
// takes it from the x-api-key header; the key must exist, be enabled and belong to a usage plan
// of the stage; the plan's throttle (a token bucket per key) and quota (requests per key per
// UTC day, week or month) then apply. Pure logic: the server keeps the counters durable.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/http_message.h"
#include "gateway/lambda_proxy.h"
#include "gateway/rate_limiter.h"

namespace nimbus::gateway {

// A quota's period. Periods are calendar periods in UTC: a day from midnight, a week from
// Sunday midnight, a month from the first at midnight.
enum class QuotaPeriod { Day, Week, Month };

std::optional<QuotaPeriod> parseQuotaPeriod(std::string_view name);  // "DAY", "WEEK", "MONTH"
std::string_view quotaPeriodName(QuotaPeriod period);

// The number of the period holding `epochMs`, counted from the one holding 1970-01-01 (0).
int64_t quotaPeriodIndex(QuotaPeriod period, int64_t epochMs);
// When period number `index` starts, in epoch milliseconds.
int64_t quotaPeriodStartMs(QuotaPeriod period, int64_t index);

struct QuotaSpec {
  int64_t limit = 0;
  // Requests taken off the limit of the plan's first period, as API Gateway's QuotaSettings
  // offset is.
  int64_t offset = 0;
  QuotaPeriod period = QuotaPeriod::Day;
};

// The requests a key may make in period `index` of a plan whose first period is `firstIndex`.
int64_t quotaLimit(const QuotaSpec& quota, int64_t index, int64_t firstIndex);

// One key's requests in its current quota period, kept in one atomic word (the period number
// in the high half, the count in the low half), so that counting is a compare-and-swap.
class QuotaCounter {
 public:
  QuotaCounter(int64_t index, int64_t used);

  QuotaCounter(const QuotaCounter&) = delete;
  QuotaCounter& operator=(const QuotaCounter&) = delete;

  // Counts one request in period `index`, unless `limit` requests were already counted in it.
  // A later period starts again from 0; a request dated in an earlier period than the counter's
  // (the clock stepped back) counts in the counter's period.
  bool tryConsume(int64_t index, int64_t limit);

  struct Usage {
    int64_t index = 0;
    int64_t used = 0;
  };
  Usage usage() const;
  // The requests counted in period `index` (0 when the counter is in an earlier one).
  int64_t usedIn(int64_t index) const;

  // Whether the count changed since the last call: what a periodic flush must write.
  bool takeChanged() { return changed_.exchange(false, std::memory_order_acq_rel); }
  void markChanged() { changed_.store(true, std::memory_order_release); }

 private:
  std::atomic<uint64_t> word_;
  std::atomic<bool> changed_{false};
};

struct UsagePlanSpec {
  std::string name;
  std::optional<QuotaSpec> quota;
  // Per-key token bucket; none: the plan does not throttle.
  std::optional<double> rateLimit;
  int64_t burstLimit = 0;
  int64_t firstPeriod = 0;  // quotaPeriodIndex() of when the plan was made.
};

struct ApiKeySpec {
  std::string id;  // 10 lower-case alphanumerics, as API Gateway's key ids.
  std::string name;
  std::string value;
  std::string description;
  std::string customerId;
  bool enabled = true;
  std::optional<size_t> plan;             // Index into the plans; none: in no usage plan.
  std::shared_ptr<QuotaCounter> counter;  // Set when the plan has a quota.
  std::shared_ptr<RateLimiter> limiter;   // Set when the plan throttles (ApiKeyGate makes it).
};

enum class ApiKeyOutcome {
  Admitted,
  Forbidden,      // No x-api-key, an unknown or disabled key, or a key in no usage plan: 403.
  Throttled,      // The plan's per-key throttle (or the route's): 429 Too Many Requests.
  QuotaExceeded,  // The plan's quota for this period is used up: 429 Limit Exceeded.
};

struct ApiKeyDecision {
  ApiKeyOutcome outcome = ApiKeyOutcome::Forbidden;
  const ApiKeySpec* key = nullptr;  // The key the request named, when it exists.
};

// The keys and plans of one stage. Immutable once built; counters are shared with the caller so
// that they outlive a reload.
class ApiKeyGate {
 public:
  ApiKeyGate(std::vector<UsagePlanSpec> plans, std::vector<ApiKeySpec> keys);

  // API Gateway's checks for a method that requires a key, in its order: the key (x-api-key,
  // header name in any case), the plan's per-key throttle, then `routeLimiter` (the stage's or
  // method's throttle, applied after the per-client one), then the quota, which counts the
  // request when it is admitted.
  ApiKeyDecision admit(const HttpRequest& request, RateLimiter* routeLimiter, int64_t nowMs) const;

  const ApiKeySpec* find(std::string_view value) const;
  const std::vector<UsagePlanSpec>& plans() const { return plans_; }
  const std::vector<ApiKeySpec>& keys() const { return keys_; }

 private:
  std::vector<UsagePlanSpec> plans_;
  std::vector<ApiKeySpec> keys_;
  std::unordered_map<std::string_view, size_t> byValue_;  // Views into keys_' values.
};

// API Gateway's answer when the key check refuses a request (REST): 403 {"message":"Forbidden"}
// (ForbiddenException), 429 {"message":"Limit Exceeded"} (LimitExceededException) or the
// throttling answer. Never called with Admitted.
HttpResponse apiKeyRefusal(ApiKeyOutcome outcome, const ResponseIds& ids);

// A new key value as API Gateway generates one: 40 random alphanumerics.
std::string newApiKeyValue();
// A key id derived from the service, stage and key name: the same on every load.
std::string stableApiKeyId(std::string_view service, std::string_view stage, std::string_view name);

}  // namespace nimbus::gateway
