#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/base64.h"
#include "gateway/lambda_proxy.h"
#include "gateway/routes.h"

namespace nimbus::gateway {
namespace {

using json = nlohmann::json;
using Keys = std::set<std::string>;

json readSample(const std::string& name) {
  std::ifstream in(std::string(NIMBUS_CONFORMANCE_DIR) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

Keys keysOf(const json& j) {
  Keys keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  return keys;
}

Keys minus(Keys a, const Keys& b) {
  for (const auto& k : b) a.erase(k);
  return a;
}

Keys plus(Keys a, const Keys& b) {
  a.insert(b.begin(), b.end());
  return a;
}

std::string typeOf(const json& j) {
  if (j.is_number()) return "number";
  return j.type_name();
}

// Every key present in both must have the same JSON type, recursively through objects.
void expectSameTypes(const json& ours, const json& sample, const std::string& where,
                     const Keys& skip = {}) {
  for (auto it = sample.begin(); it != sample.end(); ++it) {
    if (skip.count(it.key()) || !ours.contains(it.key())) continue;
    const json& o = ours[it.key()];
    EXPECT_EQ(typeOf(o), typeOf(it.value())) << where << "." << it.key();
    if (o.is_object() && it.value().is_object()) {
      expectSameTypes(o, it.value(), where + "." + it.key(), skip);
    }
  }
}

std::string allBytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

RequestContextInfo httpInfo() {
  RequestContextInfo info;
  info.apiId = "aaaaaaaaaa";
  info.requestId = "LV7fzho-PHcEJPw=";
  info.domainName = "127.0.0.1:3000";
  info.traceId = "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c";
  info.time = WallTime{std::chrono::milliseconds(1587481701067)};
  return info;
}

RequestContextInfo restInfo() {
  RequestContextInfo info = httpInfo();
  info.stage = "dev";
  info.requestId = "deef4878-7910-11e6-8f14-25afc3e9ae33";
  info.extendedRequestId = "TWegAcC4EowCHnA=";
  info.deploymentId = "a1b2c3";
  return info;
}

struct Fixture {
  RouteTable table;
  RouteMatch match(ApiKind kind, const HttpRequest& r) {
    auto routed = table.route(r.method, r.target);
    EXPECT_EQ(routed.kind, kind);
    EXPECT_TRUE(routed.match) << r.method << " " << r.target;
    return routed.match ? *routed.match : RouteMatch{};
  }
};

json httpEvent(const std::vector<Route>& routes, const HttpRequest& request,
               const RequestContextInfo& info = httpInfo()) {
  Fixture f;
  for (const auto& r : routes) EXPECT_FALSE(f.table.add(r));
  std::string text = buildHttpApiEvent(request, f.match(ApiKind::Http, request), info);
  return json::parse(text);
}

json restEvent(const std::vector<Route>& routes, const HttpRequest& request,
               const std::vector<std::string>& binaryMediaTypes = {},
               const RequestContextInfo& info = restInfo()) {
  Fixture f;
  f.table.setRestStage(info.stage);
  for (const auto& r : routes) EXPECT_FALSE(f.table.add(r));
  std::string text =
      buildRestEvent(request, f.match(ApiKind::Rest, request), info, binaryMediaTypes);
  return json::parse(text);
}

HttpRequest get(std::string target, std::vector<HttpHeader> headers = {}) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.sourceIp = "1.2.3.4";
  return r;
}

// ---------------------------------------------------------------------------------------------
// Payload 2.0

TEST(HttpApiEventTest, MatchesTheRealCaptureShape) {
  json sample = readSample("apigw-v2-request-no-authorizer.json");
  HttpRequest r =
      get("/", {{"Host", "127.0.0.1:3000"}, {"User-Agent", "curl/7.58.0"}, {"Accept", "*/*"}});
  json e = httpEvent({{ApiKind::Http, "", "$default", 0}}, r);

  EXPECT_EQ(keysOf(e), keysOf(sample));
  EXPECT_EQ(keysOf(e["requestContext"]),
            minus(keysOf(sample["requestContext"]), {"authentication"}));
  EXPECT_EQ(keysOf(e["requestContext"]["http"]), keysOf(sample["requestContext"]["http"]));
  EXPECT_EQ(keysOf(e["headers"]), keysOf(sample["headers"]));
  expectSameTypes(e, sample, "event");

  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_EQ(e["rawPath"], "/");
  EXPECT_EQ(e["rawQueryString"], "");
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["headers"]["content-length"], "0");
  EXPECT_EQ(e["headers"]["x-forwarded-for"], "1.2.3.4");
  EXPECT_EQ(e["headers"]["x-forwarded-port"], "3000");
  EXPECT_EQ(e["headers"]["x-forwarded-proto"], "http");
  EXPECT_EQ(e["headers"]["x-amzn-trace-id"], "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c");
  const json& rc = e["requestContext"];
  EXPECT_EQ(rc["accountId"], "000000000000");
  EXPECT_EQ(rc["apiId"], "aaaaaaaaaa");
  EXPECT_EQ(rc["domainName"], "127.0.0.1:3000");
  EXPECT_EQ(rc["domainPrefix"], "127");
  EXPECT_EQ(rc["requestId"], "LV7fzho-PHcEJPw=");
  EXPECT_EQ(rc["routeKey"], "$default");
  EXPECT_EQ(rc["stage"], "$default");
  EXPECT_EQ(rc["time"], sample["requestContext"]["time"]);
  EXPECT_EQ(rc["timeEpoch"], sample["requestContext"]["timeEpoch"]);
  EXPECT_EQ(rc["http"], sample["requestContext"]["http"]);
}

TEST(HttpApiEventTest, FullEventHasTheDocumentedOptionalFields) {
  json sample = readSample("apigw-v2-request-jwt-authorizer.json");
  HttpRequest r = get("/my/hello/world?parameter1=value1&parameter1=value2&parameter2=value",
                      {{"Host", "id.execute-api.us-east-1.amazonaws.com"},
                       {"Cookie", "cookie1; cookie2"},
                       {"Content-Type", "application/json"}});
  r.method = "POST";
  r.body = "{\r\n\t\"a\": 1\r\n}";
  RequestContextInfo info = httpInfo();
  info.stageVariables = {{"stageVariable1", "value1"}, {"stageVariable2", "value2"}};
  json e = httpEvent({{ApiKind::Http, "POST", "/my/{proxy+}", 0}}, r, info);

  EXPECT_EQ(keysOf(e), keysOf(sample));
  EXPECT_EQ(keysOf(e["requestContext"]),
            minus(keysOf(sample["requestContext"]), {"authentication", "authorizer"}));
  expectSameTypes(e, sample, "event", {"authorizer", "authentication"});
  EXPECT_EQ(e["routeKey"], "POST /my/{proxy+}");
  EXPECT_EQ(e["rawQueryString"], sample["rawQueryString"]);
  EXPECT_EQ(e["queryStringParameters"], sample["queryStringParameters"]);
  EXPECT_EQ(e["cookies"], sample["cookies"]);
  EXPECT_EQ(e["pathParameters"], sample["pathParameters"]);
  EXPECT_EQ(e["stageVariables"], sample["stageVariables"]);
  EXPECT_EQ(e["body"], sample["body"]);
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["headers"]["content-length"], std::to_string(r.body.size()));
}

TEST(HttpApiEventTest, HeadersLowerCasedJoinedAndCookiesMoved) {
  HttpRequest r = get("/x", {{"X-Multi", "a"},
                             {"Accept", "*/*"},
                             {"x-multi", "b, c"},
                             {"Cookie", "s=1;  t=2 ;"},
                             {"cookie", "u=3"},
                             {"Connection", "keep-alive"},
                             {"Content-Length", "999"},
                             {"X-Forwarded-For", "9.9.9.9"}});
  json e = httpEvent({{ApiKind::Http, "GET", "/x", 0}}, r);
  EXPECT_EQ(e["headers"]["x-multi"], "a,b, c");
  EXPECT_EQ(e["headers"]["accept"], "*/*");
  EXPECT_FALSE(e["headers"].contains("cookie"));
  EXPECT_FALSE(e["headers"].contains("connection"));
  EXPECT_FALSE(e["headers"].contains("X-Multi"));
  EXPECT_EQ(e["headers"]["content-length"], "0");
  EXPECT_EQ(e["headers"]["x-forwarded-for"], "9.9.9.9, 1.2.3.4");
  EXPECT_EQ(e["cookies"], json::array({"s=1", "t=2", "u=3"}));
  EXPECT_EQ(e["requestContext"]["http"]["userAgent"], "");
}

TEST(HttpApiEventTest, PathDecodedQueryRawAndParametersDecoded) {
  HttpRequest r = get("/users/a%20b/%40me?q=a+b%2Bc&q=%26&empty&x=%E2%82%AC");
  json e = httpEvent({{ApiKind::Http, "GET", "/users/{id}/{rest+}", 0}}, r);
  EXPECT_EQ(e["rawPath"], "/users/a b/@me");
  EXPECT_EQ(e["requestContext"]["http"]["path"], "/users/a b/@me");
  EXPECT_EQ(e["rawQueryString"], "q=a+b%2Bc&q=%26&empty&x=%E2%82%AC");
  EXPECT_EQ(e["queryStringParameters"],
            (json{{"q", "a b+c,&"}, {"empty", ""}, {"x", "\xe2\x82\xac"}}));
  EXPECT_EQ(e["pathParameters"], (json{{"id", "a b"}, {"rest", "@me"}}));
}

TEST(HttpApiEventTest, OptionalFieldsOmittedWhenEmpty) {
  json e = httpEvent({{ApiKind::Http, "GET", "/x", 0}}, get("/x"));
  for (const char* k :
       {"cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"}) {
    EXPECT_FALSE(e.contains(k)) << k;
  }
  EXPECT_EQ(e["isBase64Encoded"], false);
}

TEST(HttpApiEventTest, BodyBase64UnlessTextContentType) {
  struct Case {
    const char* contentType;  // nullptr: no header.
    bool base64;
  };
  for (const Case& c :
       {Case{"application/octet-stream", true}, Case{nullptr, true},
        Case{"application/x-www-form-urlencoded", true}, Case{"image/png", true},
        Case{"text/plain; charset=iso-8859-1", true}, Case{"application/json", false},
        Case{"text/html; charset=utf-8", false}, Case{"application/xml", false}}) {
    HttpRequest r = get("/up");
    r.method = "POST";
    if (c.contentType) r.headers.push_back({"Content-Type", c.contentType});
    r.body = c.base64 ? allBytes() : std::string("<a>caf\xc3\xa9</a>");
    json e = httpEvent({{ApiKind::Http, "POST", "/up", 0}}, r);
    std::string label = c.contentType ? c.contentType : "(none)";
    EXPECT_EQ(e["isBase64Encoded"], c.base64) << label;
    if (c.base64) {
      auto decoded = base64Decode(e["body"].get<std::string>());
      ASSERT_TRUE(decoded) << label;
      EXPECT_EQ(*decoded, r.body) << label;  // Byte-exact.
    } else {
      EXPECT_EQ(e["body"], r.body) << label;
    }
    EXPECT_EQ(e["headers"]["content-length"], std::to_string(r.body.size())) << label;
  }
}

// ---------------------------------------------------------------------------------------------
// Payload 1.0 (REST)

TEST(RestEventTest, MatchesTheSampleShape) {
  json sample = readSample("apigw-v1-request.json");
  HttpRequest r = get("/dev/hello/world?name=me", {{"Accept", "*/*"},
                                                   {"Content-Type", "application/json"},
                                                   {"headerName", "headerValue"},
                                                   {"Host", "127.0.0.1:3000"},
                                                   {"User-Agent", "PostmanRuntime/2.4.5"}});
  r.method = "POST";
  r.body = "{\r\n\t\"a\": 1\r\n}";
  RequestContextInfo info = restInfo();
  info.stageVariables = {{"stageVariableName", "stageVariableValue"}};
  json e = restEvent({{ApiKind::Rest, "ANY", "/{proxy+}", 0}}, r, {}, info);

  EXPECT_EQ(keysOf(e), plus(keysOf(sample), {"isBase64Encoded"}));
  EXPECT_EQ(keysOf(e["requestContext"]),
            plus(minus(keysOf(sample["requestContext"]), {"authorizer"}), {"deploymentId"}));
  EXPECT_EQ(keysOf(e["requestContext"]["identity"]),
            plus(minus(keysOf(sample["requestContext"]["identity"]),
                       {"apiKey", "apiKeyId", "clientCert"}),
                 {"principalOrgId"}));
  expectSameTypes(e, sample, "event", {"identity", "authorizer"});

  EXPECT_EQ(e["resource"], "/{proxy+}");
  EXPECT_EQ(e["path"], "/hello/world");
  EXPECT_EQ(e["httpMethod"], "POST");
  EXPECT_EQ(e["pathParameters"], sample["pathParameters"]);
  EXPECT_EQ(e["queryStringParameters"], sample["queryStringParameters"]);
  EXPECT_EQ(e["multiValueQueryStringParameters"], sample["multiValueQueryStringParameters"]);
  EXPECT_EQ(e["stageVariables"], sample["stageVariables"]);
  EXPECT_EQ(e["body"], sample["body"]);
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["headers"]["headerName"], "headerValue");
  EXPECT_EQ(e["multiValueHeaders"]["headerName"], json::array({"headerValue"}));
  EXPECT_EQ(e["headers"]["X-Forwarded-For"], "1.2.3.4");
  EXPECT_EQ(e["headers"]["X-Forwarded-Port"], "3000");
  EXPECT_EQ(e["headers"]["X-Forwarded-Proto"], "http");
  EXPECT_EQ(e["headers"]["X-Amzn-Trace-Id"], "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c");

