// API Gateway settings: provider.apiGateway.resourcePolicy, provider.httpApi.cors, `cors` on
// http events, and throttling (custom.apiGatewayThrottling and events' `throttling`).
#include <gtest/gtest.h>

#include "config/project.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using GatewaySettings = ProjectTest;

std::string project(const std::string& provider, const std::string& events,
                    const std::string& rest = "") {
  return "service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\n" + provider +
         "functions:\n  app:\n    handler: handler.main\n    events:\n" + events + rest;
}

TEST_F(GatewaySettings, HttpApiCorsTrueFillsMethodsFromRoutes) {
  auto p = ok(project("  httpApi:\n    cors: true\n",
                      "      - httpApi: 'GET /a'\n      - httpApi: 'POST /b'\n"
                      "      - httpApi: 'GET /c'\n"));
  ASSERT_TRUE(p.httpApiCors);
  EXPECT_EQ(p.httpApiCors->allowedOrigins, std::vector<std::string>{"*"});
  EXPECT_EQ(p.httpApiCors->allowedMethods, (std::vector<std::string>{"OPTIONS", "GET", "POST"}));
  EXPECT_EQ(p.httpApiCors->allowedHeaders.size(), 7u);
  EXPECT_FALSE(p.httpApiCors->allowCredentials);
  EXPECT_FALSE(p.httpApiCors->maxAge);
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(GatewaySettings, HttpApiCorsObject) {
  auto p = ok(project(R"yaml(  httpApi:
    cors:
      allowedOrigins: [https://a.example]
      allowedHeaders: [x-one]
      allowCredentials: true
      exposedResponseHeaders: [x-two]
      maxAge: 600
)yaml",
                      "      - httpApi: '*'\n"));
  ASSERT_TRUE(p.httpApiCors);
  EXPECT_EQ(p.httpApiCors->allowedOrigins, std::vector<std::string>{"https://a.example"});
  EXPECT_EQ(p.httpApiCors->allowedHeaders, std::vector<std::string>{"x-one"});
  EXPECT_EQ(p.httpApiCors->allowedMethods,
            (std::vector<std::string>{"OPTIONS", "GET", "POST", "PUT", "PATCH", "HEAD", "DELETE"}));
  EXPECT_TRUE(p.httpApiCors->allowCredentials);
  EXPECT_EQ(p.httpApiCors->exposedResponseHeaders, std::vector<std::string>{"x-two"});
  EXPECT_EQ(p.httpApiCors->maxAge, 600);
}

TEST_F(GatewaySettings, RestCorsForms) {
  auto p = ok(project("", R"yaml(      - http:
          method: get
          path: items
          cors: true
      - http:
          method: post
          path: items
          cors:
            origins: [https://a.example, https://*.b.example]
            headers: X-One
            allowCredentials: true
            maxAge: 86400
            cacheControl: max-age=600
)yaml"));
  const auto& events = p.functions.at(0).httpEvents;
  ASSERT_TRUE(events[0].cors);
  EXPECT_FALSE(events[0].cors->objectForm);
  ASSERT_TRUE(events[1].cors);
  EXPECT_TRUE(events[1].cors->objectForm);
  EXPECT_EQ(events[1].cors->origins.size(), 2u);
  EXPECT_EQ(events[1].cors->headers, std::vector<std::string>{"X-One"});
  EXPECT_TRUE(events[1].cors->allowCredentials);
  EXPECT_EQ(events[1].cors->maxAge, 86400);
  EXPECT_EQ(events[1].cors->cacheControl, "max-age=600");
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(GatewaySettings, Throttling) {
  auto p = ok(project("", R"yaml(      - http:
          method: get
          path: items
          throttling:
            maxRequestsPerSecond: 1
            maxConcurrentRequests: 2
      - httpApi:
          method: get
          path: /x
          throttling:
            disabled: true
)yaml",
                      "custom:\n  apiGatewayThrottling:\n    maxRequestsPerSecond: 100\n"));
  ASSERT_TRUE(p.throttle);
  EXPECT_EQ(p.throttle->maxRequestsPerSecond, 100);
  EXPECT_EQ(p.throttle->maxConcurrentRequests, 5000);  // The plugin's default.
  const auto& events = p.functions.at(0).httpEvents;
  ASSERT_TRUE(events[0].throttling);
  EXPECT_EQ(events[0].throttling->maxRequestsPerSecond, 1);
  EXPECT_EQ(events[0].throttling->maxConcurrentRequests, 2);
  ASSERT_TRUE(events[1].throttling);
  EXPECT_TRUE(events[1].throttling->disabled);
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(GatewaySettings, RouteThrottlingWithoutStageSettingsIsWarned) {
  auto p = ok(project("", R"yaml(      - http:
          method: get
          path: items
          throttling:
            maxRequestsPerSecond: 1
)yaml"));
  EXPECT_FALSE(p.throttle);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_TRUE(contains(p.warnings[0], "serverless.yml:12: functions.app: throttling is ignored"))
      << p.warnings[0];
}

TEST_F(GatewaySettings, ResourcePolicy) {
  auto p = ok(project(R"yaml(  apiGateway:
    resourcePolicy:
      - Effect: Allow
        Principal: '*'
        Action: execute-api:Invoke
        Resource: [execute-api:/*/*/*]
        Condition:
          IpAddress:
            aws:SourceIp: [127.0.0.0/8, '::1']
      - Effect: Deny
        Principal: {AWS: '*'}
        Action: [execute-api:Invoke]
        Resource: execute-api:/*/POST/*
        Condition:
          NotIpAddress:
            aws:SourceIp: 10.0.0.1
    minimumCompressionSize: 1024
)yaml",
                      "      - http: 'GET items'\n"));
  ASSERT_EQ(p.resourcePolicy.size(), 2u);
  const auto& allow = p.resourcePolicy[0];
  EXPECT_TRUE(allow.allow);
  EXPECT_EQ(allow.principals, std::vector<std::string>{"*"});
  EXPECT_EQ(allow.actions, std::vector<std::string>{"execute-api:Invoke"});
  EXPECT_EQ(allow.resources, std::vector<std::string>{"execute-api:/*/*/*"});
  ASSERT_EQ(allow.conditions.size(), 1u);
  EXPECT_EQ(allow.conditions[0].op, "IpAddress");
  EXPECT_EQ(allow.conditions[0].key, "aws:SourceIp");
  EXPECT_EQ(allow.conditions[0].values, (std::vector<std::string>{"127.0.0.0/8", "::1"}));
  EXPECT_EQ(allow.conditions[0].where.line, 13);
  const auto& deny = p.resourcePolicy[1];
  EXPECT_FALSE(deny.allow);
  EXPECT_EQ(deny.principals, std::vector<std::string>{"*"});
  EXPECT_EQ(deny.conditions.at(0).values, std::vector<std::string>{"10.0.0.1"});
  std::vector<std::string> expected = {
      "serverless.yml:21: provider.apiGateway.minimumCompressionSize is not supported yet and "
      "is ignored"};
  EXPECT_EQ(p.warnings, expected);
}

TEST_F(GatewaySettings, ErrorsNameFileLineAndKey) {
  auto errors = failing(project(R"yaml(  apiGateway:
    resourcePolicy:
      - Effect: Maybe
        Principal: '*'
        Action: execute-api:Invoke
      - Effect: Allow
        Action: execute-api:Invoke
        Resource: '*'
  httpApi:
    cors:
      maxAge: -1
)yaml",
                                "      - http:\n          method: get\n          path: x\n"
                                "          cors: yes-please\n"));
  EXPECT_EQ(errorAt(errors, "provider.apiGateway.resourcePolicy[0].Effect").message,
            "must be Allow or Deny, got 'Maybe'");
  EXPECT_EQ(errorAt(errors, "provider.apiGateway.resourcePolicy[0].Effect").where.line, 7);
  EXPECT_EQ(errorAt(errors, "provider.apiGateway.resourcePolicy[0].Resource").where.line, 7);
  EXPECT_EQ(errorAt(errors, "provider.apiGateway.resourcePolicy[1].Principal").where.line, 10);
  EXPECT_EQ(errorAt(errors, "provider.httpApi.cors.maxAge").where.line, 15);
  EXPECT_EQ(errorAt(errors, "functions.app.events[0].http.cors").where.line, 23);
}

// provider.apiGateway.binaryMediaTypes, joined by the serverless-apigw-binary plugin's
// custom.apigwBinary.types (the plugin then not named among the plugins nimbus does not load).
TEST_F(GatewaySettings, BinaryMediaTypes) {
  auto p = ok(project("  apiGateway:\n    binaryMediaTypes:\n      - image/png\n      - '*/*'\n",
                      "      - http: GET img\n",
                      "plugins:\n  - serverless-apigw-binary\ncustom:\n  apigwBinary:\n"
                      "    types: [image/png, application/pdf]\n"));
  EXPECT_EQ(p.binaryMediaTypes, (std::vector<std::string>{"image/png", "*/*", "application/pdf"}));
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.at(0);

  auto errors =
      failing(project("  apiGateway:\n    binaryMediaTypes: [png]\n", "      - http: GET img\n"));
  auto bad = errorAt(errors, "provider.apiGateway.binaryMediaTypes");
  EXPECT_EQ(bad.where.line, 6);
  EXPECT_TRUE(contains(bad.message, "'png' is not a media type")) << bad.message;
}

// Framework v2 read the resource policy from `provider` too.
TEST_F(GatewaySettings, ProviderLevelResourcePolicyAsFrameworkV2) {
  auto p = ok(project(R"yaml(  resourcePolicy:
    - Effect: Allow
      Principal: '*'
      Action: execute-api:Invoke
      Resource: execute-api:/*/*/*
)yaml",
                      "      - http: GET a\n"));
  ASSERT_EQ(p.resourcePolicy.size(), 1u);
  EXPECT_EQ(p.resourcePolicy[0].path, "provider.resourcePolicy[0]");
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_TRUE(contains(p.warnings[0], "provider.resourcePolicy is the Serverless Framework v2"));
}

TEST_F(GatewaySettings, HttpApiPayloadDefaultsToTwo) {
  auto p = ok(project("", "      - httpApi: 'GET /a'\n"));
  EXPECT_TRUE(p.httpApiPayloadV2);
  auto explicitTwo = ok(project("  httpApi:\n    payload: '2.0'\n", "      - httpApi: 'GET /a'\n"));
  EXPECT_TRUE(explicitTwo.httpApiPayloadV2);
  EXPECT_TRUE(explicitTwo.warnings.empty());
}

TEST_F(GatewaySettings, HttpApiPayloadOneIsReadWithoutWarning) {
  auto p = ok(project("  httpApi:\n    payload: '1.0'\n", "      - httpApi: 'GET /a'\n"));
  EXPECT_FALSE(p.httpApiPayloadV2);
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(GatewaySettings, HttpApiPayloadErrorsNameFileLineAndKey) {
  // An unquoted 1.0 is the YAML number 1, which API Gateway refuses as a payload version.
  for (const char* value : {"1.0", "'3.0'", "[a]"}) {
    auto errors = failing(project(std::string("  httpApi:\n    payload: ") + value + "\n",
                                  "      - httpApi: 'GET /a'\n"));
    const ConfigError& e = errorAt(errors, "provider.httpApi.payload");
    EXPECT_EQ(e.where.line, 6) << value;
    EXPECT_TRUE(contains(e.format(), "serverless.yml:6:")) << e.format();
  }
  auto errors = failing(project("  httpApi:\n    payload: '3.0'\n", "      - httpApi: 'GET /a'\n"));
  EXPECT_TRUE(contains(errorAt(errors, "provider.httpApi.payload").message, "'1.0' or '2.0'"));
}

TEST_F(GatewaySettings, FunctionHttpApiPayloadWinsOverTheProvider) {
  auto p = ok(project("  httpApi:\n    payload: '1.0'\n", "      - httpApi: 'GET /a'\n",
                      "    httpApi:\n      payload: '2.0'\n  other:\n    handler: h.other\n"
                      "    events:\n      - httpApi: 'GET /b'\n"));
  ASSERT_EQ(p.functions.size(), 2u);
  EXPECT_EQ(p.functions[0].httpApiPayloadV2, std::optional<bool>(true));
  EXPECT_EQ(p.functions[1].httpApiPayloadV2, std::nullopt);
  EXPECT_FALSE(p.httpApiPayloadV2);
  EXPECT_TRUE(p.warnings.empty());

  auto errors =
      failing(project("", "      - httpApi: 'GET /a'\n", "    httpApi:\n      payload: '1.1'\n"));
  const ConfigError& e = errorAt(errors, "functions.app.httpApi.payload");
  EXPECT_EQ(e.where.line, 11);
  EXPECT_TRUE(contains(e.format(), "serverless.yml:11:")) << e.format();
}

}  // namespace
}  // namespace nimbus::config::testing
