// REST's non-proxy Lambda integration: request templates, passthrough, and the selection of an
// integration response by a function error's message.
#include "gateway/lambda_integration.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::gateway {
namespace {

const ResponseIds kIds{"req-1", "ext-1", ""};

struct Fixture {
  HttpRequest request;
  Route route;
  RouteMatch match;
  RequestContextInfo info;

  Fixture() {
    request.method = "POST";
    request.target = "/dev/items/42?verbose=yes&tag=a%20b";
    request.headers = {{"Host", "api.local:3000"},
                       {"Content-Type", "application/json"},
                       {"X-Note", "say \"hi\" / ok"}};
    request.body = R"({"name":"widget","count":3})";
    request.sourceIp = "10.1.2.3";
    route.kind = ApiKind::Rest;
    route.method = "POST";
    route.path = "/items/{id}";
    match.route = &route;
    match.resourcePath = "/items/{id}";
    match.resourceId = "abc123";
    match.pathParameters = {{"id", "42"}};
    info.apiId = "apiid12345";
    info.stage = "dev";
    info.requestId = "req-1";
    info.domainName = "api.local:3000";
  }
};

LambdaIntegration compiled(const LambdaIntegrationSource& source) {
  auto result = LambdaIntegration::compile(source);
  if (auto* problem = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << *problem;
    return {};
  }
  return std::get<LambdaIntegration>(std::move(result));
}

TEST(LambdaIntegrationTest, RequestTemplateSeesInputContextAndParams) {
  Fixture f;
  LambdaIntegrationSource source;
  source.requestTemplates = {{"application/json", R"vtl({
  "name": $input.json('$.name'),
  "count": $input.path('$.count'),
  "id": "$input.params('id')",
  "verbose": "$input.params().querystring.verbose",
  "tag": "$input.params('tag')",
  "note": "$util.escapeJavaScript($input.params().header.get('X-Note'))",
  "stage": "$context.stage",
  "method": "$context.httpMethod",
  "resource": "$context.resourcePath",
  "ip": "$context.identity.sourceIp",
  "raw": "$util.base64Encode($input.body)"
})vtl"}};
  auto integration = compiled(source);
  auto mapped =
      integrationRequest(integration, f.request, mappingContext(f.request, f.match, f.info), kIds);
  ASSERT_TRUE(mapped.payload) << mapped.refusal.body;
  auto event = nlohmann::json::parse(*mapped.payload);
  EXPECT_EQ(event["name"], "widget");
  EXPECT_EQ(event["count"], 3);
  EXPECT_EQ(event["id"], "42");
  EXPECT_EQ(event["verbose"], "yes");
  EXPECT_EQ(event["tag"], "a b");
  EXPECT_EQ(event["note"], "say \"hi\" / ok");
  EXPECT_EQ(event["stage"], "dev");
  EXPECT_EQ(event["method"], "POST");
  EXPECT_EQ(event["resource"], "/items/{id}");
  EXPECT_EQ(event["ip"], "10.1.2.3");
  EXPECT_EQ(event["raw"], "eyJuYW1lIjoid2lkZ2V0IiwiY291bnQiOjN9");
}

TEST(LambdaIntegrationTest, PassthroughBehaviors) {
  Fixture f;
  f.request.headers[1].value = "text/plain";
  f.request.body = R"({"plain":true})";
  auto mapping = mappingContext(f.request, f.match, f.info);
  LambdaIntegrationSource source;
  source.requestTemplates = {{"application/json", "{}"}};

  source.passthrough = PassthroughBehavior::Never;
  auto refused = integrationRequest(compiled(source), f.request, mapping, kIds);
  EXPECT_FALSE(refused.payload);
  EXPECT_EQ(refused.refusal.status, 415);
  EXPECT_EQ(refused.refusal.body, R"({"message":"Unsupported Media Type"})");

  source.passthrough = PassthroughBehavior::WhenNoMatch;
  EXPECT_EQ(integrationRequest(compiled(source), f.request, mapping, kIds).payload,
            R"({"plain":true})");

  source.passthrough = PassthroughBehavior::WhenNoTemplates;
  EXPECT_FALSE(integrationRequest(compiled(source), f.request, mapping, kIds).payload);
  source.requestTemplates.clear();
  EXPECT_TRUE(integrationRequest(compiled(source), f.request, mapping, kIds).payload);

  // No Content-Type: the application/json template.
  f.request.headers.erase(f.request.headers.begin() + 1);
  source.requestTemplates = {{"application/json", R"({"t":"json"})"}};
  source.passthrough = PassthroughBehavior::Never;
  EXPECT_EQ(integrationRequest(compiled(source), f.request, mapping, kIds).payload,
            R"({"t":"json"})");
}

TEST(LambdaIntegrationTest, BodyThatIsNotJsonIs400ForJsonTemplates) {
  Fixture f;
  f.request.body = "not json";
  LambdaIntegrationSource source;
  source.requestTemplates = {{"application/json", R"vtl({"body": $input.json('$')})vtl"}};
  auto mapped = integrationRequest(compiled(source), f.request,
                                   mappingContext(f.request, f.match, f.info), kIds);
  EXPECT_FALSE(mapped.payload);
  EXPECT_EQ(mapped.refusal.status, 400);
  EXPECT_NE(mapped.refusal.body.find("Could not parse request body into json"), std::string::npos);
}

LambdaIntegrationSource withStatusCodes() {
  LambdaIntegrationSource source;
  source.responses = {
      {"200", "", {{"X-Kind", "'result'"}}, {}},
      {"404", R"(.*"statusCode":404.*)", {{"X-Id", "integration.response.body.errorType"}}, {}},
      {"500",
       R"([\s\S]*\[500\][\s\S]*)",
       {},
       {{"application/json", R"vtl({"oops": "$input.path('$.errorMessage')"})vtl"}}},
  };
  return source;
}

TEST(LambdaIntegrationTest, ResultsTakeTheDefaultResponse) {
  Fixture f;
  auto integration = compiled(withStatusCodes());
  auto mapping = mappingContext(f.request, f.match, f.info);
  HttpResponse r =
      integrationResponse(integration, false, R"({"statusCode":404,"ok":true})", "", mapping, kIds);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"statusCode":404,"ok":true})");
  EXPECT_EQ(findHeader(r.headers, "Content-Type")->value, "application/json");
  EXPECT_EQ(findHeader(r.headers, "X-Kind")->value, "result");
  EXPECT_EQ(findHeader(r.headers, "x-amzn-RequestId")->value, "req-1");
}