  const json& rc = e["requestContext"];
  EXPECT_EQ(rc["path"], "/dev/hello/world");
  EXPECT_EQ(rc["resourcePath"], "/{proxy+}");
  EXPECT_EQ(rc["httpMethod"], "POST");
  EXPECT_EQ(rc["stage"], "dev");
  EXPECT_EQ(rc["requestId"], "deef4878-7910-11e6-8f14-25afc3e9ae33");
  EXPECT_EQ(rc["extendedRequestId"], "TWegAcC4EowCHnA=");
  EXPECT_EQ(rc["requestTime"], "21/Apr/2020:15:08:21 +0000");
  EXPECT_EQ(rc["requestTimeEpoch"], 1587481701067);
  EXPECT_EQ(rc["protocol"], "HTTP/1.1");
  EXPECT_EQ(rc["accountId"], "000000000000");
  EXPECT_EQ(rc["deploymentId"], "a1b2c3");
  EXPECT_EQ(rc["resourceId"].get<std::string>().size(), 6u);
  const json& id = rc["identity"];
  EXPECT_EQ(id["sourceIp"], "1.2.3.4");
  EXPECT_EQ(id["userAgent"], "PostmanRuntime/2.4.5");
  for (const char* k : {"cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller",
                        "principalOrgId", "accessKey", "cognitoAuthenticationType",
                        "cognitoAuthenticationProvider", "userArn", "user"}) {
    EXPECT_TRUE(id[k].is_null()) << k;
  }
}

