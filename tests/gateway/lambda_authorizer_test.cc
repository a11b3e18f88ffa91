#include "gateway/lambda_authorizer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::gateway {
namespace {

using nlohmann::json;

const PolicyScope kScope{"us-east-1", "000000000000", "abcdef1234"};
const ResponseIds kIds{"req-1", "ext-1", ""};

LambdaAuthorizerSpec restRequestSpec() {
  LambdaAuthorizerSpec spec;
  spec.kind = ApiKind::Rest;
  spec.tokenType = false;
  spec.identitySources = {*parseIdentitySource("method.request.header.X-User", ApiKind::Rest),
                          *parseIdentitySource("method.request.querystring.tenant", ApiKind::Rest),
                          *parseIdentitySource("stageVariables.zone", ApiKind::Rest)};
  return spec;
}

std::string policyAnswer(std::string_view effect, std::string_view resource,
                         std::string_view context = "null") {
  return R"({"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":[)"
         R"({"Action":"execute-api:Invoke","Effect":")" +
         std::string(effect) + R"(","Resource":")" + std::string(resource) + R"("}]},"context":)" +
         std::string(context) + "}";
}

TEST(LambdaAuthorizerTest, IdentitySourcesOfEachKind) {
  EXPECT_EQ(parseIdentitySource("method.request.header.Auth", ApiKind::Rest)->from,
            IdentitySource::From::Header);
  EXPECT_EQ(parseIdentitySource("$request.querystring.t", ApiKind::Http)->name, "t");
  EXPECT_EQ(parseIdentitySource("$stageVariables.v", ApiKind::Http)->from,
            IdentitySource::From::StageVariable);
  EXPECT_FALSE(parseIdentitySource("$request.header.Auth", ApiKind::Rest));
  EXPECT_FALSE(parseIdentitySource("method.request.header.", ApiKind::Rest));
  EXPECT_FALSE(parseIdentitySource("context.requestId", ApiKind::Rest));
}

TEST(LambdaAuthorizerTest, IdentityValuesNeedEverySource) {
  LambdaAuthorizerSpec spec = restRequestSpec();
  RequestContextInfo info;
  info.stageVariables = {{"zone", "eu"}};
  HttpRequest request;
  request.target = "/dev/items?tenant=acme%20co&x=1";
  request.headers = {{"x-user", "alice"}};
  auto values = identityValues(spec, request, info);
  ASSERT_TRUE(values);
  EXPECT_EQ(*values, (std::vector<std::string>{"alice", "acme co", "eu"}));

  request.target = "/dev/items?tenant=";
  EXPECT_FALSE(identityValues(spec, request, info));  // Empty counts as missing.
  request.target = "/dev/items?tenant=a";
  request.headers.clear();
  EXPECT_FALSE(identityValues(spec, request, info));
  // Keys are unambiguous: ("ab","c") and ("a","bc") differ.
  EXPECT_NE(authorizerCacheKey({"ab", "c"}), authorizerCacheKey({"a", "bc"}));
}

TEST(LambdaAuthorizerTest, TokenEvent) {
  auto event = json::parse(tokenAuthorizerEvent("Bearer x", "arn:aws:execute-api:r:a:i/dev/GET/"));
  EXPECT_EQ(event, json::parse(R"({"type":"TOKEN","authorizationToken":"Bearer x",
                                   "methodArn":"arn:aws:execute-api:r:a:i/dev/GET/"})"));
}

TEST(LambdaAuthorizerTest, RequestEventsDropTheBody) {
  std::string integration =
      R"({"resource":"/req","path":"/req","httpMethod":"POST","headers":{"X-User":"alice"},)"
      R"("requestContext":{"stage":"dev"},"body":"secret","isBase64Encoded":false})";
  LambdaAuthorizerSpec rest = restRequestSpec();
  auto event = json::parse(requestAuthorizerEvent(rest, integration, "arn:m", {"alice"}));
  EXPECT_EQ(event["type"], "REQUEST");
  EXPECT_EQ(event["methodArn"], "arn:m");
  EXPECT_EQ(event["headers"]["X-User"], "alice");
  EXPECT_FALSE(event.contains("body"));
  EXPECT_FALSE(event.contains("isBase64Encoded"));
  EXPECT_FALSE(event.contains("version"));

  LambdaAuthorizerSpec v1 = rest;
  v1.kind = ApiKind::Http;
  v1.payloadV2 = false;
  event = json::parse(requestAuthorizerEvent(v1, integration, "arn:m", {"alice", "7"}));
  EXPECT_EQ(event["version"], "1.0");
  EXPECT_EQ(event["identitySource"], "alice,7");
  EXPECT_EQ(event["authorizationToken"], "alice,7");

  LambdaAuthorizerSpec v2 = v1;
  v2.payloadV2 = true;
  std::string integration2 =
      R"({"version":"2.0","routeKey":"GET /a","rawPath":"/a","body":"x","isBase64Encoded":false})";
  event = json::parse(requestAuthorizerEvent(v2, integration2, "arn:r", {"alice", "7"}));
  EXPECT_EQ(event["version"], "2.0");
  EXPECT_EQ(event["type"], "REQUEST");
  EXPECT_EQ(event["routeArn"], "arn:r");
  EXPECT_EQ(event["identitySource"], json::parse(R"(["alice","7"])"));
  EXPECT_EQ(event["routeKey"], "GET /a");
  EXPECT_FALSE(event.contains("body"));
  EXPECT_FALSE(event.contains("methodArn"));
}

