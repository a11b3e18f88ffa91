// API keys and usage plans: quota periods (UTC days, Sunday weeks, calendar months), the offset
// of a plan's first period, the counter, key lookup and the order of the checks.
#include "gateway/api_keys.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace nimbus::gateway {
namespace {

using namespace std::chrono;

int64_t ms(year_month_day date, hours h = hours(0), minutes m = minutes(0)) {
  return duration_cast<milliseconds>((sys_days{date} + h + m).time_since_epoch()).count();
}

constexpr int64_t kLastMs = 86'399'999;  // 23:59:59.999 after a midnight.

TEST(QuotaPeriodTest, Names) {
  EXPECT_EQ(parseQuotaPeriod("DAY"), QuotaPeriod::Day);
  EXPECT_EQ(parseQuotaPeriod("WEEK"), QuotaPeriod::Week);
  EXPECT_EQ(parseQuotaPeriod("MONTH"), QuotaPeriod::Month);
  EXPECT_FALSE(parseQuotaPeriod("day"));
  EXPECT_EQ(quotaPeriodName(QuotaPeriod::Week), "WEEK");
}

TEST(QuotaPeriodTest, DaysStartAtUtcMidnight) {
  int64_t midnight = ms(2024y / March / 11);
  int64_t day = quotaPeriodIndex(QuotaPeriod::Day, midnight);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Day, midnight - 1), day - 1);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Day, midnight + kLastMs), day);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Day, midnight + kLastMs + 1), day + 1);
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Day, day), midnight);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Day, 0), 0);
}

TEST(QuotaPeriodTest, WeeksStartOnSundayUtc) {
  // 1970-01-01 was a Thursday: its week began on Sunday 1969-12-28.
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Week, 0), 0);
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Week, 0), ms(1969y / December / 28));
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Week, ms(1970y / January / 3, hours(23))), 0);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Week, ms(1970y / January / 4)), 1);

  int64_t sunday = ms(2024y / March / 10);  // A Sunday.
  int64_t week = quotaPeriodIndex(QuotaPeriod::Week, sunday);
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Week, week), sunday);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Week, sunday - 1), week - 1);  // Saturday night.
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Week, ms(2024y / March / 16, hours(23))), week);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Week, ms(2024y / March / 17)), week + 1);
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Week, week + 1), ms(2024y / March / 17));
}

TEST(QuotaPeriodTest, MonthsAreCalendarMonthsUtc) {
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Month, 0), 0);
  int64_t march = quotaPeriodIndex(QuotaPeriod::Month, ms(2024y / March / 1));
  EXPECT_EQ(march, (2024 - 1970) * 12 + 2);
  // A leap February's last millisecond, then March.
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Month, ms(2024y / February / 29) + kLastMs), march - 1);
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Month, ms(2024y / March / 31) + kLastMs), march);
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Month, march), ms(2024y / March / 1));
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Month, march + 1), ms(2024y / April / 1));
  // Across a year.
  int64_t december = quotaPeriodIndex(QuotaPeriod::Month, ms(2023y / December / 31, hours(23)));
  EXPECT_EQ(quotaPeriodIndex(QuotaPeriod::Month, ms(2024y / January / 1)), december + 1);
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Month, december), ms(2023y / December / 1));
  EXPECT_EQ(quotaPeriodStartMs(QuotaPeriod::Month, december + 1), ms(2024y / January / 1));
}

TEST(QuotaPeriodTest, OffsetShortensOnlyTheFirstPeriod) {
  QuotaSpec quota{10, 3, QuotaPeriod::Day};
  EXPECT_EQ(quotaLimit(quota, 100, 100), 7);
  EXPECT_EQ(quotaLimit(quota, 101, 100), 10);
  EXPECT_EQ(quotaLimit(QuotaSpec{2, 5, QuotaPeriod::Day}, 100, 100), 0);
  EXPECT_EQ(quotaLimit(QuotaSpec{2, 5, QuotaPeriod::Day}, 101, 100), 2);
}