TEST(RestEventTest, AbsentMapsAndBodyAreNull) {
  json e = restEvent({{ApiKind::Rest, "GET", "/items", 0}}, get("/dev/items"));
  for (const char* k : {"queryStringParameters", "multiValueQueryStringParameters",
                        "pathParameters", "stageVariables", "body"}) {
    EXPECT_TRUE(e.contains(k) && e[k].is_null()) << k;
  }
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_TRUE(e["requestContext"]["identity"]["userAgent"].is_null());
}

TEST(RestEventTest, ApiKeyInIdentityOnlyWhenTheMethodTookOne) {
  json plain = restEvent({{ApiKind::Rest, "GET", "/items", 0}}, get("/dev/items"));
  EXPECT_FALSE(plain["requestContext"]["identity"].contains("apiKey"));
  EXPECT_FALSE(plain["requestContext"]["identity"].contains("apiKeyId"));
  RequestContextInfo info = restInfo();
  info.apiKey = "abcdefghijklmnopqrstuvwxyz";
  info.apiKeyId = "k1k2k3k4k5";
  json e = restEvent({{ApiKind::Rest, "GET", "/items", 0}}, get("/dev/items"), {}, info);
  const json& id = e["requestContext"]["identity"];
  EXPECT_EQ(id["apiKey"], "abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(id["apiKeyId"], "k1k2k3k4k5");
  // As in the sample event: the key sits among the identity's other fields.
  json sample = readSample("apigw-v1-request.json");
  EXPECT_EQ(minus(keysOf(sample["requestContext"]["identity"]), keysOf(id)), Keys{"clientCert"});
}

TEST(RestEventTest, RepeatedHeadersAndQueryParameters) {
  HttpRequest r =
      get("/dev/items?a=1&b=x+y&a=2&email=test%2Balias%40gmail.com", {{"X-A", "1"},
                                                                      {"aUThorization", "Bearer t"},
                                                                      {"x-a", "2"},
                                                                      {"user-agent", "ua"},
                                                                      {"Content-Length", "0"},
                                                                      {"Connection", "close"}});
  json e = restEvent({{ApiKind::Rest, "GET", "/items", 0}}, r);
  EXPECT_EQ(e["headers"]["X-A"], "2");  // Last value.
  EXPECT_EQ(e["multiValueHeaders"]["X-A"], json::array({"1", "2"}));
  EXPECT_EQ(e["headers"]["Authorization"], "Bearer t");
  EXPECT_EQ(e["headers"]["User-Agent"], "ua");
  EXPECT_FALSE(e["headers"].contains("Content-Length"));
  EXPECT_FALSE(e["headers"].contains("Connection"));
  EXPECT_EQ(e["queryStringParameters"],
            (json{{"a", "2"}, {"b", "x y"}, {"email", "test+alias@gmail.com"}}));
  EXPECT_EQ(e["multiValueQueryStringParameters"],
            (json{{"a", {"1", "2"}}, {"b", {"x y"}}, {"email", {"test+alias@gmail.com"}}}));
}

TEST(RestEventTest, PathsKeepTheirEncodingAndSlashes) {
  json e = restEvent({{ApiKind::Rest, "ANY", "/{proxy+}", 0}},
                     get("/dev//proxy-value/user/test%2Balias@gmail.com/"));
  EXPECT_EQ(e["path"], "/proxy-value/user/test%2Balias@gmail.com/");
  EXPECT_EQ(e["requestContext"]["path"], "/dev//proxy-value/user/test%2Balias@gmail.com/");
  EXPECT_EQ(e["pathParameters"]["proxy"], "proxy-value/user/test%2Balias@gmail.com");
}

TEST(RestEventTest, BinaryOnlyWithBinaryMediaTypes) {
  HttpRequest r = get("/dev/up", {{"Content-Type", "image/png"}});
  r.method = "PUT";
  r.body = allBytes();
  json e = restEvent({{ApiKind::Rest, "PUT", "/up", 0}}, r, {"image/*"});
  EXPECT_EQ(e["isBase64Encoded"], true);
  auto decoded = base64Decode(e["body"].get<std::string>());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, r.body);

  r.headers = {{"Content-Type", "text/plain"}};
  r.body = "plain";
  e = restEvent({{ApiKind::Rest, "PUT", "/up", 0}}, r, {"image/*"});
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["body"], "plain");

  r.headers = {{"Content-Type", "image/png"}};
  e = restEvent({{ApiKind::Rest, "PUT", "/up", 0}}, r, {});
  EXPECT_EQ(e["isBase64Encoded"], false);
}

