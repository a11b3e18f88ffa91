// Lambda authorizers in serverless.yml: the `authorizer` of http events (REST TOKEN and REQUEST)
// and provider.httpApi.authorizers of type request.
#include <gtest/gtest.h>

#include "config/project.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Authorizers = ProjectTest;

std::string project(const std::string& provider, const std::string& events) {
  return "service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\n" + provider +
         "functions:\n  auth:\n    handler: auth.main\n  app:\n    handler: handler.main\n"
         "    events:\n" +
         events;
}

const LambdaAuthorizerConfig& restAuthorizerOf(const ProjectConfig& p, size_t event) {
  const auto& e = p.functions.at(1).httpEvents.at(event);
  EXPECT_TRUE(e.lambdaAuthorizer) << "event " << event;
  static const LambdaAuthorizerConfig none;
  return e.lambdaAuthorizer ? *e.lambdaAuthorizer : none;
}

TEST_F(Authorizers, RestForms) {
  auto p = ok(project("", R"yaml(      - http:
          method: get
          path: a
          authorizer: auth
      - http:
          method: get
          path: b
          authorizer:
            name: auth
            type: request
            identitySource: method.request.header.X-User, method.request.querystring.tenant
            resultTtlInSeconds: 60
      - http:
          method: get
          path: c
          authorizer:
            arn: arn:aws:lambda:us-east-1:000000000000:function:elsewhere:live
            identityValidationExpression: '^Bearer .+$'
            identitySource: method.request.header.Token
      - http:
          method: get
          path: d
          authorizer:
            name: auth
            type: REQUEST
            resultTtlInSeconds: 0
)yaml"));
  const auto& token = restAuthorizerOf(p, 0);
  EXPECT_EQ(token.name, "auth");
  EXPECT_EQ(token.functionName, "shop-dev-auth");
  EXPECT_TRUE(token.tokenType);
  EXPECT_EQ(token.resultTtlSeconds, 300);
  EXPECT_EQ(token.identitySources, std::vector<std::string>{"method.request.header.Authorization"});

  const auto& request = restAuthorizerOf(p, 1);
  EXPECT_FALSE(request.tokenType);
  EXPECT_EQ(request.resultTtlSeconds, 60);
  EXPECT_EQ(request.identitySources,
            (std::vector<std::string>{"method.request.header.X-User",
                                      "method.request.querystring.tenant"}));

  const auto& byArn = restAuthorizerOf(p, 2);
  EXPECT_EQ(byArn.functionName, "elsewhere");
  EXPECT_EQ(byArn.qualifier, "live");
  EXPECT_EQ(byArn.name, "elsewhere");
  EXPECT_EQ(byArn.identityValidationExpression, "^Bearer .+$");
  EXPECT_EQ(byArn.identitySources, std::vector<std::string>{"method.request.header.Token"});

  // A REQUEST authorizer that caches nothing needs no identity source.
  EXPECT_TRUE(restAuthorizerOf(p, 3).identitySources.empty());
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(Authorizers, IamAndCognitoAreWarnedAndNotEnforced) {
  auto p = ok(project("", R"yaml(      - http:
          method: get
          path: a
          authorizer: aws_iam
      - http:
          method: get
          path: b
          authorizer:
            arn: arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc
)yaml"));
  EXPECT_FALSE(p.functions[1].httpEvents[0].lambdaAuthorizer);
  EXPECT_FALSE(p.functions[1].httpEvents[1].lambdaAuthorizer);
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_TRUE(contains(p.warnings[0], "AWS_IAM authorizers are not supported")) << p.warnings[0];
  EXPECT_TRUE(contains(p.warnings[1], "Cognito user pool")) << p.warnings[1];
}

TEST_F(Authorizers, HttpApiRequestAuthorizers) {
  auto p = ok(project(R"yaml(  httpApi:
    authorizers:
      simple:
        type: request
        functionName: auth
        enableSimpleResponses: true
        identitySource: $request.header.X-User
        resultTtlInSeconds: 30
      legacy:
        type: request
        functionArn: arn:aws:lambda:us-east-1:000000000000:function:other
        payloadVersion: '1.0'
)yaml",
                      "      - httpApi:\n          method: get\n          path: /a\n"
                      "          authorizer: simple\n"));
  ASSERT_EQ(p.httpApiAuthorizers.size(), 2u);
  ASSERT_TRUE(p.httpApiAuthorizers[0].lambda);
  const auto& simple = *p.httpApiAuthorizers[0].lambda;
  EXPECT_EQ(simple.name, "simple");
  EXPECT_EQ(simple.functionName, "shop-dev-auth");
  EXPECT_FALSE(simple.tokenType);
  EXPECT_TRUE(simple.payloadV2);
  EXPECT_TRUE(simple.enableSimpleResponses);
  EXPECT_EQ(simple.resultTtlSeconds, 30);
  EXPECT_EQ(simple.identitySources, std::vector<std::string>{"$request.header.X-User"});
  ASSERT_TRUE(p.httpApiAuthorizers[1].lambda);
  const auto& legacy = *p.httpApiAuthorizers[1].lambda;
  EXPECT_EQ(legacy.functionName, "other");
  EXPECT_FALSE(legacy.payloadV2);
  EXPECT_EQ(legacy.resultTtlSeconds, 0);  // Nothing cached unless asked.
}

TEST_F(Authorizers, ErrorsNameFileLineAndKey) {
  auto errors = failing(project(R"yaml(  httpApi:
    authorizers:
      noSource:
        type: request
        functionName: auth
        resultTtlInSeconds: 300
      oldSimple:
        type: request
        functionName: auth
        payloadVersion: '1.0'
        enableSimpleResponses: true
      badSource:
        type: request
        functionName: auth
        identitySource: $context.requestId
)yaml",
                                R"yaml(      - http:
          method: get
          path: a
          authorizer: missing
      - http:
          method: get
          path: b
          authorizer:
            name: auth
            identitySource: method.request.header.A, method.request.header.B
      - http:
          method: get
          path: c
          authorizer:
            name: auth
            identityValidationExpression: '(unclosed'
      - http:
          method: get
          path: d
          authorizer:
            arn: arn:aws:sqs:us-east-1:000000000000:queue
)yaml"));
  EXPECT_EQ(errorAt(errors, "provider.httpApi.authorizers.noSource.identitySource").where.line, 7);
  EXPECT_EQ(errorAt(errors, "provider.httpApi.authorizers.oldSimple.enableSimpleResponses").message,
            "needs payloadVersion '2.0'");
  EXPECT_TRUE(
      contains(errorAt(errors, "provider.httpApi.authorizers.badSource.identitySource").message,
               "'$context.requestId' is not an identity source"));
  auto missing = errorAt(errors, "functions.app.events[0].http.authorizer");
  EXPECT_EQ(missing.message, "the authorizer function 'missing' is not defined in functions");
  EXPECT_EQ(missing.where.line, 29);
  EXPECT_EQ(errorAt(errors, "functions.app.events[1].http.authorizer.identitySource").message,
            "a token authorizer reads one header: method.request.header.NAME");
  EXPECT_TRUE(contains(
      errorAt(errors, "functions.app.events[2].http.authorizer.identityValidationExpression")
          .message,
      "is not a valid regular expression"));
  EXPECT_TRUE(contains(errorAt(errors, "functions.app.events[3].http.authorizer.arn").message,
                       "is not a Lambda function ARN"));
}

}  // namespace
}  // namespace nimbus::config::testing
