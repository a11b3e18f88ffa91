#include "gateway/cors.h"

#include <gtest/gtest.h>

namespace nimbus::gateway {
namespace {

const ResponseIds kIds{"req-1", "ext-1", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"};

std::string header(const HttpResponse& r, std::string_view name) {
  const HttpHeader* h = findHeader(r.headers, name);
  return h ? h->value : "<none>";
}

HttpRequest preflight(std::string origin) {
  HttpRequest r;
  r.method = "OPTIONS";
  r.target = "/items";
  r.headers = {{"Origin", std::move(origin)}, {"Access-Control-Request-Method", "POST"}};
  return r;
}

TEST(CorsTest, PreflightNeedsOriginAndRequestMethod) {
  EXPECT_TRUE(isCorsPreflight(preflight("https://a.example")));
  HttpRequest r = preflight("https://a.example");
  r.headers.pop_back();
  EXPECT_FALSE(isCorsPreflight(r));
  r = preflight("https://a.example");
  r.method = "GET";
  EXPECT_FALSE(isCorsPreflight(r));
}

TEST(CorsTest, HttpApiOrigins) {
  HttpApiCors any{{"*"}, {}, {}, {}, false, {}};
  EXPECT_EQ(httpApiAllowedOrigin(any, "https://a.example"), "*");
  EXPECT_EQ(httpApiAllowedOrigin(any, ""), "");
  any.allowCredentials = true;  // "*" cannot go with credentials: the origin is echoed.
  EXPECT_EQ(httpApiAllowedOrigin(any, "https://a.example"), "https://a.example");
  HttpApiCors listed{{"https://a.example", "https://b.example"}, {}, {}, {}, false, {}};
  EXPECT_EQ(httpApiAllowedOrigin(listed, "https://b.example"), "https://b.example");
  EXPECT_EQ(httpApiAllowedOrigin(listed, "https://c.example"), "");
  EXPECT_EQ(httpApiAllowedOrigin(listed, "https://A.example"), "");
}

TEST(CorsTest, HttpApiPreflight) {
  HttpApiCors cors{{"https://a.example"},
                   {"Content-Type", "X-Api-Key"},
                   {"OPTIONS", "GET"},
                   {"x-total"},
                   true,
                   300};
  HttpResponse r = httpApiPreflightResponse(cors, "https://a.example", kIds);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(header(r, "access-control-allow-origin"), "https://a.example");
  EXPECT_EQ(header(r, "access-control-allow-methods"), "OPTIONS,GET");
  EXPECT_EQ(header(r, "access-control-allow-headers"), "Content-Type,X-Api-Key");
  EXPECT_EQ(header(r, "access-control-allow-credentials"), "true");
  EXPECT_EQ(header(r, "access-control-max-age"), "300");
  EXPECT_EQ(header(r, "access-control-expose-headers"), "<none>");
  EXPECT_EQ(header(r, "apigw-requestid"), "req-1");

  HttpResponse other = httpApiPreflightResponse(cors, "https://evil.example", kIds);
  EXPECT_EQ(other.status, 204);
  EXPECT_EQ(header(other, "access-control-allow-origin"), "<none>");
  EXPECT_EQ(header(other, "access-control-allow-methods"), "<none>");
}

TEST(CorsTest, HttpApiResponsesReplaceTheFunctionsHeaders) {
  HttpApiCors cors{{"https://a.example"}, {}, {}, {"x-total", "x-page"}, false, {}};
  HttpResponse r;
  r.headers = {{"content-type", "text/plain"},
               {"Access-Control-Allow-Origin", "*"},
               {"access-control-allow-methods", "GET"}};
  applyHttpApiCors(cors, "https://a.example", r);
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : r.headers) headers.emplace_back(h.name, h.value);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"content-type", "text/plain"},
      {"access-control-allow-origin", "https://a.example"},
      {"access-control-expose-headers", "x-total,x-page"}};
  EXPECT_EQ(headers, expected);

