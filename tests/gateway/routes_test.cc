#include "gateway/routes.h"

#include <gtest/gtest.h>

namespace nimbus::gateway {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

RouteTable table(ApiKind kind, std::initializer_list<std::pair<const char*, const char*>> routes) {
  RouteTable t;
  size_t target = 0;
  for (auto [method, path] : routes) {
    auto error = t.add({kind, method, path, target++});
    EXPECT_FALSE(error) << method << " " << path << ": " << *error;
  }
  return t;
}

std::string keyOf(const RouteTable& t, ApiKind kind, std::string_view method,
                  std::string_view path) {
  auto m = t.match(kind, method, path);
  return m ? std::string(m->routeKey) : std::string("<none>");
}

// The routing example of AWS's "Routing API requests" (HTTP APIs): full match, then greedy,
// then $default.
TEST(RouteTableTest, HttpApiPrecedenceAsDocumented) {
  auto t = table(ApiKind::Http, {{"GET", "/pets/dog/1"},
                                 {"GET", "/pets/dog/{id}"},
                                 {"GET", "/pets/{proxy+}"},
                                 {"ANY", "/{proxy+}"},
                                 {"", "$default"}});
  struct Case {
    const char* method;
    const char* path;
    const char* key;
  };
  for (const Case& c :
       {Case{"GET", "/pets/dog/1", "GET /pets/dog/1"},
        Case{"GET", "/pets/dog/2", "GET /pets/dog/{id}"},
        Case{"GET", "/pets/cat/1", "GET /pets/{proxy+}"}, Case{"POST", "/test/5", "ANY /{proxy+}"},
        Case{"POST", "/pets/dog/1", "ANY /{proxy+}"}, Case{"GET", "/", "$default"}}) {
    EXPECT_EQ(keyOf(t, ApiKind::Http, c.method, c.path), c.key) << c.method << " " << c.path;
  }
}

TEST(RouteTableTest, FullMatchBeatsGreedyWithLongerPrefix) {
  auto t = table(ApiKind::Http, {{"GET", "/pets/{proxy+}"}, {"GET", "/{kind}/dog"}});
  EXPECT_EQ(keyOf(t, ApiKind::Http, "GET", "/pets/dog"), "GET /{kind}/dog");
  EXPECT_EQ(keyOf(t, ApiKind::Http, "GET", "/pets/dog/x"), "GET /pets/{proxy+}");
}

TEST(RouteTableTest, StaticBeatsVariableLeftmostFirst) {
  auto t = table(ApiKind::Http, {{"GET", "/{a}/b"}, {"GET", "/a/{b}"}, {"GET", "/{a}/{y}"}});
  EXPECT_EQ(keyOf(t, ApiKind::Http, "GET", "/a/b"), "GET /a/{b}");
  EXPECT_EQ(keyOf(t, ApiKind::Http, "GET", "/z/b"), "GET /{a}/b");
  EXPECT_EQ(keyOf(t, ApiKind::Http, "GET", "/z/z"), "GET /{a}/{y}");
}

TEST(RouteTableTest, LongestGreedyPrefixWins) {
  auto t = table(ApiKind::Rest,
                 {{"ANY", "/{proxy+}"}, {"GET", "/files/{path+}"}, {"GET", "/files/img/{rest+}"}});
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "GET", "/files/img/a/b.png"), "GET /files/img/{rest+}");
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "GET", "/files/doc/a"), "GET /files/{path+}");
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "POST", "/files/doc/a"), "ANY /{proxy+}");
}

TEST(RouteTableTest, ExactMethodBeatsAnyOnTheSamePath) {
  for (ApiKind kind : {ApiKind::Http, ApiKind::Rest}) {
    auto t = table(kind, {{"ANY", "/items"}, {"GET", "/items"}});
    EXPECT_EQ(keyOf(t, kind, "GET", "/items"), "GET /items");
    EXPECT_EQ(keyOf(t, kind, "DELETE", "/items"), "ANY /items");
    EXPECT_EQ(keyOf(t, kind, "HEAD", "/items"), "ANY /items");
    // ANY stands for the seven methods API Gateway knows, nothing else.
    EXPECT_EQ(keyOf(t, kind, "PROPFIND", "/items"), "<none>");
  }
}

TEST(RouteTableTest, MethodlessPathFallsBackToLessSpecificRoute) {
  auto t = table(ApiKind::Rest,
                 {{"GET", "/items/special"}, {"POST", "/items/{id}"}, {"ANY", "/{proxy+}"}});
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "POST", "/items/special"), "POST /items/{id}");
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "PUT", "/items/special"), "ANY /{proxy+}");
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "GET", "/items/special"), "GET /items/special");
}

