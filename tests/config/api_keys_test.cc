// API keys and usage plans: provider.apiGateway.apiKeys, usagePlan, apiKeySourceType, and
// `private` on events.
#include <gtest/gtest.h>

#include "config/project.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using ApiKeys = ProjectTest;

// serverless.yml with `apiGateway` under provider (indented by four spaces) and `events`.
std::string project(const std::string& apiGateway, const std::string& events = "") {
  return "service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\n" +
         (apiGateway.empty() ? "" : "  apiGateway:\n" + apiGateway) +
         "functions:\n  app:\n    handler: handler.main\n    events:\n" +
         (events.empty() ? "      - http: GET open\n" : events);
}

// A usagePlan list with the plan "free".
const std::string kFreePlan = R"yaml(    usagePlan:
      - free:
          quota:
            limit: 3
            period: DAY
)yaml";

bool anyWarning(const ProjectConfig& p, const std::string& part) {
  for (const auto& w : p.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(ApiKeys, NamesOnlyMakeTheDefaultPlan) {
  auto p = ok(project("    apiKeys:\n      - first\n      - second\n"));
  ASSERT_EQ(p.usagePlans.size(), 1u);
  EXPECT_EQ(p.usagePlans[0].name, "default");
  EXPECT_FALSE(p.usagePlans[0].quota);
  EXPECT_FALSE(p.usagePlans[0].throttle);
  ASSERT_EQ(p.apiKeys.size(), 2u);
  EXPECT_EQ(p.apiKeys[0].name, "first");
  EXPECT_FALSE(p.apiKeys[0].value);
  EXPECT_TRUE(p.apiKeys[0].enabled);
  EXPECT_EQ(p.apiKeys[0].plan, "default");
  EXPECT_EQ(p.apiKeys[1].name, "second");
  EXPECT_EQ(p.apiKeys[1].where.line, 8);
  EXPECT_EQ(p.apiKeys[1].path, "provider.apiGateway.apiKeys[1]");
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(ApiKeys, ObjectFormWithSinglePlan) {
  auto p = ok(project(R"yaml(    apiKeys:
      - name: partner
        value: abcdefghijklmnopqrstuvwxyz
        description: For the partner
        customerId: cust-1
        enabled: false
    usagePlan:
      quota:
        limit: 5000
        offset: 2
        period: MONTH
      throttle:
        burstLimit: 200
        rateLimit: 100
)yaml"));
  ASSERT_EQ(p.apiKeys.size(), 1u);
  const ApiKeyConfig& key = p.apiKeys[0];
  EXPECT_EQ(key.name, "partner");
  EXPECT_EQ(key.value, "abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(key.description, "For the partner");
  EXPECT_EQ(key.customerId, "cust-1");
  EXPECT_FALSE(key.enabled);
  EXPECT_EQ(key.plan, "default");
  ASSERT_EQ(p.usagePlans.size(), 1u);
  const UsagePlanConfig& plan = p.usagePlans[0];
  EXPECT_EQ(plan.name, "default");
  ASSERT_TRUE(plan.quota);
  EXPECT_EQ(plan.quota->limit, 5000);
  EXPECT_EQ(plan.quota->offset, 2);
  EXPECT_EQ(plan.quota->period, "MONTH");
  ASSERT_TRUE(plan.throttle);
  EXPECT_EQ(plan.throttle->burstLimit, 200);
  EXPECT_EQ(plan.throttle->rateLimit, 100);
}

TEST_F(ApiKeys, KeysGroupedByNamedPlans) {
  auto p = ok(project(R"yaml(    apiKeys:
      - free:
          - freeKey
          - name: freeTwo
            value: 0123456789abcdefghijklmno
      - paid:
          - paidKey
    usagePlan:
      - free:
          quota:
            limit: 3
            period: DAY
      - paid:
          throttle:
            burstLimit: 2
            rateLimit: 1
)yaml"));
  ASSERT_EQ(p.usagePlans.size(), 2u);
  EXPECT_EQ(p.usagePlans[0].name, "free");
  ASSERT_TRUE(p.usagePlans[0].quota);
  EXPECT_EQ(p.usagePlans[0].quota->limit, 3);
  EXPECT_EQ(p.usagePlans[0].quota->offset, 0);
  EXPECT_EQ(p.usagePlans[0].quota->period, "DAY");
  EXPECT_FALSE(p.usagePlans[0].throttle);
  EXPECT_EQ(p.usagePlans[1].name, "paid");
  EXPECT_FALSE(p.usagePlans[1].quota);
  ASSERT_TRUE(p.usagePlans[1].throttle);
  ASSERT_EQ(p.apiKeys.size(), 3u);
  EXPECT_EQ(p.apiKeys[0].name, "freeKey");
  EXPECT_EQ(p.apiKeys[0].plan, "free");
  EXPECT_EQ(p.apiKeys[0].path, "provider.apiGateway.apiKeys[0].free[0]");
  EXPECT_EQ(p.apiKeys[1].name, "freeTwo");
  EXPECT_EQ(p.apiKeys[1].value, "0123456789abcdefghijklmno");
  EXPECT_EQ(p.apiKeys[1].plan, "free");
  EXPECT_EQ(p.apiKeys[2].name, "paidKey");
  EXPECT_EQ(p.apiKeys[2].plan, "paid");
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(ApiKeys, UsagePlanAloneMakesAPlanWithoutKeys) {
  auto p = ok(project("    usagePlan:\n      quota:\n        limit: 10\n        period: WEEK\n"));
  ASSERT_EQ(p.usagePlans.size(), 1u);
  EXPECT_EQ(p.usagePlans[0].quota->period, "WEEK");
  EXPECT_TRUE(p.apiKeys.empty());
}

TEST_F(ApiKeys, ShortValueIsAnErrorWithItsLocation) {
  auto errors = failing(project(R"yaml(    apiKeys:
      - name: tooShort
        value: abcdefghij012345678
)yaml"));
  auto e = errorAt(errors, "provider.apiGateway.apiKeys[0].value");
  EXPECT_EQ(e.where.file, "serverless.yml");
  EXPECT_EQ(e.where.line, 8);
  EXPECT_TRUE(contains(e.message, "20 to 128 characters long, got 19")) << e.message;
  EXPECT_TRUE(contains(e.format(), "serverless.yml:8:")) << e.format();
}

TEST_F(ApiKeys, ValueOfTwentyCharactersIsAccepted) {
  auto p = ok(project("    apiKeys:\n      - name: k\n        value: abcdefghij0123456789\n"));
  ASSERT_EQ(p.apiKeys.size(), 1u);
  EXPECT_EQ(p.apiKeys[0].value->size(), 20u);
}

TEST_F(ApiKeys, LongValueIsAnError) {
  auto errors = failing(
      project("    apiKeys:\n      - name: k\n        value: " + std::string(129, 'a') + "\n"));
  errorAt(errors, "provider.apiGateway.apiKeys[0].value");
}

TEST_F(ApiKeys, GroupWithoutSuchPlanIsAnError) {
  auto errors = failing(project("    apiKeys:\n      - gold:\n          - goldKey\n" + kFreePlan));
  auto e = errorAt(errors, "provider.apiGateway.apiKeys[0].gold");
  EXPECT_EQ(e.where.line, 7);
  EXPECT_TRUE(contains(e.message, "no usage plan")) << e.message;
}

TEST_F(ApiKeys, GroupWithSinglePlanIsAnError) {
  auto errors = failing(project(R"yaml(    apiKeys:
      - free:
          - freeKey
    usagePlan:
      quota:
        limit: 3
        period: DAY
)yaml"));
  errorAt(errors, "provider.apiGateway.apiKeys[0].free");
}

TEST_F(ApiKeys, UngroupedKeyWithPlanListIsAnError) {
  auto errors = failing(project("    apiKeys:\n      - loose\n" + kFreePlan));
  auto e = errorAt(errors, "provider.apiGateway.apiKeys[0]");
  EXPECT_TRUE(contains(e.message, "listed under its plan")) << e.message;
}

TEST_F(ApiKeys, DuplicateNamesAndValuesAreErrors) {
  auto errors = failing(project(R"yaml(    apiKeys:
      - name: one
        value: abcdefghijklmnopqrstuvwxyz
      - name: two
        value: abcdefghijklmnopqrstuvwxyz
      - one
)yaml"));
  auto value = errorAt(errors, "provider.apiGateway.apiKeys[1]");
  EXPECT_TRUE(contains(value.message, "same value as 'one'")) << value.message;
  auto name = errorAt(errors, "provider.apiGateway.apiKeys[2]");
  EXPECT_TRUE(contains(name.message, "duplicate API key name 'one'")) << name.message;
  EXPECT_TRUE(contains(name.message, "serverless.yml:7")) << name.message;
}

TEST_F(ApiKeys, QuotaNeedsLimitAndAValidPeriod) {
  auto errors = failing(project(R"yaml(    usagePlan:
      quota:
        period: day
        offset: -1
)yaml"));
  errorAt(errors, "provider.apiGateway.usagePlan.quota.limit");
  auto period = errorAt(errors, "provider.apiGateway.usagePlan.quota.period");
  EXPECT_TRUE(contains(period.message, "DAY, WEEK or MONTH")) << period.message;
  EXPECT_EQ(period.where.line, 8);
  errorAt(errors, "provider.apiGateway.usagePlan.quota.offset");
}

TEST_F(ApiKeys, PlanListItemsNeedOneName) {
  auto errors = failing(project(R"yaml(    usagePlan:
      - free: {}
        paid: {}
      - free: {}
      - free: {}
)yaml"));
  errorAt(errors, "provider.apiGateway.usagePlan[0]");
  auto dup = errorAt(errors, "provider.apiGateway.usagePlan[2].free");
  EXPECT_TRUE(contains(dup.message, "duplicate usage plan 'free'")) << dup.message;
}

TEST_F(ApiKeys, WrongShapesAreErrors) {
  errorAt(failing(project("    apiKeys: one\n")), "provider.apiGateway.apiKeys");
  errorAt(failing(project("    usagePlan: 5\n")), "provider.apiGateway.usagePlan");
  errorAt(failing(project("    apiKeys:\n      - [a]\n")), "provider.apiGateway.apiKeys[0]");
  errorAt(failing(project("    apiKeys:\n      - value: abcdefghijklmnopqrstuvwxyz\n")),
          "provider.apiGateway.apiKeys[0].name");
  errorAt(failing(project("    apiKeys:\n      - name: a\n        enabled: maybe\n")),
          "provider.apiGateway.apiKeys[0].enabled");
  errorAt(failing(project("    usagePlan:\n      throttle:\n        rateLimit: 1.5\n"
                          "        burstLimit: 2\n")),
          "provider.apiGateway.usagePlan.throttle.rateLimit");
}

TEST_F(ApiKeys, HalfAThrottleIsAWarning) {
  auto p = ok(project("    usagePlan:\n      throttle:\n        rateLimit: 5\n"));
  ASSERT_EQ(p.usagePlans.size(), 1u);
  EXPECT_FALSE(p.usagePlans[0].throttle);
  EXPECT_TRUE(anyWarning(p, "needs both burstLimit and rateLimit"));
}

TEST_F(ApiKeys, PrivateOnRestEvents) {
  auto p = ok(project("    apiKeys:\n      - k\n", R"yaml(      - http:
          method: get
          path: secret
          private: true
      - http:
          method: get
          path: open
          private: false
      - http: GET plain
)yaml"));
  ASSERT_EQ(p.functions.size(), 1u);
  const auto& events = p.functions[0].httpEvents;
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].apiKeyRequired);
  EXPECT_FALSE(events[1].apiKeyRequired);
  EXPECT_FALSE(events[2].apiKeyRequired);
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(ApiKeys, PrivateOnHttpApiIsIgnoredWithAWarning) {
  auto p = ok(project("",
                      "      - httpApi:\n          method: get\n          path: /x\n"
                      "          private: true\n"));
  EXPECT_FALSE(p.functions[0].httpEvents[0].apiKeyRequired);
  EXPECT_TRUE(anyWarning(p, "HTTP APIs (httpApi events) have no API keys"));
}

TEST_F(ApiKeys, PrivateRouteWithoutKeysWarns) {
  auto p = ok(project("",
                      "      - http:\n          method: get\n          path: secret\n"
                      "          private: true\n"));
  EXPECT_TRUE(anyWarning(p, "refuses every request to it (403)"));
}

TEST_F(ApiKeys, ApiKeySourceType) {
  EXPECT_TRUE(ok(project("    apiKeySourceType: header\n    apiKeys: [k]\n")).warnings.empty());
  EXPECT_TRUE(anyWarning(ok(project("    apiKeySourceType: AUTHORIZER\n")),
                         "AUTHORIZER is not supported yet"));
  errorAt(failing(project("    apiKeySourceType: COOKIE\n")),
          "provider.apiGateway.apiKeySourceType");
}

TEST_F(ApiKeys, ValuesFromVariables) {
  env_["KEY_VALUE"] = "from-the-environment-0123";
  auto p = ok(project("    apiKeys:\n      - name: k\n        value: ${env:KEY_VALUE}\n"));
  EXPECT_EQ(p.apiKeys[0].value, "from-the-environment-0123");
}

// Framework v2 read apiKeys, usagePlan and resourcePolicy from `provider` too, the apiGateway
// place winning; v2 projects keep them there.
TEST_F(ApiKeys, ProviderLevelKeysAndPlanAsFrameworkV2) {
  auto p = ok(R"yaml(service: shop
provider:
  name: aws
  runtime: nodejs20.x
  apiKeys:
    - name: legacy
      value: legacy-key-value-0123456
  usagePlan:
    quota:
      limit: 10
      period: DAY
functions:
  app:
    handler: handler.main
    events:
      - http:
          method: get
          path: reports
          private: true
)yaml");
  ASSERT_EQ(p.apiKeys.size(), 1u);
  EXPECT_EQ(p.apiKeys[0].name, "legacy");
  EXPECT_EQ(p.apiKeys[0].value, "legacy-key-value-0123456");
  EXPECT_EQ(p.apiKeys[0].plan, "default");
  EXPECT_EQ(p.apiKeys[0].path, "provider.apiKeys[0]");
  ASSERT_EQ(p.usagePlans.size(), 1u);
  ASSERT_TRUE(p.usagePlans[0].quota);
  EXPECT_EQ(p.usagePlans[0].quota->limit, 10);
  EXPECT_TRUE(anyWarning(p,
                         "serverless.yml:5: provider.apiKeys is the Serverless Framework v2 "
                         "place"));
  EXPECT_TRUE(anyWarning(p, "serverless.yml:8: provider.usagePlan is the Serverless Framework v2"));
  EXPECT_FALSE(anyWarning(p, "is not supported yet"));
  EXPECT_FALSE(anyWarning(p, "refuses every request"));

  // provider.apiGateway.apiKeys wins over provider.apiKeys; errors name the v2 place.
  p = ok(project("    apiKeys: [modern]\n")
             .insert(std::string("service: shop\nprovider:\n").size(), "  apiKeys: [old]\n"));
  ASSERT_EQ(p.apiKeys.size(), 1u);
  EXPECT_EQ(p.apiKeys[0].name, "modern");
  auto errors = failing(R"yaml(service: shop
provider:
  name: aws
  runtime: nodejs20.x
  apiKeys:
    - name: short
      value: tiny
functions:
  app:
    handler: handler.main
)yaml");
  EXPECT_EQ(errorAt(errors, "provider.apiKeys[0].value").where.line, 7);
}

}  // namespace
}  // namespace nimbus::config::testing
