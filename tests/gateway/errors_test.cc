#include <gtest/gtest.h>

#include "gateway/lambda_proxy.h"

namespace nimbus::gateway {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers headersOf(const HttpResponse& r) {
  Headers out;
  for (const auto& h : r.headers) out.emplace_back(h.name, h.value);
  return out;
}

const ResponseIds kIds{"req-1", "ext-1", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"};

struct Expected {
  GatewayError error;
  int status;
  const char* body;
};

TEST(GatewayErrorTest, HttpApiAnswersByteExact) {
  for (const Expected& e : {
           Expected{GatewayError::NoRoute, 404, R"({"message":"Not Found"})"},
           Expected{GatewayError::FunctionError, 500, R"({"message":"Internal Server Error"})"},
           Expected{GatewayError::MalformedResponse, 500, R"({"message":"Internal Server Error"})"},
           Expected{GatewayError::ResponseTooLarge, 500, R"({"message":"Internal Server Error"})"},
           Expected{GatewayError::LambdaThrottled, 500, R"({"message":"Internal Server Error"})"},
           Expected{GatewayError::EventTooLarge, 500, R"({"message":"Internal Server Error"})"},
           Expected{GatewayError::InternalError, 500, R"({"message":"Internal Server Error"})"},
           Expected{GatewayError::IntegrationTimeout, 503, R"({"message":"Service Unavailable"})"},
           Expected{GatewayError::RequestTooLarge, 413,
                    R"({"message":"Request Entity Too Large"})"},
           Expected{GatewayError::Throttled, 429, R"({"message":"Too Many Requests"})"},
       }) {
    HttpResponse r = errorResponse(ApiKind::Http, e.error, kIds);
    EXPECT_EQ(r.status, e.status) << static_cast<int>(e.error);
    EXPECT_EQ(r.body, e.body) << static_cast<int>(e.error);
    EXPECT_EQ(headersOf(r),
              (Headers{{"content-type", "application/json"}, {"apigw-requestid", "req-1"}}));
  }
}

struct RestExpected {
  GatewayError error;
  int status;
  const char* body;
  const char* type;
};

TEST(GatewayErrorTest, RestAnswersByteExact) {
  constexpr const char* kLambda = R"({"message": "Internal server error"})";  // Note the space.
  for (const RestExpected& e : {
           RestExpected{GatewayError::NoRoute, 403, R"({"message":"Missing Authentication Token"})",
                        "MissingAuthenticationTokenException"},
           RestExpected{GatewayError::FunctionError, 502, kLambda, "InternalServerErrorException"},
           RestExpected{GatewayError::MalformedResponse, 502, kLambda,
                        "InternalServerErrorException"},
           RestExpected{GatewayError::ResponseTooLarge, 502, kLambda,
                        "InternalServerErrorException"},
           RestExpected{GatewayError::LambdaThrottled, 500, kLambda,
                        "InternalServerErrorException"},
           RestExpected{GatewayError::EventTooLarge, 500, kLambda, "InternalServerErrorException"},
           RestExpected{GatewayError::InternalError, 500, kLambda, "InternalServerErrorException"},
           RestExpected{GatewayError::IntegrationTimeout, 504,
                        R"({"message": "Endpoint request timed out"})",
                        "InternalServerErrorException"},
           RestExpected{GatewayError::RequestTooLarge, 413, R"({"message":"Request Too Long"})",
                        "RequestTooLargeException"},
           RestExpected{GatewayError::Throttled, 429, R"({"message":"Too Many Requests"})",
                        "TooManyRequestsException"},
       }) {
    HttpResponse r = errorResponse(ApiKind::Rest, e.error, kIds);
    EXPECT_EQ(r.status, e.status) << static_cast<int>(e.error);
    EXPECT_EQ(r.body, e.body) << static_cast<int>(e.error);
    EXPECT_EQ(headersOf(r), (Headers{{"Content-Type", "application/json"},
                                     {"x-amzn-ErrorType", e.type},
                                     {"x-amzn-RequestId", "req-1"},
                                     {"x-amz-apigw-id", "ext-1"},
                                     {"X-Amzn-Trace-Id", kIds.traceId.data()}}));
  }
}

TEST(GatewayErrorTest, RestOmitsIdsItDoesNotHave) {
  HttpResponse r =
      errorResponse(ApiKind::Rest, GatewayError::NoRoute, ResponseIds{"req-2", "", ""});
  EXPECT_EQ(headersOf(r), (Headers{{"Content-Type", "application/json"},
                                   {"x-amzn-ErrorType", "MissingAuthenticationTokenException"},
                                   {"x-amzn-RequestId", "req-2"}}));
}

TEST(GatewayErrorTest, GatewayRequestIdShape) {
  std::string a = newGatewayRequestId();
  std::string b = newGatewayRequestId();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 16u);  // Like "LV7fzho-PHcEJPw=".
  EXPECT_EQ(a.back(), '=');
  EXPECT_EQ(
      a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="),
      std::string::npos);
}

}  // namespace
}  // namespace nimbus::gateway