TEST(RouteTableTest, GetDoesNotMatchHead) {
  auto t = table(ApiKind::Http, {{"GET", "/items"}});
  EXPECT_EQ(keyOf(t, ApiKind::Http, "HEAD", "/items"), "<none>");
}

TEST(RouteTableTest, NoMatchWithoutDefault) {
  auto http = table(ApiKind::Http, {{"GET", "/items"}});
  EXPECT_FALSE(http.match(ApiKind::Http, "GET", "/other"));
  auto rest = table(ApiKind::Rest, {{"GET", "/items"}});
  EXPECT_FALSE(rest.match(ApiKind::Rest, "GET", "/other"));
  EXPECT_FALSE(rest.match(ApiKind::Rest, "POST", "/items"));
  // Routes of one kind never answer for the other.
  EXPECT_FALSE(rest.match(ApiKind::Http, "GET", "/items"));
}

TEST(RouteTableTest, GreedyNeedsASegmentRootNeedsItsOwnRoute) {
  auto t = table(ApiKind::Rest, {{"ANY", "/{proxy+}"}});
  EXPECT_FALSE(t.match(ApiKind::Rest, "GET", "/"));
  t.add({ApiKind::Rest, "GET", "/", 9});
  auto m = t.match(ApiKind::Rest, "GET", "/");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->routeKey, "GET /");
  EXPECT_EQ(m->route->target, 9u);
}

TEST(RouteTableTest, TrailingAndLeadingSlashes) {
  auto t = table(ApiKind::Rest, {{"GET", "/items"}, {"ANY", "/{proxy+}"}});
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "GET", "/items/"), "GET /items");
  EXPECT_EQ(keyOf(t, ApiKind::Rest, "GET", "//items"), "GET /items");
  // Measured on AWS: "/proxy-value/" gives proxy "proxy-value"; "a//b" keeps the double slash.
  auto m = t.match(ApiKind::Rest, "GET", "/proxy-value/");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pathParameters, (Params{{"proxy", "proxy-value"}}));
  m = t.match(ApiKind::Rest, "GET", "/proxy-value//double-slash");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pathParameters, (Params{{"proxy", "proxy-value//double-slash"}}));
  // An empty segment never satisfies a {param}.
  auto u = table(ApiKind::Rest, {{"GET", "/a/{id}/c"}});
  EXPECT_FALSE(u.match(ApiKind::Rest, "GET", "/a//c"));
}