  HttpResponse noOrigin;
  noOrigin.headers = {{"Access-Control-Allow-Origin", "*"}};
  applyHttpApiCors(cors, "", noOrigin);
  EXPECT_TRUE(noOrigin.headers.empty());
}

TEST(CorsTest, RestCorsTrueIsTheFrameworksDefaults) {
  RestCorsSetting s;
  s.method = "GET";
  RestCors cors = compileRestCors({s});
  EXPECT_EQ(cors.allowOrigin, "*");
  EXPECT_TRUE(cors.originPatterns.empty());
  EXPECT_EQ(cors.allowHeaders,
            "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,"
            "X-Amz-User-Agent,X-Amzn-Trace-Id");
  EXPECT_EQ(cors.allowMethods, "OPTIONS,GET");
  EXPECT_FALSE(cors.allowCredentials);

  HttpRequest request = preflight("https://a.example");
  HttpResponse r = restPreflightResponse(cors, request, kIds);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(r, "Access-Control-Allow-Methods"), "OPTIONS,GET");
  EXPECT_EQ(header(r, "Access-Control-Allow-Credentials"), "<none>");
  EXPECT_EQ(header(r, "Access-Control-Max-Age"), "<none>");
  EXPECT_EQ(header(r, "x-amzn-RequestId"), "req-1");
}

TEST(CorsTest, RestCorsMergesEventsOnOnePath) {
  RestCorsSetting get;
  get.method = "GET";
  RestCorsSetting post;
  post.method = "POST";
  post.objectForm = true;
  post.origins = {"https://a.example", "https://*.b.example"};
  post.headers = std::vector<std::string>{"X-One"};
  post.allowCredentials = true;
  post.maxAge = 600;
  post.cacheControl = "max-age=600";
  RestCorsSetting any;
  any.method = "ANY";
  any.objectForm = true;
  any.origin = "https://a.example";
  any.headers = std::vector<std::string>{"X-Two"};
  RestCors cors = compileRestCors({get, post, any});
  // The later event's lists first; the last event's origin.
  EXPECT_EQ(cors.allowMethods, "OPTIONS,DELETE,GET,HEAD,PATCH,POST,PUT,POST,GET");
  EXPECT_EQ(cors.allowHeaders.substr(0, 12), "X-Two,X-One,");
  EXPECT_EQ(cors.allowOrigin, "https://a.example");
  ASSERT_EQ(cors.originPatterns.size(), 2u);
  EXPECT_TRUE(cors.allowCredentials);
  EXPECT_EQ(cors.maxAge, 600);

  HttpResponse r = restPreflightResponse(cors, preflight("https://x.b.example"), kIds);
  EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "https://x.b.example");
  EXPECT_EQ(header(r, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(header(r, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(header(r, "Cache-Control"), "max-age=600");
  r = restPreflightResponse(cors, preflight("https://evil.example"), kIds);
  EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "https://a.example");
}

TEST(CorsTest, RestOriginWithCommasIsAList) {
  RestCorsSetting s;
  s.method = "GET";
  s.objectForm = true;
  s.origin = "https://a.example, https://b.example";
  RestCors cors = compileRestCors({s});
  EXPECT_EQ(cors.allowOrigin, "https://a.example");
  EXPECT_EQ(cors.originPatterns,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

TEST(CorsTest, OriginPatterns) {
  EXPECT_TRUE(matchesOriginPattern("https://a.example", "https://a.example"));
  EXPECT_FALSE(matchesOriginPattern("https://a.example", "https://a.example.evil"));
  EXPECT_TRUE(matchesOriginPattern("https://*.example", "https://x.y.example"));
  EXPECT_FALSE(matchesOriginPattern("https://*.example", "https://.example"));
  EXPECT_FALSE(matchesOriginPattern("https://*.example", "http://x.example"));
}

}  // namespace
}  // namespace nimbus::gateway
