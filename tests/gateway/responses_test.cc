#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/base64.h"
#include "gateway/lambda_proxy.h"

namespace nimbus::gateway {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string readSample(const std::string& name) {
  std::ifstream in(std::string(NIMBUS_CONFORMANCE_DIR) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Headers headersOf(const HttpResponse& r) {
  Headers out;
  for (const auto& h : r.headers) out.emplace_back(h.name, h.value);
  return out;
}

std::vector<std::string> valuesOf(const HttpResponse& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& h : r.headers) {
    if (iequals(h.name, name)) out.push_back(h.value);
  }
  return out;
}

const ResponseIds kIds{"req-1", "ext-1", "Root=1-abc"};

std::string allBytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Payload 2.0

void expectHttpApiMalformed(std::string_view payload) {
  HttpResponse r = mapHttpApiResponse(payload, kIds);
  EXPECT_EQ(r.status, 500) << payload;
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})") << payload;
  EXPECT_EQ(valuesOf(r, "apigw-requestid"), std::vector<std::string>{"req-1"});
}

TEST(HttpApiResponseTest, StructuredResponseFromSample) {
  HttpResponse r = mapHttpApiResponse(readSample("lambda-function-url-response.json"), kIds);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({ "message": "Hello, world!" })");
  EXPECT_EQ(headersOf(r), (Headers{{"Content-Type", "application/json"},
                                   {"My-Custom-Header", "Custom Value"},
                                   {"set-cookie", "Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT"},
                                   {"set-cookie", "Cookie_2=Value2; Max-Age=78000"},
                                   {"apigw-requestid", "req-1"}}));
}

TEST(HttpApiResponseTest, MultiValueHeadersAreToleratedAndIgnored) {
  HttpResponse r = mapHttpApiResponse(readSample("apigw-v2-response.json"), kIds);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"message":"OK"})");
  EXPECT_EQ(valuesOf(r, "set-cookie"),
            std::vector<std::string>{"session=abc123; Secure; HttpOnly"});
  EXPECT_EQ(valuesOf(r, "content-type"), std::vector<std::string>{"application/json"});
}

TEST(HttpApiResponseTest, InfersAResponseFromAnyJsonWithoutStatusCode) {
  struct Case {
    const char* payload;
    const char* body;
  };
  // AWS's documented examples: a string's value is the body; an object is sent as returned.
  for (const Case& c :
       {Case{R"("Hello from Lambda!")", "Hello from Lambda!"},
        Case{R"({ "message": "Hello from Lambda!" })", R"({ "message": "Hello from Lambda!" })"},
        Case{R"({"body":"x","headers":{}})", R"({"body":"x","headers":{}})"}, Case{"42", "42"},
        Case{"[1, 2]", "[1, 2]"}, Case{"true", "true"}, Case{"null", "null"},
        Case{R"("a\"b\u00e9")", "a\"b\xc3\xa9"}}) {
    HttpResponse r = mapHttpApiResponse(c.payload, kIds);
    EXPECT_EQ(r.status, 200) << c.payload;
    EXPECT_EQ(r.body, c.body) << c.payload;
    EXPECT_EQ(headersOf(r),
              (Headers{{"content-type", "application/json"}, {"apigw-requestid", "req-1"}}))
        << c.payload;
  }
}

TEST(HttpApiResponseTest, DefaultsContentTypeToTextPlain) {
  HttpResponse r = mapHttpApiResponse(R"({"statusCode": 204})", kIds);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(valuesOf(r, "content-type"), std::vector<std::string>{"text/plain; charset=utf-8"});
  r = mapHttpApiResponse(R"({"statusCode": 200, "headers": {"CONTENT-TYPE": "text/html"}})", kIds);
  EXPECT_EQ(valuesOf(r, "content-type"), std::vector<std::string>{"text/html"});
}

TEST(HttpApiResponseTest, FieldVariants) {
  HttpResponse r = mapHttpApiResponse(
      R"({"statusCode": "404", "headers": {"x-n": 5, "x-b": false, "x-null": null},
          "body": null, "isBase64Encoded": null, "cookies": null, "extra": {"ignored": 1}})",
      kIds);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(valuesOf(r, "x-n"), std::vector<std::string>{"5"});
  EXPECT_EQ(valuesOf(r, "x-b"), std::vector<std::string>{"false"});
  EXPECT_TRUE(valuesOf(r, "x-null").empty());
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(mapHttpApiResponse(R"({"statusCode": 201.0})", kIds).status, 201);
}

TEST(HttpApiResponseTest, Base64BodyDecodedByteExact) {
  std::string payload = R"({"statusCode":200,"headers":{"content-type":"image/png"},"body":")" +
                        base64Encode(allBytes()) + R"(","isBase64Encoded":true})";
  HttpResponse r = mapHttpApiResponse(payload, kIds);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, allBytes());
}