TEST(RouteTableTest, PathParametersDecodedForHttpApiRawForRest) {
  auto http = table(ApiKind::Http, {{"GET", "/users/{id}/{rest+}"}});
  auto m = http.match(ApiKind::Http, "GET", "/users/a%20b%2Bc/x%40y/z");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pathParameters, (Params{{"id", "a b+c"}, {"rest", "x@y/z"}}));

  auto rest = table(ApiKind::Rest, {{"GET", "/users/{id}"}, {"ANY", "/{proxy+}"}});
  m = rest.match(ApiKind::Rest, "GET", "/users/test%2Balias@gmail.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pathParameters, (Params{{"id", "test%2Balias@gmail.com"}}));
  m = rest.match(ApiKind::Rest, "GET", "/proxy-value/api/user/test%2Balias@gmail.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pathParameters, (Params{{"proxy", "proxy-value/api/user/test%2Balias@gmail.com"}}));
}

TEST(RouteTableTest, MatchExposesRouteKeyResourceAndStableResourceId) {
  auto t = table(ApiKind::Rest, {{"GET", "/items/{id}"}, {"PUT", "/items/{id}"}, {"GET", "/x"}});
  auto get = t.match(ApiKind::Rest, "GET", "/items/7");
  auto put = t.match(ApiKind::Rest, "PUT", "/items/7");
  auto x = t.match(ApiKind::Rest, "GET", "/x");
  ASSERT_TRUE(get && put && x);
  EXPECT_EQ(get->routeKey, "GET /items/{id}");
  EXPECT_EQ(get->resourcePath, "/items/{id}");
  EXPECT_EQ(get->route->target, 0u);
  EXPECT_EQ(put->route->target, 1u);
  EXPECT_EQ(get->resourceId.size(), 6u);
  EXPECT_EQ(get->resourceId, put->resourceId);  // One resource, two methods.
  EXPECT_NE(get->resourceId, x->resourceId);
  EXPECT_EQ(get->resourceId.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"),
            std::string_view::npos);
}

TEST(RouteTableTest, RefusesRoutesApiGatewayWouldRefuse) {
  RouteTable t;
  EXPECT_FALSE(t.add({ApiKind::Rest, "GET", "/a/{id}", 0}));
  EXPECT_FALSE(t.add({ApiKind::Http, "GET", "/a/{proxy+}", 0}));
  EXPECT_TRUE(t.add({ApiKind::Http, "FETCH", "/a", 0}));
  EXPECT_TRUE(t.add({ApiKind::Http, "GET", "a", 0}));
  EXPECT_TRUE(t.add({ApiKind::Http, "GET", "/a//b", 0}));
  EXPECT_TRUE(t.add({ApiKind::Http, "GET", "/{proxy+}/b", 0}));
  EXPECT_TRUE(t.add({ApiKind::Http, "GET", "/{}", 0}));
  EXPECT_TRUE(t.add({ApiKind::Http, "GET", "/x{id}", 0}));
  EXPECT_TRUE(t.add({ApiKind::Rest, "GET", "/a/{other}", 0}));   // Sibling variables.
  EXPECT_TRUE(t.add({ApiKind::Rest, "GET", "/a/{proxy+}", 0}));  // Beside {id} on REST.
  EXPECT_TRUE(t.add({ApiKind::Rest, "", "$default", 0}));
  EXPECT_TRUE(t.add({ApiKind::Rest, "GET", "/a/{id}", 0}));   // Duplicate.
  EXPECT_TRUE(t.add({ApiKind::Rest, "GET", "/a/{id}/", 0}));  // Same resource.
  EXPECT_FALSE(t.add({ApiKind::Http, "", "$default", 0}));
  EXPECT_TRUE(t.add({ApiKind::Http, "", "$default", 0}));
  EXPECT_EQ(t.size(), 3u);
  // A refused route leaves nothing behind.
  EXPECT_FALSE(t.match(ApiKind::Rest, "GET", "/a/x/y"));
}

TEST(RouteTableTest, RouteDecidesTheApiFromTheStageSegment) {
  RouteTable t;
  t.setRestStage("dev");
  ASSERT_FALSE(t.add({ApiKind::Rest, "GET", "/items", 0}));
  ASSERT_FALSE(t.add({ApiKind::Http, "GET", "/items", 1}));

  auto rest = t.route("GET", "/dev/items?x=1");
  EXPECT_EQ(rest.kind, ApiKind::Rest);
  ASSERT_TRUE(rest.match);
  EXPECT_EQ(rest.match->route->target, 0u);

  auto http = t.route("GET", "/items?x=1");
  EXPECT_EQ(http.kind, ApiKind::Http);
  ASSERT_TRUE(http.match);
  EXPECT_EQ(http.match->route->target, 1u);

  // Under the stage it is REST even when nothing matches: REST's 403 applies.
  auto missing = t.route("GET", "/dev/nothing");
  EXPECT_EQ(missing.kind, ApiKind::Rest);
  EXPECT_FALSE(missing.match);
  EXPECT_EQ(t.route("GET", "//dev//items").kind, ApiKind::Rest);
  EXPECT_TRUE(t.route("GET", "//dev//items").match);
  EXPECT_EQ(t.route("GET", "/development/items").kind, ApiKind::Http);

  // Without REST routes the stage segment is just a path.
  RouteTable httpOnly;
  ASSERT_FALSE(httpOnly.add({ApiKind::Http, "GET", "/dev/items", 0}));
  auto r = httpOnly.route("GET", "/dev/items");
  EXPECT_EQ(r.kind, ApiKind::Http);
  EXPECT_TRUE(r.match);
}

TEST(RouteTableTest, SplitRestPath) {
  auto p = splitRestPath("/dev/items/1", "dev");
  EXPECT_EQ(p.path, "/items/1");
  EXPECT_EQ(p.afterStage, "/items/1");
  p = splitRestPath("/dev//proxy-value", "dev");  // Measured: path "/proxy-value".
  EXPECT_EQ(p.path, "/proxy-value");
  EXPECT_EQ(p.afterStage, "//proxy-value");
  p = splitRestPath("//dev/proxy-value/", "dev");
  EXPECT_EQ(p.path, "/proxy-value/");
  EXPECT_EQ(p.afterStage, "/proxy-value/");
  p = splitRestPath("/dev", "dev");
  EXPECT_EQ(p.path, "/");
  EXPECT_EQ(p.afterStage, "");
}

TEST(RouteTableTest, FiftyRoutesAllReachable) {
  RouteTable t;
  for (int i = 0; i < 50; ++i) {
    std::string path = "/r" + std::to_string(i) + (i % 2 ? "/{id}" : "/items");
    ASSERT_FALSE(t.add({ApiKind::Http, i % 3 ? "GET" : "ANY", path, static_cast<size_t>(i)}));
  }
  for (int i = 0; i < 50; ++i) {
    std::string path = "/r" + std::to_string(i) + (i % 2 ? "/42" : "/items");
    auto m = t.match(ApiKind::Http, "GET", path);
    ASSERT_TRUE(m) << path;
    EXPECT_EQ(m->route->target, static_cast<size_t>(i));
  }
}

}  // namespace
}  // namespace nimbus::gateway
