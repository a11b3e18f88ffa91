// The cost of a JWT authorizer on the gateway's hot path, the key already cached: building the
// payload 2.0 event of an open route (the reference) beside taking the token from the request,
// verifying it and checking its claims, then building the event with the claims in it.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/base64.h"
#include "gateway/jwt.h"
#include "gateway/lambda_proxy.h"
#include "gateway/verified_jwt_cache.h"

namespace nimbus::gateway {
namespace {

std::string b64url(std::string_view bytes) {
  std::string s = base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

std::string bnBytes(const BIGNUM* bn, size_t width) {
  std::string out(width, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), int(width));
  return out;
}

struct Fixture {
  PublicKey pair;
  std::string jwks, token;
};

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Fixture makeFixture(bool ec) {
  Fixture f;
  f.pair.reset(ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1")
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048)));
  BIGNUM* a = nullptr;
  BIGNUM* b = nullptr;
  if (ec) {
    EVP_PKEY_get_bn_param(f.pair.get(), OSSL_PKEY_PARAM_EC_PUB_X, &a);
    EVP_PKEY_get_bn_param(f.pair.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &b);
    f.jwks = R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":")" + b64url(bnBytes(a, 32)) +
             R"(","y":")" + b64url(bnBytes(b, 32)) + R"("}]})";
  } else {
    EVP_PKEY_get_bn_param(f.pair.get(), OSSL_PKEY_PARAM_RSA_N, &a);
    EVP_PKEY_get_bn_param(f.pair.get(), OSSL_PKEY_PARAM_RSA_E, &b);
    f.jwks = R"({"keys":[{"kty":"RSA","kid":"k","n":")" +
             b64url(bnBytes(a, size_t(BN_num_bytes(a)))) + R"(","e":")" +
             b64url(bnBytes(b, size_t(BN_num_bytes(b)))) + R"("}]})";
  }
  BN_free(a);
  BN_free(b);
  std::string header =
      std::string(R"({"alg":")") + (ec ? "ES256" : "RS256") + R"(","typ":"JWT","kid":"k"})";
  std::string claims = R"({"iss":"http://issuer.test","aud":"client","sub":"user-7","exp":)" +
                       std::to_string(nowSeconds() + 86400) +
                       R"(,"iat":1700000000,"scope":"items/read profile","email":"a@b.c"})";
  std::string input = b64url(header) + "." + b64url(claims);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, f.pair.get());
  size_t size = 0;
  EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(size, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(size);
  EVP_MD_CTX_free(ctx);
  if (ec) {
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* ds = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
    sig = bnBytes(ECDSA_SIG_get0_r(ds), 32) + bnBytes(ECDSA_SIG_get0_s(ds), 32);
    ECDSA_SIG_free(ds);
  }
  f.token = input + "." + b64url(sig);
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
