// httpApi (payload 2.0) and http (REST, payload 1.0) events.
#include <gtest/gtest.h>

#include "config/project.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Events = ProjectTest;

// A project whose function `app` has `events` (each line indented 6 spaces).
std::string withEvents(const std::string& events) {
  return "service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  app:\n"
         "    handler: handler.main\n    events:\n" +
         events;
}

TEST_F(Events, HttpApiForms) {
  auto project = ok(withEvents(R"yaml(      - httpApi: '*'
      - httpApi: 'GET /items/{id}'
      - httpApi:
          method: post
          path: /items
      - httpApi:
          method: '*'
          path: /any/{proxy+}
      - httpApi: 'delete /items/{id}'
)yaml"));
  const auto& events = project.functions.at(0).httpEvents;
  ASSERT_EQ(events.size(), 5u);
  for (const auto& event : events) EXPECT_EQ(event.kind, HttpEvent::Kind::HttpApi);
  EXPECT_EQ(events[0].method, "ANY");
  EXPECT_EQ(events[0].path, "*");
  EXPECT_TRUE(events[0].isDefaultRoute);
  EXPECT_EQ(events[0].where.line, 9);
  EXPECT_EQ(events[1].method, "GET");
  EXPECT_EQ(events[1].path, "/items/{id}");
  EXPECT_FALSE(events[1].isDefaultRoute);
  EXPECT_EQ(events[2].method, "POST");
  EXPECT_EQ(events[2].path, "/items");
  EXPECT_EQ(events[3].method, "ANY");
  EXPECT_EQ(events[3].path, "/any/{proxy+}");
  EXPECT_EQ(events[4].method, "DELETE");
  EXPECT_TRUE(project.warnings.empty());
}

TEST_F(Events, HttpApiDefaultRouteInObjectForm) {
  auto project = ok(withEvents("      - httpApi:\n          path: '*'\n"));
  const auto& event = project.functions.at(0).httpEvents.at(0);
  EXPECT_TRUE(event.isDefaultRoute);
  EXPECT_EQ(event.method, "ANY");
}

TEST_F(Events, HttpApiErrors) {
  auto errors = failing(withEvents(R"yaml(      - httpApi:
          path: /no-method
      - httpApi:
          method: get
          path: '*'
      - httpApi: 'FETCH /x'
      - httpApi: 'GET items'
      - httpApi: 'GET /a/{proxy+}/b'
      - httpApi: {method: get}
      - httpApi: 42
)yaml"));
  EXPECT_EQ(errorAt(errors, "functions.app.events[0].httpApi.method").where.line, 9);
  EXPECT_EQ(errorAt(errors, "functions.app.events[1].httpApi.path").where.line, 13);
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[2].httpApi").message, "'FETCH'"));
  EXPECT_TRUE(
      contains(errorAt(errors, "functions.app.events[3].httpApi").message, "must start with '/'"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[4].httpApi").message, "last segment"));
  EXPECT_TRUE(
      contains(errorAt(errors, "functions.app.events[5].httpApi.path").message, "needs a path"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[6].httpApi").message, "a number"));
}

TEST_F(Events, RestForms) {
  auto project = ok(withEvents(R"yaml(      - http: 'GET hello/{name}'
      - http: GET /
      - http:
          method: post
          path: /users/create/
      - http:
          method: any
          path: '{proxy+}'
      - http: '* /star'
)yaml"));
  const auto& events = project.functions.at(0).httpEvents;
  ASSERT_EQ(events.size(), 5u);
  for (const auto& event : events) EXPECT_EQ(event.kind, HttpEvent::Kind::Rest);
  EXPECT_EQ(events[0].method, "GET");
  EXPECT_EQ(events[0].path, "/hello/{name}");
  EXPECT_EQ(events[1].path, "/");
  EXPECT_EQ(events[2].method, "POST");
  EXPECT_EQ(events[2].path, "/users/create");
  EXPECT_EQ(events[3].method, "ANY");
  EXPECT_EQ(events[3].path, "/{proxy+}");
  EXPECT_EQ(events[4].method, "ANY");
  EXPECT_FALSE(events[4].isDefaultRoute);
}

TEST_F(Events, UnsupportedEventSettingsAreWarned) {
  auto project = ok(withEvents(R"yaml(      - http:
          method: get
          path: users
          cors: true
          async: true
      - httpApi:
          method: get
          path: /v2
          timeout: 3
)yaml"));
  std::vector<std::string> expected = {
      "serverless.yml:13: functions.app.events[0].http.async is not supported yet and is "
      "ignored",
      "serverless.yml:17: functions.app.events[1].httpApi.timeout is not supported yet and is "
      "ignored",
  };
  EXPECT_EQ(project.warnings, expected);
  EXPECT_EQ(project.functions.at(0).httpEvents.size(), 2u);
}

TEST_F(Events, BadEventShapes) {
  auto errors = failing(withEvents(R"yaml(      - http: 'GET'
      - http:
          path: /x
      - httpApi: '*'
        sqs: arn
      - [not, an, event]
)yaml"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[0].http").message, "METHOD path"));
  EXPECT_EQ(errorAt(errors, "functions.app.events[1].http.method").where.line, 10);
  EXPECT_EQ(errorAt(errors, "functions.app.events[2]").where.line, 12);
  EXPECT_EQ(errorAt(errors, "functions.app.events[3]").where.line, 14);

  errors = failing(withEvents("      httpApi: '*'\n"));
  auto notList = errorAt(errors, "functions.app.events");
  EXPECT_EQ(notList.where.line, 8);
  EXPECT_TRUE(contains(notList.message, "list of events"));
}

// `- alexaSkill` or `- http`: the Framework's schema flags it and nothing compiles it, so the
// load goes on with a warning that names the line.
TEST_F(Events, StringEventsAreWarnedAndSkipped) {
  auto project = ok(withEvents(R"yaml(      - alexaSkill
      - http: GET items
      - http
)yaml"));
  ASSERT_EQ(project.warnings.size(), 2u);
  EXPECT_TRUE(
      project.warnings[0].starts_with("serverless.yml:9: functions.app.events[0]: the "
                                      "event 'alexaSkill' is written as a plain string"))
      << project.warnings[0];
  EXPECT_TRUE(
      project.warnings[1].starts_with("serverless.yml:11: functions.app.events[2]: the "
                                      "event 'http'"))
      << project.warnings[1];
  ASSERT_EQ(project.functions.at(0).httpEvents.size(), 1u);
  EXPECT_EQ(project.functions.at(0).httpEvents[0].path, "/items");
}

// `integration: lambda` as the Framework compiles it: its default templates and status codes,
// or the event's own, with the default 200 added when no status code is the default.
TEST_F(Events, LambdaIntegrationDefaults) {
  auto project = ok(withEvents(R"yaml(      - http:
          method: get
          path: plain
          integration: lambda
      - http:
          method: post
          path: custom
          integration: LAMBDA
          request:
            passThrough: WHEN_NO_MATCH
            template:
              application/x-www-form-urlencoded: null
              text/plain: '{"text": "$input.body"}'
          response:
            headers:
              Content-Type: "'text/html'"
            template: $input.path('$.html')
            statusCodes:
              404:
                pattern: '.*"statusCode":404.*'
                headers:
                  X-Missing: "'yes'"
              201:
                pattern: ''
      - http:
          method: get
          path: proxied
          integration: lambda-proxy
      - http:
          method: get
          path: mock
          integration: mock
)yaml"));
  const auto& events = project.functions.at(0).httpEvents;
  ASSERT_EQ(events.size(), 4u);
  ASSERT_TRUE(events[0].lambdaIntegration);
  const RestIntegrationConfig& plain = *events[0].lambdaIntegration;
  ASSERT_EQ(plain.requestTemplates.size(), 2u);
  EXPECT_EQ(plain.requestTemplates[0].first, "application/json");
  EXPECT_NE(plain.requestTemplates[0].second.find("$input.json('$')"), std::string::npos);
  EXPECT_EQ(plain.requestTemplates[1].first, "application/x-www-form-urlencoded");
  EXPECT_EQ(plain.passThrough, "NEVER");
  ASSERT_EQ(plain.statusCodes.size(), 9u);
  EXPECT_EQ(plain.statusCodes[0].code, "200");
  EXPECT_EQ(plain.statusCodes[0].pattern, "");
  EXPECT_EQ(plain.statusCodes[4].code, "404");
  EXPECT_EQ(plain.statusCodes[4].pattern, R"([\s\S]*\[404\][\s\S]*)");

  ASSERT_TRUE(events[1].lambdaIntegration);
  const RestIntegrationConfig& custom = *events[1].lambdaIntegration;
  EXPECT_EQ(custom.passThrough, "WHEN_NO_MATCH");
  ASSERT_EQ(custom.requestTemplates.size(), 2u);
  EXPECT_EQ(custom.requestTemplates[1].first, "text/plain");
  ASSERT_EQ(custom.statusCodes.size(), 2u);
  EXPECT_EQ(custom.statusCodes[0].code, "201");
  EXPECT_EQ(custom.statusCodes[0].pattern, "");
  EXPECT_EQ(custom.statusCodes[1].code, "404");
  EXPECT_EQ(custom.statusCodes[1].headers,
            (std::vector<std::pair<std::string, std::string>>{{"Content-Type", "'text/html'"},
                                                              {"X-Missing", "'yes'"}}));
  ASSERT_EQ(custom.statusCodes[1].templates.size(), 1u);
  EXPECT_EQ(custom.statusCodes[1].templates[0].second, "$input.path('$.html')");

  EXPECT_FALSE(events[2].lambdaIntegration);
  EXPECT_FALSE(events[3].lambdaIntegration);
  ASSERT_EQ(project.warnings.size(), 1u);
  EXPECT_TRUE(contains(project.warnings[0], "the mock integration is not supported yet"))
      << project.warnings[0];

  auto errors = failing(withEvents(R"yaml(      - http:
          method: get
          path: x
          integration: lambda
          request:
            passThrough: SOMETIMES
          response:
            statusCodes:
              abc:
                pattern: ''
)yaml"));
  EXPECT_EQ(errorAt(errors, "functions.app.events[0].http.request.passThrough").where.line, 14);
  EXPECT_EQ(errorAt(errors, "functions.app.events[0].http.response.statusCodes.abc").where.line,
            17);
}

TEST_F(Events, DuplicateRoutesAreErrors) {
  auto errors = failing(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
functions:
  a:
    handler: a.main
    events:
      - httpApi: GET /items
      - http: GET items
  b:
    handler: b.main
    events:
      - httpApi:
          method: get
          path: /items
      - http: GET items
)yaml");
  auto v2 = errorAt(errors, "functions.b.events[0].httpApi");
  EXPECT_EQ(v2.where.line, 14);
  EXPECT_TRUE(contains(v2.message, "function 'a' already has it (serverless.yml:9)")) << v2.message;
  EXPECT_EQ(errorAt(errors, "functions.b.events[1].http").where.line, 17);
}

// `eventBridge` events: rules named as the Framework names them (function name, "rule", the
// event's place), buses created when given by name, and every target setting.
TEST_F(Events, EventBridgeRules) {
  auto project = ok(withEvents(R"yaml(      - httpApi: '*'
      - eventBridge:
          pattern:
            source: [shop]
            detail:
              n: [{numeric: ['>', 5]}]
      - eventBridge:
          eventBus: orders
          name: order-rule
          description: orders
          enabled: false
          pattern:
            detail-type: [created]
          inputTransformer:
            inputPathsMap:
              id: $.detail.id
            inputTemplate: '{"id": <id>}'
          retryPolicy:
            maximumEventAge: 3600
            maximumRetryAttempts: 2
          deadLetterQueueArn: arn:aws:sqs:us-east-1:000000000000:dlq
      - eventBridge:
          eventBus: arn:aws:events:us-east-1:000000000000:event-bus/existing
          schedule: rate(10 minutes)
          input:
            key: value
)yaml"));
  const auto& rules = project.functions.at(0).eventRules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].type, "eventBridge");
  EXPECT_EQ(rules[0].name, "shop-dev-app-rule-2");
  EXPECT_EQ(rules[0].targetId, "shop-dev-app-rule-2-target");
  EXPECT_EQ(rules[0].busName, "default");
  EXPECT_FALSE(rules[0].createsBus);
  EXPECT_EQ(rules[0].eventPattern, R"({"detail":{"n":[{"numeric":[">",5]}]},"source":["shop"]})");
  EXPECT_TRUE(rules[0].enabled);
  EXPECT_EQ(rules[1].name, "order-rule");
  EXPECT_EQ(rules[1].busName, "orders");
  EXPECT_TRUE(rules[1].createsBus);
  EXPECT_FALSE(rules[1].enabled);
  EXPECT_EQ(rules[1].description, "orders");
  EXPECT_EQ(rules[1].inputTransformer,
            R"({"InputPathsMap":{"id":"$.detail.id"},"InputTemplate":"{\"id\": <id>}"})");
  EXPECT_EQ(rules[1].maximumEventAge, 3600);
  EXPECT_EQ(rules[1].maximumRetryAttempts, 2);
  EXPECT_EQ(rules[1].deadLetterArn, "arn:aws:sqs:us-east-1:000000000000:dlq");
  EXPECT_EQ(rules[2].busName, "existing");
  EXPECT_FALSE(rules[2].createsBus);
  EXPECT_EQ(rules[2].scheduleExpression, "rate(10 minutes)");
  EXPECT_EQ(rules[2].input, R"({"key":"value"})");
  EXPECT_TRUE(project.warnings.empty());
}

TEST_F(Events, EventBridgeLongRuleNamesAreHashedAsTheFrameworkDoes) {
  auto project =
      ok("service: a-service-with-a-rather-long-name\nprovider:\n  name: aws\n  runtime: "
         "nodejs20.x\nfunctions:\n  aVeryLongFunctionName1:\n    handler: h.main\n"
         "    events:\n      - eventBridge:\n          pattern: {source: [x]}\n");
  const auto& rule = project.functions.at(0).eventRules.at(0);
  EXPECT_LE(rule.name.size(), 64u);
  EXPECT_TRUE(rule.name.ends_with("-rule-1")) << rule.name;
  EXPECT_EQ(rule.name.substr(0, 24), "a-service-with-a-rather-");
}

TEST_F(Events, EventBridgeErrors) {
  auto errors = failing(withEvents(R"yaml(      - eventBridge:
          eventBus: orders
      - eventBridge:
          pattern: {source: [x]}
          input: {a: 1}
          inputPath: $.detail
      - eventBridge:
          schedule: every minute
      - eventBridge:
          pattern: {source: [x]}
          deadLetterQueueArn: arn:aws:sns:us-east-1:000000000000:topic
          retryPolicy:
            maximumRetryAttempts: 200
      - eventBridge: rate(1 minute)
)yaml"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[0].eventBridge").message,
                       "needs pattern or schedule"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[1].eventBridge").message,
                       "only set one of input, inputPath, or inputTransformer"));
  EXPECT_EQ(errorAt(errors, "functions.app.events[2].eventBridge.schedule").where.line, 16);
  EXPECT_TRUE(
      contains(errorAt(errors, "functions.app.events[3].eventBridge.deadLetterQueueArn").message,
               "not an SQS queue ARN"));
  errorAt(errors, "functions.app.events[3].eventBridge.retryPolicy.maximumRetryAttempts");
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[4].eventBridge").message,
                       "must be a mapping"));
}

// `schedule` events: one rule per expression on the default bus, numbered per function as the
// Framework numbers them, with the Framework's target id.
TEST_F(Events, ScheduleRules) {
  auto project = ok(withEvents(R"yaml(      - schedule: rate(1 minute)
      - schedule:
          rate:
            - cron(0 12 * * ? *)
            - rate(2 hours)
          enabled: false
          input:
            body: '{"a": 1}'
      - schedule:
          rate: rate(5 minutes)
          name: nightly
          description: every five minutes
          inputPath: $.detail
)yaml"));
  const auto& rules = project.functions.at(0).eventRules;
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].type, "schedule");
  EXPECT_EQ(rules[0].name, "shop-dev-AppEventsRuleSchedule1");
  EXPECT_EQ(rules[0].targetId, "appSchedule");
  EXPECT_EQ(rules[0].scheduleExpression, "rate(1 minute)");
  EXPECT_EQ(rules[0].busName, "default");
  EXPECT_TRUE(rules[0].enabled);
  EXPECT_EQ(rules[1].name, "shop-dev-AppEventsRuleSchedule2");
  EXPECT_EQ(rules[1].scheduleExpression, "cron(0 12 * * ? *)");
  EXPECT_FALSE(rules[1].enabled);
  EXPECT_EQ(rules[1].input, R"({"body":{"a":1}})");
  EXPECT_EQ(rules[2].name, "shop-dev-AppEventsRuleSchedule3");
  EXPECT_EQ(rules[2].scheduleExpression, "rate(2 hours)");
  EXPECT_EQ(rules[3].name, "nightly");
  EXPECT_EQ(rules[3].description, "every five minutes");
  EXPECT_EQ(rules[3].inputPath, "$.detail");
  EXPECT_TRUE(project.warnings.empty());
}

TEST_F(Events, ScheduleErrors) {
  auto errors = failing(withEvents(R"yaml(      - schedule: every minute
      - schedule: rate(1 minutes)
      - schedule:
          rate: [rate(1 hour), rate(2 hours)]
          name: both
      - schedule:
          enabled: true
      - schedule: cron(0 12 * * ?)
)yaml"));
  EXPECT_EQ(errorAt(errors, "functions.app.events[0].schedule").where.line, 9);
  errorAt(errors, "functions.app.events[1].schedule");
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[2].schedule").message,
                       "more than one rate expression"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[3].schedule").message, "needs rate"));
  errorAt(errors, "functions.app.events[4].schedule");
}

}  // namespace
}  // namespace nimbus::config::testing