TEST(HttpApiResponseTest, MalformedAnswersAre500) {
  for (const char* payload :
       {"", "not json", "{\"statusCode\": 200", R"({"statusCode": "abc"})",
        R"({"statusCode": 1000})", R"({"statusCode": 99})", R"({"statusCode": 200.5})",
        R"({"statusCode": null})", R"({"statusCode": 200, "body": {"a": 1}})",
        R"({"statusCode": 200, "body": 5})", R"({"statusCode": 200, "headers": []})",
        R"({"statusCode": 200, "headers": {"a": {"b": 1}}})",
        R"({"statusCode": 200, "headers": {"a": ["x"]}})",
        R"({"statusCode": 200, "cookies": "a=b"})", R"({"statusCode": 200, "cookies": [1]})",
        R"({"statusCode": 200, "isBase64Encoded": "yes"})",
        R"({"statusCode": 200, "isBase64Encoded": true, "body": "***"})"}) {
    expectHttpApiMalformed(payload);
  }
}

// ---------------------------------------------------------------------------------------------
// Payload 1.0 (REST)

HttpResponse rest(std::string_view payload, std::string_view accept = "",
                  const std::vector<std::string>& binary = {}) {
  return mapRestResponse(payload, kIds, accept, binary);
}

void expectRestMalformed(std::string_view payload) {
  HttpResponse r = rest(payload);
  EXPECT_EQ(r.status, 502) << payload;
  EXPECT_EQ(r.body, R"({"message": "Internal server error"})") << payload;
  EXPECT_EQ(valuesOf(r, "x-amzn-ErrorType"),
            std::vector<std::string>{"InternalServerErrorException"})
      << payload;
}

TEST(RestResponseTest, SampleWithMultiValueSetCookie) {
  HttpResponse r = rest(readSample("apigw-v1-response.json"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"message":"Hello from Lambda"})");
  EXPECT_EQ(headersOf(r), (Headers{{"Set-Cookie", "cookie1=value1"},
                                   {"Set-Cookie", "cookie2=value2"},
                                   {"Content-Type", "application/json"},
                                   {"X-Custom-Header", "custom-value"},
                                   {"x-amzn-RequestId", "req-1"},
                                   {"x-amz-apigw-id", "ext-1"},
                                   {"X-Amzn-Trace-Id", "Root=1-abc"}}));
}

TEST(RestResponseTest, SamePairInBothMapsAppearsOnce) {
  HttpResponse r = rest(readSample("apigw-v1-response-no-base64-flag.json"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello World");
  EXPECT_EQ(valuesOf(r, "Accept-Language"), std::vector<std::string>{"en-US,en;q=0.8"});
  EXPECT_EQ(valuesOf(r, "X-Forwarded-Port"), std::vector<std::string>{"443"});
  // The sample names no Content-Type, so API Gateway adds its default.
  EXPECT_EQ(valuesOf(r, "Content-Type"), std::vector<std::string>{"application/json"});
}

TEST(RestResponseTest, HeadersMergeWithMultiValueHeadersFirst) {
  HttpResponse r = rest(
      R"({"statusCode": 201, "headers": {"x-a": "1", "X-B": true, "x-c": "3"},
          "multiValueHeaders": {"X-A": ["2", "3"], "x-c": ["3"], "x-d": null}, "body": "ok"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(valuesOf(r, "x-a"), (std::vector<std::string>{"2", "3", "1"}));
  EXPECT_EQ(valuesOf(r, "x-b"), std::vector<std::string>{"true"});
  EXPECT_EQ(valuesOf(r, "x-c"), std::vector<std::string>{"3"});
  EXPECT_TRUE(valuesOf(r, "x-d").empty());
}

TEST(RestResponseTest, DefaultsAndNulls) {
  HttpResponse r = rest("{}");
  EXPECT_EQ(r.status, 200);  // statusCode is optional.
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(valuesOf(r, "Content-Type"), std::vector<std::string>{"application/json"});
  r = rest(R"({"statusCode": "204", "headers": {"Content-Type": null}, "body": null,
              "isBase64Encoded": null, "multiValueHeaders": null})");
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(valuesOf(r, "Content-Type").empty());  // A null Content-Type suppresses the default.
  r = rest(R"({"statusCode": 200, "headers": {"content-type": "text/html"}})");
  EXPECT_EQ(valuesOf(r, "content-type"), std::vector<std::string>{"text/html"});
}

TEST(RestResponseTest, Base64DecodedOnlyForBinaryAccept) {
  std::string encoded = base64Encode(allBytes());
  std::string payload = R"({"statusCode":200,"headers":{"Content-Type":"image/png"},"body":")" +
                        encoded + R"(","isBase64Encoded":true})";
  std::vector<std::string> binary = {"image/*"};
  EXPECT_EQ(rest(payload, "image/png, */*", binary).body, allBytes());
  EXPECT_EQ(rest(payload, "*/*", {"*/*"}).body, allBytes());
  // First Accept type not binary, or no binaryMediaTypes: the client gets the base64 text.
  EXPECT_EQ(rest(payload, "text/html, image/png", binary).body, encoded);
  EXPECT_EQ(rest(payload, "image/png", {}).body, encoded);
  EXPECT_EQ(rest(payload, "", binary).body, encoded);

  HttpResponse bad =
      rest(R"({"statusCode":200,"body":"***","isBase64Encoded":true})", "image/png", binary);
  EXPECT_EQ(bad.status, 500);
  EXPECT_EQ(bad.body, R"({"message": "Internal server error"})");
}