// ---------------------------------------------------------------------------------------------
// Payload 1.0 on an HTTP API route (provider.httpApi.payload '1.0')

json httpV1Event(const std::vector<Route>& routes, const HttpRequest& request,
                 const RequestContextInfo& info = httpInfo()) {
  Fixture f;
  for (const auto& r : routes) EXPECT_FALSE(f.table.add(r));
  return json::parse(buildHttpApiV1Event(request, f.match(ApiKind::Http, request), info));
}

// The fields AWS's "Working with AWS Lambda proxy integrations for HTTP APIs" lists for the
// 1.0 format (its example event), without the authorizer and mTLS parts.
const Keys kHttpV1Top = {"version",
                         "resource",
                         "path",
                         "httpMethod",
                         "headers",
                         "multiValueHeaders",
                         "queryStringParameters",
                         "multiValueQueryStringParameters",
                         "requestContext",
                         "pathParameters",
                         "stageVariables",
                         "body",
                         "isBase64Encoded"};
const Keys kHttpV1Context = {"accountId",         "apiId",        "domainName",  "domainPrefix",
                             "extendedRequestId", "httpMethod",   "identity",    "path",
                             "protocol",          "requestId",    "requestTime", "requestTimeEpoch",
                             "resourceId",        "resourcePath", "stage"};
