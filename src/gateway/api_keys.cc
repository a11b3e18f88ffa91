#include "gateway/api_keys.h"

#include <openssl/rand.h>

#include <chrono>

#include "core/hash.h"
#include "core/ids.h"

namespace nimbus::gateway {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr int64_t kMillisPerDay = 86'400'000;
// 1970-01-01 was a Thursday: the week holding it began on Sunday 1969-12-28, four days earlier.
constexpr int64_t kEpochWeekday = 4;

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

uint64_t pack(int64_t index, int64_t used) {
  return (static_cast<uint64_t>(index) << 32) | static_cast<uint32_t>(used);
}

QuotaCounter::Usage unpack(uint64_t word) {
  return {static_cast<int64_t>(word >> 32), static_cast<int64_t>(word & 0xffffffffu)};
}

}  // namespace

std::optional<QuotaPeriod> parseQuotaPeriod(std::string_view name) {
  if (name == "DAY") return QuotaPeriod::Day;
  if (name == "WEEK") return QuotaPeriod::Week;
  if (name == "MONTH") return QuotaPeriod::Month;
  return std::nullopt;
}

std::string_view quotaPeriodName(QuotaPeriod period) {
  switch (period) {
    case QuotaPeriod::Day:
      return "DAY";
    case QuotaPeriod::Week:
      return "WEEK";
    case QuotaPeriod::Month:
      return "MONTH";
  }
  return "DAY";
}

int64_t quotaPeriodIndex(QuotaPeriod period, int64_t epochMs) {
  int64_t day = floorDiv(epochMs, kMillisPerDay);
  switch (period) {
    case QuotaPeriod::Day:
      return day;
    case QuotaPeriod::Week:
      return floorDiv(day + kEpochWeekday, 7);
    case QuotaPeriod::Month: {
      year_month_day date{sys_days{days{day}}};
      return (static_cast<int>(date.year()) - 1970) * 12 +
             static_cast<int64_t>(static_cast<unsigned>(date.month())) - 1;
    }
  }
  return day;
}

int64_t quotaPeriodStartMs(QuotaPeriod period, int64_t index) {
  switch (period) {
    case QuotaPeriod::Day:
      return index * kMillisPerDay;
    case QuotaPeriod::Week:
      return (index * 7 - kEpochWeekday) * kMillisPerDay;
    case QuotaPeriod::Month: {
      int64_t years = floorDiv(index, 12);
      auto month = static_cast<unsigned>(index - years * 12 + 1);
      sys_days first{std::chrono::year{static_cast<int>(1970 + years)} / std::chrono::month{month} /
                     1};
      return std::chrono::duration_cast<milliseconds>(first.time_since_epoch()).count();
    }
  }
  return index * kMillisPerDay;
}

int64_t quotaLimit(const QuotaSpec& quota, int64_t index, int64_t firstIndex) {
  int64_t limit = quota.limit;
  if (index <= firstIndex) limit -= quota.offset;
  return limit < 0 ? 0 : limit;
}

QuotaCounter::QuotaCounter(int64_t index, int64_t used) : word_(pack(index, used)) {}

bool QuotaCounter::tryConsume(int64_t index, int64_t limit) {
  uint64_t word = word_.load(std::memory_order_relaxed);
  while (true) {
    Usage now = unpack(word);
    int64_t used = index > now.index ? 0 : now.used;
    int64_t at = index > now.index ? index : now.index;
    if (used >= limit || used >= 0xffffffffLL) return false;
    if (word_.compare_exchange_weak(word, pack(at, used + 1), std::memory_order_acq_rel)) {
      markChanged();
      return true;
    }
  }
}

QuotaCounter::Usage QuotaCounter::usage() const {
  return unpack(word_.load(std::memory_order_acquire));
}

int64_t QuotaCounter::usedIn(int64_t index) const {
  Usage now = usage();
  return now.index >= index ? now.used : 0;
}