TEST(LambdaAuthorizerTest, PolicyAnswersAreJudgedPerMethodArn) {
  LambdaAuthorizerSpec spec = restRequestSpec();
  std::string items = methodArn(kScope, "dev", "GET", "/items/1");
  std::string other = methodArn(kScope, "dev", "GET", "/other");

  auto exact = parseAuthorizerAnswer(spec, policyAnswer("Allow", items), kScope);
  ASSERT_TRUE(exact.valid);
  EXPECT_EQ(exact.principalId, "u1");
  EXPECT_EQ(exact.contextJson, "{}");
  EXPECT_EQ(decideAuthorizer(exact, items), AuthorizerOutcome::Allowed);
  EXPECT_EQ(decideAuthorizer(exact, other), AuthorizerOutcome::ImplicitDeny);

  auto wildcard = parseAuthorizerAnswer(
      spec, policyAnswer("Allow", "arn:aws:execute-api:us-east-1:000000000000:abcdef1234/dev/*/*"),
      kScope);
  EXPECT_EQ(decideAuthorizer(wildcard, other), AuthorizerOutcome::Allowed);
  EXPECT_EQ(decideAuthorizer(wildcard, methodArn(kScope, "prod", "GET", "/other")),
            AuthorizerOutcome::ImplicitDeny);

  auto deny = parseAuthorizerAnswer(spec, policyAnswer("Deny", "*"), kScope);
  EXPECT_EQ(decideAuthorizer(deny, items), AuthorizerOutcome::ExplicitDeny);
}

TEST(LambdaAuthorizerTest, InvalidAnswersFail) {
  LambdaAuthorizerSpec spec = restRequestSpec();
  for (std::string_view answer : {
           std::string_view(R"({"principalId":"u"})"),
           std::string_view("not json"),
           std::string_view(R"({"policyDocument":{"Statement":[{"Effect":"Perhaps",)"
                            R"("Action":"execute-api:Invoke","Resource":"*"}]}})"),
       }) {
    auto verdict = parseAuthorizerAnswer(spec, answer, kScope);
    EXPECT_FALSE(verdict.valid) << answer;
    EXPECT_EQ(decideAuthorizer(verdict, "arn"), AuthorizerOutcome::Failed);
  }
  // Context values must be strings, numbers or booleans.
  auto nested = parseAuthorizerAnswer(spec, policyAnswer("Allow", "*", R"({"a":{"b":1}})"), kScope);
  EXPECT_FALSE(nested.valid);
  EXPECT_TRUE(isUnauthorizedError(R"({"errorMessage":"Unauthorized","errorType":"Error"})"));
  EXPECT_FALSE(isUnauthorizedError(R"({"errorMessage":"Unauthorized!"})"));
}

TEST(LambdaAuthorizerTest, SimpleAnswers) {
  LambdaAuthorizerSpec spec;
  spec.kind = ApiKind::Http;
  spec.simpleResponses = true;
  auto yes = parseAuthorizerAnswer(spec, R"({"isAuthorized":true,"context":{"u":"a"}})", kScope);
  EXPECT_EQ(decideAuthorizer(yes, "any"), AuthorizerOutcome::Allowed);
  EXPECT_EQ(authorizerContextJson(ApiKind::Http, yes, 5), R"({"lambda":{"u":"a"}})");
  auto no = parseAuthorizerAnswer(spec, R"({"isAuthorized":false})", kScope);
  EXPECT_EQ(decideAuthorizer(no, "any"), AuthorizerOutcome::ImplicitDeny);
  EXPECT_FALSE(parseAuthorizerAnswer(spec, R"({"isAuthorized":"yes"})", kScope).valid);
}

TEST(LambdaAuthorizerTest, RestContextCarriesPrincipalAndLatency) {
  LambdaAuthorizerSpec spec = restRequestSpec();
  auto verdict = parseAuthorizerAnswer(
      spec, policyAnswer("Allow", "*", R"({"tier":"gold","n":3,"ok":true})"), kScope);
  EXPECT_EQ(json::parse(authorizerContextJson(ApiKind::Rest, verdict, 12)),
            json::parse(R"({"principalId":"u1","integrationLatency":12,"tier":"gold","n":3,
                            "ok":true})"));
}

TEST(LambdaAuthorizerTest, Refusals) {
  auto r = authorizerRefusal(ApiKind::Rest, AuthorizerOutcome::ExplicitDeny, kIds);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(
      r.body,
      R"({"Message":"User is not authorized to access this resource with an explicit deny"})");
  r = authorizerRefusal(ApiKind::Rest, AuthorizerOutcome::Failed, kIds);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":null})");
  r = authorizerRefusal(ApiKind::Rest, AuthorizerOutcome::Unauthorized, kIds);
  EXPECT_EQ(r.status, 401);
  r = authorizerRefusal(ApiKind::Http, AuthorizerOutcome::ImplicitDeny, kIds);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
  r = authorizerRefusal(ApiKind::Http, AuthorizerOutcome::Failed, kIds);
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})");
}

}  // namespace
}  // namespace nimbus::gateway