const Keys kHttpV1Identity = {"accessKey",
                              "accountId",
                              "caller",
                              "cognitoAuthenticationProvider",
                              "cognitoAuthenticationType",
                              "cognitoIdentityId",
                              "cognitoIdentityPoolId",
                              "principalOrgId",
                              "sourceIp",
                              "user",
                              "userAgent",
                              "userArn"};

TEST(HttpApiV1EventTest, HasTheDocumentedFieldsAndTheRestSampleTypes) {
  HttpRequest r = get("/items/42?q=a&q=b&x=1",
                      {{"host", "127.0.0.1:3000"}, {"user-agent", "curl/8.5.0"}, {"X-A", "1"}});
  r.method = "POST";
  r.body = R"({"a":1})";
  r.headers.push_back({"Content-Type", "application/json"});
  json e = httpV1Event({{ApiKind::Http, "POST", "/items/{id}", 0}}, r);

  EXPECT_EQ(keysOf(e), kHttpV1Top);
  EXPECT_EQ(keysOf(e["requestContext"]), kHttpV1Context);
  EXPECT_EQ(keysOf(e["requestContext"]["identity"]), kHttpV1Identity);
  // The REST sample's 1.0 fields have the same JSON types (its identity and stage variables are
  // set, these are null).
  expectSameTypes(e, readSample("apigw-v1-request.json"), "event",
                  {"authorizer", "identity", "stageVariables"});

  EXPECT_EQ(e["version"], "1.0");
  EXPECT_EQ(e["resource"], "/items/{id}");
  EXPECT_EQ(e["path"], "/items/42");
  EXPECT_EQ(e["httpMethod"], "POST");
  EXPECT_EQ(e["pathParameters"], (json{{"id", "42"}}));
  EXPECT_TRUE(e["stageVariables"].is_null());
  EXPECT_EQ(e["queryStringParameters"], (json{{"q", "b"}, {"x", "1"}}));
  EXPECT_EQ(e["multiValueQueryStringParameters"], (json{{"q", {"a", "b"}}, {"x", {"1"}}}));
  EXPECT_EQ(e["headers"]["X-A"], "1");
  EXPECT_EQ(e["headers"]["Host"], "127.0.0.1:3000");
  EXPECT_EQ(e["headers"]["User-Agent"], "curl/8.5.0");
  EXPECT_EQ(e["headers"]["Content-Length"], "7");
  EXPECT_EQ(e["multiValueHeaders"]["Content-Length"], json::array({"7"}));
  EXPECT_EQ(e["headers"]["X-Forwarded-For"], "1.2.3.4");
  EXPECT_EQ(e["body"], R"({"a":1})");
  EXPECT_EQ(e["isBase64Encoded"], false);

  const json& rc = e["requestContext"];
  EXPECT_EQ(rc["path"], "/items/42");  // No stage: HTTP APIs serve $default at the root.
  EXPECT_EQ(rc["stage"], "$default");
  EXPECT_EQ(rc["resourcePath"], "/items/{id}");
  EXPECT_EQ(rc["resourceId"], "POST /items/{id}");
  EXPECT_EQ(rc["httpMethod"], "POST");
  EXPECT_EQ(rc["requestId"], "LV7fzho-PHcEJPw=");
  EXPECT_EQ(rc["extendedRequestId"], "LV7fzho-PHcEJPw=");
  EXPECT_EQ(rc["apiId"], "aaaaaaaaaa");
  EXPECT_EQ(rc["domainName"], "127.0.0.1:3000");
  EXPECT_EQ(rc["requestTime"], "21/Apr/2020:15:08:21 +0000");
  EXPECT_EQ(rc["requestTimeEpoch"], 1587481701067);
  EXPECT_EQ(rc["identity"]["sourceIp"], "1.2.3.4");
  EXPECT_EQ(rc["identity"]["userAgent"], "curl/8.5.0");
  EXPECT_TRUE(rc["identity"]["caller"].is_null());
}