ApiKeyGate::ApiKeyGate(std::vector<UsagePlanSpec> plans, std::vector<ApiKeySpec> keys)
    : plans_(std::move(plans)), keys_(std::move(keys)) {
  byValue_.reserve(keys_.size());
  for (size_t i = 0; i < keys_.size(); ++i) {
    ApiKeySpec& key = keys_[i];
    if (key.plan && !key.limiter) {
      const UsagePlanSpec& plan = plans_[*key.plan];
      if (plan.rateLimit) {
        key.limiter = std::make_shared<RateLimiter>(*plan.rateLimit, plan.burstLimit);
      }
    }
    byValue_.emplace(key.value, i);
  }
}

const ApiKeySpec* ApiKeyGate::find(std::string_view value) const {
  auto it = byValue_.find(value);
  return it == byValue_.end() ? nullptr : &keys_[it->second];
}

ApiKeyDecision ApiKeyGate::admit(const HttpRequest& request, RateLimiter* routeLimiter,
                                 int64_t nowMs) const {
  ApiKeyDecision decision;
  const HttpHeader* header = findHeader(request.headers, "x-api-key");
  if (!header) return decision;
  decision.key = find(header->value);
  // API Gateway answers a missing, unknown or disabled key, and a key that no usage plan of
  // the stage holds, with the same 403.
  if (!decision.key || !decision.key->enabled || !decision.key->plan) return decision;
  const ApiKeySpec& key = *decision.key;
  const UsagePlanSpec& plan = plans_[*key.plan];
  decision.outcome = ApiKeyOutcome::Throttled;
  if (key.limiter && !key.limiter->tryAcquire()) return decision;
  if (routeLimiter && !routeLimiter->tryAcquire()) return decision;
  if (plan.quota && key.counter) {
    int64_t index = quotaPeriodIndex(plan.quota->period, nowMs);
    if (!key.counter->tryConsume(index, quotaLimit(*plan.quota, index, plan.firstPeriod))) {
      decision.outcome = ApiKeyOutcome::QuotaExceeded;
      return decision;
    }
  }
  decision.outcome = ApiKeyOutcome::Admitted;
  return decision;
}

HttpResponse apiKeyRefusal(ApiKeyOutcome outcome, const ResponseIds& ids) {
  if (outcome == ApiKeyOutcome::Throttled) {
    return errorResponse(ApiKind::Rest, GatewayError::Throttled, ids);
  }
  HttpResponse response;
  // Gateway responses INVALID_API_KEY and QUOTA_EXCEEDED, with the default template.
  bool quota = outcome == ApiKeyOutcome::QuotaExceeded;
  response.status = quota ? 429 : 403;
  response.body = quota ? R"({"message":"Limit Exceeded"})" : R"({"message":"Forbidden"})";
  response.headers.push_back({"Content-Type", "application/json"});
  response.headers.push_back(
      {"x-amzn-ErrorType", quota ? "LimitExceededException" : "ForbiddenException"});
  addResponseIds(ApiKind::Rest, response, ids);
  return response;
}

std::string newApiKeyValue() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string value;
  unsigned char bytes[64];
  while (value.size() < 40) {
    // Should the system's generator fail, the thread's own finishes the value.
    if (RAND_bytes(bytes, sizeof bytes) != 1) return value + randomAlnum(40 - value.size());
    for (unsigned char b : bytes) {
      // 248 = 4 * 62: taking only bytes below it keeps every character equally likely.
      if (b < 248 && value.size() < 40) value.push_back(kChars[b % 62]);
    }
  }
  return value;
}

std::string stableApiKeyId(std::string_view service, std::string_view stage,
                           std::string_view name) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string seed;
  seed.append(service).append("/").append(stage).append("/").append(name);
  std::string digest = sha256(seed);
  std::string id;
  for (int i = 0; i < 10; ++i) id.push_back(kChars[static_cast<unsigned char>(digest[i]) % 36]);
  return id;
}

}  // namespace nimbus::gateway
