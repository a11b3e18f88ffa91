// The cost of a JWT authorizer on the gateway's hot path, the key already cached: building the
// payload 2.0 event of an open route (the reference) beside taking the token from the request,
// verifying it and checking its claims, then building the event with the claims in it.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>

#include "gateway/jwt.h"
#include "gateway/lambda_proxy.h"
#include "gateway/verified_jwt_cache.h"
#include "support/jwt_keys.h"

namespace nimbus::gateway {
namespace {

using testing::TestKey;

struct Fixture {
  TestKey key;
  std::string jwks, token;
};

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An RS256 or ES256 key published without `use` and `alg` (finding it then compares no algorithm
// name), and a token it signed that expires in a day.
Fixture makeFixture(bool ec) {
  Fixture f{ec ? TestKey::ec("k", 256) : TestKey::rsa("k")};
  f.key.jwkNamesUseAndAlg = false;
  f.jwks = nlohmann::json{{"keys", {f.key.jwk()}}}.dump();
  std::string header = R"({"alg":")" + f.key.alg + R"(","typ":"JWT","kid":"k"})";
  std::string claims = R"({"iss":"http://issuer.test","aud":"client","sub":"user-7","exp":)" +
                       std::to_string(nowSeconds() + 86400) +
                       R"(,"iat":1700000000,"scope":"items/read profile","email":"a@b.c"})";
  f.token = f.key.signTexts(header, claims);
  return f;
}

struct Request {
  HttpRequest request;
  RouteTable table;
  RequestContextInfo info;
  Request(const std::string& token) {
    request.method = "GET";
    request.target = "/items/42?verbose=1";
    request.protocol = "HTTP/1.1";
    request.sourceIp = "127.0.0.1";
    request.headers = {{"Host", "127.0.0.1:3000"},
                       {"User-Agent", "bench/1.0"},
                       {"Accept", "application/json"},
                       {"Authorization", "Bearer " + token}};
    Route route;
    route.kind = ApiKind::Http;
    route.method = "GET";
    route.path = "/items/{id}";
    table.add(route);
    info.apiId = "abcdefghij";
    info.requestId = "LV7fzho-PHcEJPw=";
    info.domainName = "127.0.0.1:3000";
  }
};

void openRequest(benchmark::State& state, bool ec) {
  Fixture f = makeFixture(ec);
  Request r(f.token);
  for (auto _ : state) {
    RoutedRequest routed = r.table.route(r.request.method, r.request.target);
    std::string event = buildHttpApiEvent(r.request, *routed.match, r.info);
    benchmark::DoNotOptimize(event);
  }
}

void jwtRequest(benchmark::State& state, bool ec) {
  Fixture f = makeFixture(ec);
  Request r(f.token);
  JsonWebKeySet keys = *JsonWebKeySet::parse(f.jwks);
  JwtAuthorizerSpec spec;
  spec.issuer = "http://issuer.test";
  spec.audiences = {"client"};
  std::vector<std::string> scopes = {"items/read"};
  std::string scratch;
  for (auto _ : state) {
    RoutedRequest routed = r.table.route(r.request.method, r.request.target);
    RequestContextInfo info = r.info;
    JwtDecision d =
        authorizeJwt(spec, jwtIdentity(spec, r.request, scratch), scopes, &keys, nowSeconds());
    if (d.outcome != JwtOutcome::Allowed) state.SkipWithError("token refused");
    info.authorizer = std::move(d.authorizerJson);
    std::string event = buildHttpApiEvent(r.request, *routed.match, info);
    benchmark::DoNotOptimize(event);
  }
}

// A client presenting the same token again, as clients do until it expires: the signature was
// verified on its first request; exp, nbf and scopes are judged on every one.
void repeatedTokenRequest(benchmark::State& state, bool ec) {
  Fixture f = makeFixture(ec);
  Request r(f.token);
  auto keys = std::make_shared<const JsonWebKeySet>(*JsonWebKeySet::parse(f.jwks));
  JwtAuthorizerSpec spec;
  spec.issuer = "http://issuer.test";
  spec.audiences = {"client"};
  std::vector<std::string> scopes = {"items/read"};
  std::string scratch;
  VerifiedJwtCache cache;
  for (auto _ : state) {
    RoutedRequest routed = r.table.route(r.request.method, r.request.target);
    RequestContextInfo info = r.info;
    JwtDecision d = authorizeJwtCached(spec, jwtIdentity(spec, r.request, scratch), scopes, keys,
                                       cache, nowSeconds());
    if (d.outcome != JwtOutcome::Allowed) state.SkipWithError("token refused");
    info.authorizer = std::move(d.authorizerJson);
    std::string event = buildHttpApiEvent(r.request, *routed.match, info);
    benchmark::DoNotOptimize(event);
  }
}

void BM_Reference_OpenRoute(benchmark::State& state) {
  openRequest(state, false);
}
void BM_JwtRoute_RS256(benchmark::State& state) {
  jwtRequest(state, false);
}
void BM_JwtRoute_ES256(benchmark::State& state) {
  jwtRequest(state, true);
}
void BM_JwtRoute_RS256_RepeatedToken(benchmark::State& state) {
  repeatedTokenRequest(state, false);
}
void BM_JwtRoute_ES256_RepeatedToken(benchmark::State& state) {
  repeatedTokenRequest(state, true);
}
BENCHMARK(BM_Reference_OpenRoute);
BENCHMARK(BM_JwtRoute_RS256_RepeatedToken);
BENCHMARK(BM_JwtRoute_ES256_RepeatedToken);
BENCHMARK(BM_JwtRoute_RS256);
BENCHMARK(BM_JwtRoute_ES256);

}  // namespace
}  // namespace nimbus::gateway

BENCHMARK_MAIN();