TEST(HttpApiV1EventTest, DefaultRouteDecodedPathAndNullMaps) {
  json e = httpV1Event({{ApiKind::Http, "", "$default", 0}}, get("/a%20b/c"));
  EXPECT_EQ(e["resource"], "$default");
  EXPECT_EQ(e["path"], "/a b/c");
  EXPECT_EQ(e["requestContext"]["resourcePath"], "$default");
  EXPECT_EQ(e["requestContext"]["resourceId"], "$default");
  for (const char* k : {"queryStringParameters", "multiValueQueryStringParameters",
                        "pathParameters", "stageVariables", "body"}) {
    EXPECT_TRUE(e.contains(k) && e[k].is_null()) << k;
  }
  EXPECT_EQ(e["headers"]["Content-Length"], "0");
}

TEST(HttpApiV1EventTest, CookiesStayInHeadersAndBinaryBodiesAreBase64) {
  HttpRequest r = get("/up", {{"Cookie", "a=1; b=2"}, {"Content-Type", "image/png"}});
  r.method = "PUT";
  r.body = allBytes();
  json e = httpV1Event({{ApiKind::Http, "PUT", "/up", 0}}, r);
  EXPECT_FALSE(e.contains("cookies"));
  EXPECT_EQ(e["headers"]["Cookie"], "a=1; b=2");
  EXPECT_EQ(e["isBase64Encoded"], true);
  auto decoded = base64Decode(e["body"].get<std::string>());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, r.body);
}