TEST(RestResponseTest, MalformedAnswersAre502) {
  for (const char* payload :
       {"", "not json", R"("just a string")", "42", "[]", "null",
        R"({"errorMessage": "boom", "errorType": "Error", "stackTrace": []})",
        R"({"statusCode": 200, "cookies": ["a=b"]})", R"({"statusCode": 200, "extra": 1})",
        R"({"statusCode": "abc"})", R"({"statusCode": 700})", R"({"statusCode": true})",
        R"({"statusCode": 200, "body": {"a": 1}})", R"({"statusCode": 200, "body": 12})",
        R"({"statusCode": 200, "headers": {"x": 1}})", R"({"statusCode": 200, "headers": ["x"]})",
        R"({"statusCode": 200, "multiValueHeaders": {"x": "1"}})",
        R"({"statusCode": 200, "multiValueHeaders": {"x": [1]}})",
        R"({"statusCode": 200, "isBase64Encoded": "true"})"}) {
    expectRestMalformed(payload);
  }
}

// ---------------------------------------------------------------------------------------------
// Payload 1.0 on an HTTP API route

void expectHttpApiV1Malformed(std::string_view payload) {
  HttpResponse r = mapHttpApiV1Response(payload, kIds);
  EXPECT_EQ(r.status, 500) << payload;
  EXPECT_EQ(r.body, R"({"message":"Internal Server Error"})") << payload;
  EXPECT_EQ(valuesOf(r, "apigw-requestid"), std::vector<std::string>{"req-1"}) << payload;
}

TEST(HttpApiV1ResponseTest, SampleWithMultiValueSetCookie) {
  HttpResponse r = mapHttpApiV1Response(readSample("apigw-v1-response.json"), kIds);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"message":"Hello from Lambda"})");
  EXPECT_EQ(headersOf(r), (Headers{{"Set-Cookie", "cookie1=value1"},
                                   {"Set-Cookie", "cookie2=value2"},
                                   {"Content-Type", "application/json"},
                                   {"X-Custom-Header", "custom-value"},
                                   {"apigw-requestid", "req-1"}}));
}

TEST(HttpApiV1ResponseTest, NoInferenceOfABareAnswer) {
  // What 2.0 would send as a 200 JSON body is malformed under 1.0: statusCode is required.
  for (const char* payload :
       {R"({"message": "hi"})", R"("just a string")", "42", "[]", "null", "{}",
        R"({"statusCode": null, "body": "x"})",
        R"({"errorMessage": "boom", "errorType": "Error", "stackTrace": []})"}) {
    expectHttpApiV1Malformed(payload);
  }
  EXPECT_EQ(mapHttpApiResponse(R"({"message": "hi"})", kIds).status, 200);  // 2.0 infers.
}

TEST(HttpApiV1ResponseTest, MalformedAnswersAre500) {
  for (const char* payload :
       {"", "not json", R"({"statusCode": 200, "cookies": ["a=b"]})",
        R"({"statusCode": 200, "extra": 1})", R"({"statusCode": "abc"})", R"({"statusCode": 700})",
        R"({"statusCode": 200, "body": {"a": 1}})", R"({"statusCode": 200, "headers": {"x": 1}})",
        R"({"statusCode": 200, "multiValueHeaders": {"x": "1"}})",
        R"({"statusCode": 200, "isBase64Encoded": "true"})",
        R"({"statusCode": 200, "isBase64Encoded": true, "body": "***"})"}) {
    expectHttpApiV1Malformed(payload);
  }
}

TEST(HttpApiV1ResponseTest, MergesHeadersDefaultsContentTypeAndDecodesBase64) {
  HttpResponse r = mapHttpApiV1Response(
      R"({"statusCode": "201", "headers": {"x-a": "1", "X-B": true},
          "multiValueHeaders": {"X-A": ["2"]}, "body": "ok"})",
      kIds);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(valuesOf(r, "x-a"), (std::vector<std::string>{"2", "1"}));
  EXPECT_EQ(valuesOf(r, "x-b"), std::vector<std::string>{"true"});
  EXPECT_EQ(valuesOf(r, "content-type"), std::vector<std::string>{"application/json"});

  std::string payload = R"({"statusCode":200,"headers":{"Content-Type":"image/png"},"body":")" +
                        base64Encode(allBytes()) + R"(","isBase64Encoded":true})";
  r = mapHttpApiV1Response(payload, kIds);
  EXPECT_EQ(r.body, allBytes());  // No binary media types on HTTP APIs: always decoded.
  EXPECT_EQ(valuesOf(r, "content-type"), std::vector<std::string>{"image/png"});
}

}  // namespace
}  // namespace nimbus::gateway