TEST(LambdaIntegrationTest, ErrorsSelectByTheirMessage) {
  Fixture f;
  auto integration = compiled(withStatusCodes());
  auto mapping = mappingContext(f.request, f.match, f.info);
  std::string notFound =
      R"({"errorMessage":"{\"statusCode\":404,\"message\":\"gone\"}","errorType":"NotFound"})";
  HttpResponse r = integrationResponse(integration, true, notFound, "", mapping, kIds);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, notFound);
  EXPECT_EQ(findHeader(r.headers, "X-Id")->value, "NotFound");

  HttpResponse templated = integrationResponse(
      integration, true, R"({"errorMessage":"[500] broke","errorType":"Error"})", "", mapping,
      kIds);
  EXPECT_EQ(templated.status, 500);
  EXPECT_EQ(templated.body, R"({"oops": "[500] broke"})");

  // A message no pattern matches in full: the default response, with the error as its body.
  HttpResponse unmatched = integrationResponse(
      integration, true, R"({"errorMessage":"a [500]\nb","errorType":"Error"})", "", mapping, kIds);
  EXPECT_EQ(unmatched.status, 500);  // [\s\S] crosses the newline.
  unmatched = integrationResponse(integration, true,
                                  R"({"errorMessage":"plain failure","errorType":"Error"})", "",
                                  mapping, kIds);
  EXPECT_EQ(unmatched.status, 200);
  EXPECT_NE(unmatched.body.find("plain failure"), std::string::npos);
}

TEST(LambdaIntegrationTest, BadTemplatesAndPatternsAreCompileErrors) {
  LambdaIntegrationSource source;
  source.requestTemplates = {{"application/json", "#if($x)"}};
  auto result = LambdaIntegration::compile(source);
  ASSERT_TRUE(std::holds_alternative<std::string>(result));
  EXPECT_NE(std::get<std::string>(result).find("request template application/json"),
            std::string::npos);
  source.requestTemplates.clear();
  source.responses = {{"404", "([", {}, {}}};
  EXPECT_TRUE(std::holds_alternative<std::string>(LambdaIntegration::compile(source)));
}

TEST(LambdaIntegrationTest, EscapeJavaScriptAsJava) {
  EXPECT_EQ(detail::escapeJavaScript("a'b\"c\\d/e\nf\tg\x01h\xC3\xA9i\xF0\x9F\x98\x80"),
            "a\\'b\\\"c\\\\d\\/e\\nf\\tg\\u0001h\\u00E9i\\uD83D\\uDE00");
}

TEST(LambdaIntegrationTest, JsonPath) {
  auto doc = *vtl::parseJson(R"({"a":{"b":[1,{"c":"x"}]},"k y":2})");
  EXPECT_EQ(vtl::toJson(*detail::jsonPath(doc, "$")), vtl::toJson(doc));
  EXPECT_EQ(vtl::toJson(*detail::jsonPath(doc, "$.a.b[1].c")), "\"x\"");
  EXPECT_EQ(vtl::toJson(*detail::jsonPath(doc, "$['k y']")), "2");
  EXPECT_EQ(vtl::toJson(*detail::jsonPath(doc, "$.a.b[*]")), R"([1,{"c":"x"}])");
  EXPECT_TRUE(detail::jsonPath(doc, "$.missing")->isNull());
  EXPECT_FALSE(detail::jsonPath(doc, "a.b"));
}

}  // namespace
}  // namespace nimbus::gateway