TEST(HttpApiV1EventTest, AuthorizerContextWithoutThe2_0Level) {
  RequestContextInfo info = httpInfo();
  info.authorizer = R"({"jwt":{"claims":{"sub":"u1"},"scopes":null}})";
  json e = httpV1Event({{ApiKind::Http, "GET", "/x", 0}}, get("/x"), info);
  EXPECT_EQ(e["requestContext"]["authorizer"],
            (json{{"claims", {{"sub", "u1"}}}, {"scopes", nullptr}}));
  info.authorizer = R"({"lambda":{"user":"u2"}})";
  e = httpV1Event({{ApiKind::Http, "GET", "/x", 0}}, get("/x"), info);
  EXPECT_EQ(e["requestContext"]["authorizer"], (json{{"user", "u2"}}));
}

TEST(HttpApiV1EventTest, AppendWritesTheSameJson) {
  RouteTable t;
  ASSERT_FALSE(t.add({ApiKind::Http, "GET", "/x", 0}));
  HttpRequest r = get("/x?a=1");
  auto m = t.match(ApiKind::Http, "GET", "/x");
  ASSERT_TRUE(m);
  std::string out = "prefix";
  appendHttpApiV1Event(out, r, *m, httpInfo());
  EXPECT_EQ(out, "prefix" + buildHttpApiV1Event(r, *m, httpInfo()));
}

TEST(EventBuilderTest, AppendVariantsWriteTheSameJson) {
  RouteTable t;
  ASSERT_FALSE(t.add({ApiKind::Http, "GET", "/x", 0}));
  HttpRequest r = get("/x?a=1");
  auto m = t.match(ApiKind::Http, "GET", "/x");
  ASSERT_TRUE(m);
  std::string out = "prefix";
  appendHttpApiEvent(out, r, *m, httpInfo());
  EXPECT_EQ(out, "prefix" + buildHttpApiEvent(r, *m, httpInfo()));
}

}  // namespace
}  // namespace nimbus::gateway