TEST(QuotaCounterTest, CountsUpToTheLimitThenAgainInTheNextPeriod) {
  QuotaCounter counter(7, 0);
  EXPECT_FALSE(counter.takeChanged());
  EXPECT_TRUE(counter.tryConsume(7, 3));
  EXPECT_TRUE(counter.takeChanged());
  EXPECT_FALSE(counter.takeChanged());
  EXPECT_TRUE(counter.tryConsume(7, 3));
  EXPECT_TRUE(counter.tryConsume(7, 3));
  EXPECT_FALSE(counter.tryConsume(7, 3));
  EXPECT_EQ(counter.usedIn(7), 3);
  // The clock stepped back a period: still this period's count.
  EXPECT_FALSE(counter.tryConsume(6, 3));
  EXPECT_TRUE(counter.tryConsume(8, 3));
  EXPECT_EQ(counter.usage().index, 8);
  EXPECT_EQ(counter.usage().used, 1);
  EXPECT_EQ(counter.usedIn(9), 0);
}

TEST(QuotaCounterTest, RestoredCountAndZeroLimit) {
  QuotaCounter counter(20000, 5);
  EXPECT_FALSE(counter.tryConsume(20000, 5));
  EXPECT_TRUE(counter.tryConsume(20000, 6));
  EXPECT_FALSE(counter.tryConsume(20001, 0));
}

HttpRequest withKey(const std::string& name, const std::string& value) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/dev/secret";
  r.headers.push_back({name, value});
  return r;
}

const std::string kQuotaKey = "quota-key-0123456789abcdef";
const std::string kFastKey = "fast-key-0123456789abcdefg";
const std::string kOffKey = "off-key-0123456789abcdefgh";
const std::string kLooseKey = "loose-key-0123456789abcdef";

int64_t now() {
  return ms(2024y / March / 11, hours(12));
}

ApiKeyGate makeGate() {
  std::vector<UsagePlanSpec> plans(2);
  plans[0].name = "free";
  plans[0].quota = QuotaSpec{2, 0, QuotaPeriod::Day};
  plans[1].name = "fast";
  plans[1].rateLimit = 0.001;  // One token per 1000 s: no refill within a test.
  plans[1].burstLimit = 2;
  std::vector<ApiKeySpec> keys(4);
  keys[0] = {
      "id0",     "quota",
      kQuotaKey, "",
      "",        true,
      0,         std::make_shared<QuotaCounter>(quotaPeriodIndex(QuotaPeriod::Day, now()), 0),
      nullptr};
  keys[1] = {"id1", "fast", kFastKey, "", "", true, 1, nullptr, nullptr};
  keys[2] = {"id2", "off", kOffKey, "", "", false, 0, nullptr, nullptr};
  keys[3] = {"id3", "loose", kLooseKey, "", "", true, std::nullopt, nullptr, nullptr};
  return ApiKeyGate(std::move(plans), std::move(keys));
}

// What `gate` decides for a request whose x-api-key is `value`.
ApiKeyOutcome outcome(const ApiKeyGate& gate, const std::string& value,
                      RateLimiter* route = nullptr, int64_t at = now()) {
  return gate.admit(withKey("x-api-key", value), route, at).outcome;
}

TEST(ApiKeyGateTest, LooksUpTheExactValue) {
  ApiKeyGate gate = makeGate();
  ASSERT_NE(gate.find(kQuotaKey), nullptr);
  EXPECT_EQ(gate.find(kQuotaKey)->name, "quota");
  EXPECT_EQ(gate.find("QUOTA-KEY-0123456789ABCDEF"), nullptr);
  EXPECT_EQ(gate.find(kQuotaKey.substr(1)), nullptr);
  EXPECT_EQ(gate.find(""), nullptr);
}

TEST(ApiKeyGateTest, MissingUnknownDisabledOrPlanlessKeysAreForbidden) {
  ApiKeyGate gate = makeGate();
  HttpRequest none;
  EXPECT_EQ(gate.admit(none, nullptr, now()).outcome, ApiKeyOutcome::Forbidden);
  EXPECT_EQ(outcome(gate, "nope"), ApiKeyOutcome::Forbidden);
  EXPECT_EQ(outcome(gate, kOffKey), ApiKeyOutcome::Forbidden);
  EXPECT_EQ(outcome(gate, kLooseKey), ApiKeyOutcome::Forbidden);
  // Another header does not carry the key.
  EXPECT_EQ(gate.admit(withKey("Authorization", kQuotaKey), nullptr, now()).outcome,
            ApiKeyOutcome::Forbidden);
}

TEST(ApiKeyGateTest, HeaderNameInAnyCase) {
  ApiKeyGate gate = makeGate();
  ApiKeyDecision d = gate.admit(withKey("X-API-Key", kQuotaKey), nullptr, now());
  EXPECT_EQ(d.outcome, ApiKeyOutcome::Admitted);
  ASSERT_NE(d.key, nullptr);
  EXPECT_EQ(d.key->id, "id0");
}

TEST(ApiKeyGateTest, QuotaCountsAdmittedRequests) {
  ApiKeyGate gate = makeGate();
  EXPECT_EQ(outcome(gate, kQuotaKey), ApiKeyOutcome::Admitted);
  EXPECT_EQ(outcome(gate, kQuotaKey), ApiKeyOutcome::Admitted);
  EXPECT_EQ(outcome(gate, kQuotaKey), ApiKeyOutcome::QuotaExceeded);
  // The next UTC day starts a new period.
  EXPECT_EQ(outcome(gate, kQuotaKey, nullptr, ms(2024y / March / 12)), ApiKeyOutcome::Admitted);
}

TEST(ApiKeyGateTest, PerKeyThrottleThenRouteThrottle) {
  ApiKeyGate gate = makeGate();
  EXPECT_EQ(outcome(gate, kFastKey), ApiKeyOutcome::Admitted);
  EXPECT_EQ(outcome(gate, kFastKey), ApiKeyOutcome::Admitted);
  EXPECT_EQ(outcome(gate, kFastKey), ApiKeyOutcome::Throttled);

  // The route's own limiter applies after the key: a refused key takes none of its tokens.
  RateLimiter route(0.001, 1);
  EXPECT_EQ(outcome(gate, "nope", &route), ApiKeyOutcome::Forbidden);
  EXPECT_EQ(outcome(gate, kQuotaKey, &route), ApiKeyOutcome::Admitted);
  // Throttled by the route: the quota does not count it.
  EXPECT_EQ(outcome(gate, kQuotaKey, &route), ApiKeyOutcome::Throttled);
  EXPECT_EQ(gate.find(kQuotaKey)->counter->usedIn(quotaPeriodIndex(QuotaPeriod::Day, now())), 1);
}

TEST(ApiKeyRefusalTest, GatewayResponses) {
  ResponseIds ids{"req-1", "ext-1", "Root=1-x"};
  HttpResponse forbidden = apiKeyRefusal(ApiKeyOutcome::Forbidden, ids);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.body, R"({"message":"Forbidden"})");
  ASSERT_NE(findHeader(forbidden.headers, "x-amzn-ErrorType"), nullptr);
  EXPECT_EQ(findHeader(forbidden.headers, "x-amzn-ErrorType")->value, "ForbiddenException");
  EXPECT_EQ(findHeader(forbidden.headers, "x-amzn-RequestId")->value, "req-1");
  EXPECT_EQ(findHeader(forbidden.headers, "x-amz-apigw-id")->value, "ext-1");
  EXPECT_EQ(findHeader(forbidden.headers, "Content-Type")->value, "application/json");

  HttpResponse quota = apiKeyRefusal(ApiKeyOutcome::QuotaExceeded, ids);
  EXPECT_EQ(quota.status, 429);
  EXPECT_EQ(quota.body, R"({"message":"Limit Exceeded"})");
  EXPECT_EQ(findHeader(quota.headers, "x-amzn-ErrorType")->value, "LimitExceededException");

  HttpResponse throttled = apiKeyRefusal(ApiKeyOutcome::Throttled, ids);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.body, R"({"message":"Too Many Requests"})");
  EXPECT_EQ(findHeader(throttled.headers, "x-amzn-ErrorType")->value, "TooManyRequestsException");
}

TEST(ApiKeyValueTest, GeneratedValuesAndStableIds) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string value = newApiKeyValue();
    EXPECT_EQ(value.size(), 40u);
    for (char c : value) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << value;
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 20u);
  std::string id = stableApiKeyId("shop", "dev", "partner");
  EXPECT_EQ(id.size(), 10u);
  for (char c : id) EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || std::isdigit(c));
  EXPECT_EQ(id, stableApiKeyId("shop", "dev", "partner"));
  EXPECT_NE(id, stableApiKeyId("shop", "prod", "partner"));
  EXPECT_NE(id, stableApiKeyId("shop", "dev", "other"));
}

}  // namespace
}  // namespace nimbus::gateway
