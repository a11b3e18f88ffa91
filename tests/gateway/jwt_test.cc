#include "gateway/jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "gateway/verified_jwt_cache.h"

namespace nimbus::gateway {
namespace {

std::string b64url(std::string_view bytes) {
  std::string s = base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::string bnBytes(const BIGNUM* bn, size_t width = 0) {
  std::string out(width ? width : size_t(BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), int(out.size()));
  return out;
}

// A key pair generated for the test, its public half as a JWK, and a signer for tokens.
struct TestKey {
  PublicKey pair;
  std::string alg;
  std::string kid;
  size_t ecHalf = 0;

  static TestKey rsa(std::string kid, std::string alg = "RS256") {
    TestKey k;
    k.pair.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048)));
    k.alg = std::move(alg);
    k.kid = std::move(kid);
    return k;
  }
  static TestKey ec(std::string kid, int bits) {
    TestKey k;
    k.pair.reset(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", bits == 256 ? "prime256v1" : "secp384r1"));
    k.alg = bits == 256 ? "ES256" : "ES384";
    k.ecHalf = bits / 8;
    k.kid = std::move(kid);
    return k;
  }

  nlohmann::json jwk() const {
    if (!ecHalf) {
      BIGNUM* n = nullptr;
      BIGNUM* e = nullptr;
      EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_RSA_N, &n);
      EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_RSA_E, &e);
      nlohmann::json j = {{"kty", "RSA"},
                          {"kid", kid},
                          {"use", "sig"},
                          {"alg", alg},
                          {"n", b64url(bnBytes(n))},
                          {"e", b64url(bnBytes(e))}};
      BN_free(n);
      BN_free(e);
      return j;
    }
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    nlohmann::json j = {{"kty", "EC"},
                        {"kid", kid},
                        {"crv", ecHalf == 32 ? "P-256" : "P-384"},
                        {"x", b64url(bnBytes(x, ecHalf))},
                        {"y", b64url(bnBytes(y, ecHalf))}};
    BN_free(x);
    BN_free(y);
    return j;
  }

  std::string sign(const nlohmann::json& claims, std::string headerAlg = "") const {
    nlohmann::json header = {
        {"alg", headerAlg.empty() ? alg : headerAlg}, {"typ", "JWT"}, {"kid", kid}};
    std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
    const EVP_MD* md = alg.ends_with("256")   ? EVP_sha256()
                       : alg.ends_with("384") ? EVP_sha384()
                                              : EVP_sha512();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, md, nullptr, pair.get());
    size_t size = 0;
    EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(size, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(size);
    EVP_MD_CTX_free(ctx);
    if (ecHalf) {  // DER to the r||s form JWS uses.
      const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
      ECDSA_SIG* ds = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
      sig = bnBytes(ECDSA_SIG_get0_r(ds), ecHalf) + bnBytes(ECDSA_SIG_get0_s(ds), ecHalf);
      ECDSA_SIG_free(ds);
    }
    return input + "." + b64url(sig);
  }
};

constexpr int64_t kNow = 1'700'000'000;

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(TestKey::rsa("rsa1"));
    ec256_ = new TestKey(TestKey::ec("ec1", 256));
    ec384_ = new TestKey(TestKey::ec("ec2", 384));
    rs512_ = new TestKey(TestKey::rsa("rsa512", "RS512"));
    nlohmann::json jwks = {{"keys", {rsa_->jwk(), ec256_->jwk(), ec384_->jwk(), rs512_->jwk()}}};
    keys_ = new JsonWebKeySet(*JsonWebKeySet::parse(jwks.dump()));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec256_;
    delete ec384_;
    delete rs512_;
    delete keys_;
  }

  JwtTest() {
    spec_.issuer = "http://issuer.test";
    spec_.audiences = {"client-a", "client-b"};
  }

  nlohmann::json claims() const {
    return {{"iss", "http://issuer.test"},
            {"aud", "client-b"},
            {"sub", "user-1"},
            {"exp", kNow + 60},
            {"nbf", kNow - 60},
            {"scope", "read write"}};
  }

  JwtDecision decide(const std::string& token, std::vector<std::string> scopes = {}) {
    return authorizeJwt(spec_, token, scopes, keys_, kNow);
  }

  static inline TestKey* rsa_ = nullptr;
  static inline TestKey* ec256_ = nullptr;
  static inline TestKey* ec384_ = nullptr;
  static inline TestKey* rs512_ = nullptr;
  static inline JsonWebKeySet* keys_ = nullptr;
  JwtAuthorizerSpec spec_;
};

TEST_F(JwtTest, ParsesRsaAndEcKeys) {
  EXPECT_EQ(keys_->size(), 4u);
}

TEST_F(JwtTest, AcceptsEverySupportedAlgorithm) {
  for (const TestKey* key : {rsa_, ec256_, ec384_, rs512_}) {
    EXPECT_EQ(decide(key->sign(claims())).outcome, JwtOutcome::Allowed) << key->alg;
  }
}

TEST_F(JwtTest, ClaimsBecomeStringsAndScopesAList) {
  auto c = claims();
  c["groups"] = {"admin", "dev"};
  c["admin"] = true;
  JwtDecision d = decide(rsa_->sign(c));
  ASSERT_EQ(d.outcome, JwtOutcome::Allowed);
  auto j = nlohmann::json::parse(d.authorizerJson);
  EXPECT_EQ(j["jwt"]["claims"]["exp"], std::to_string(kNow + 60));
  EXPECT_EQ(j["jwt"]["claims"]["sub"], "user-1");
  EXPECT_EQ(j["jwt"]["claims"]["groups"], "[admin dev]");
  EXPECT_EQ(j["jwt"]["claims"]["admin"], "true");
  EXPECT_EQ(j["jwt"]["scopes"], nlohmann::json({"read", "write"}));
}

TEST_F(JwtTest, RefusesATamperedSignature) {
  for (const TestKey* key : {rsa_, ec256_}) {
    std::string token = key->sign(claims());
    std::string other = key->sign(nlohmann::json{{"iss", "x"}});
    // The signature of one token on the content of another.
    std::string forged = token.substr(0, token.rfind('.')) + other.substr(other.rfind('.'));
    JwtDecision d = decide(forged);
    EXPECT_EQ(d.outcome, JwtOutcome::Unauthorized);
    EXPECT_EQ(d.description, "the token signature is invalid");
  }
}

TEST_F(JwtTest, ChecksIssuerAudienceAndTimes) {
  auto c = claims();
  c["iss"] = "http://other.test";
  EXPECT_EQ(decide(rsa_->sign(c)).description, "the token does not have a valid issuer");
  c = claims();
  c["aud"] = {"x", "client-a"};
  EXPECT_EQ(decide(rsa_->sign(c)).outcome, JwtOutcome::Allowed);
  c["aud"] = "nobody";
  EXPECT_EQ(decide(rsa_->sign(c)).description, "the token does not have a valid audience");
  // client_id stands in for a missing aud, and only then.
  c.erase("aud");
  c["client_id"] = "client-a";
  EXPECT_EQ(decide(rsa_->sign(c)).outcome, JwtOutcome::Allowed);
  c["aud"] = "nobody";
  EXPECT_EQ(decide(rsa_->sign(c)).outcome, JwtOutcome::Unauthorized);
  c = claims();
  c["exp"] = kNow;
  EXPECT_EQ(decide(rsa_->sign(c)).description, "the token has expired");
  c = claims();
  c["nbf"] = kNow + 1;
  EXPECT_EQ(decide(rsa_->sign(c)).description, "the token is not valid yet");
}

TEST_F(JwtTest, ScopesFromScopeOrScp) {
  EXPECT_EQ(decide(rsa_->sign(claims()), {"admin", "write"}).outcome, JwtOutcome::Allowed);
  EXPECT_EQ(decide(rsa_->sign(claims()), {"admin"}).outcome, JwtOutcome::Forbidden);
  auto c = claims();
  c.erase("scope");
  c["scp"] = {"admin"};
  EXPECT_EQ(decide(rsa_->sign(c), {"admin"}).outcome, JwtOutcome::Allowed);
}

TEST_F(JwtTest, UnknownKidAsksForTheKeysAgain) {
  TestKey stranger = TestKey::rsa("rotated");
  JwtDecision d = decide(stranger.sign(claims()));
  EXPECT_EQ(d.outcome, JwtOutcome::UnknownKey);
  EXPECT_EQ(d.kid, "rotated");
  EXPECT_EQ(authorizeJwt(spec_, rsa_->sign(claims()), {}, nullptr, kNow).outcome,
            JwtOutcome::UnknownKey);
}

TEST_F(JwtTest, VerifiedTokensAreJudgedAgainOnEveryRequest) {
  auto keys = std::make_shared<const JsonWebKeySet>(
      *JsonWebKeySet::parse(nlohmann::json{{"keys", {rsa_->jwk()}}}.dump()));
  VerifiedJwtCache cache;
  std::string token = rsa_->sign(claims());
  EXPECT_FALSE(cache.find(token, keys));
  EXPECT_EQ(authorizeJwtCached(spec_, token, {}, keys, cache, kNow).outcome, JwtOutcome::Allowed);
  auto cached = cache.find(token, keys);
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->scopes, (std::vector<std::string>{"read", "write"}));
  // From the cache: the route's scopes and the token's times still decide.
  EXPECT_EQ(authorizeJwtCached(spec_, token, {"admin"}, keys, cache, kNow).outcome,
            JwtOutcome::Forbidden);
  JwtDecision late = authorizeJwtCached(spec_, token, {}, keys, cache, kNow + 60);
  EXPECT_EQ(late.description, "the token has expired");
  EXPECT_EQ(authorizeJwtCached(spec_, token, {}, keys, cache, kNow - 61).description,
            "the token is not valid yet");
  // Another key set (the issuer's keys fetched again) verifies afresh.
  auto rotated = std::make_shared<const JsonWebKeySet>(
      *JsonWebKeySet::parse(nlohmann::json{{"keys", {ec256_->jwk()}}}.dump()));
  EXPECT_FALSE(cache.find(token, rotated));
  EXPECT_EQ(authorizeJwtCached(spec_, token, {}, rotated, cache, kNow).outcome,
            JwtOutcome::UnknownKey);
  // Refused tokens are not remembered.
  std::string forged = token.substr(0, token.rfind('.')) + ".AAAA";
  EXPECT_EQ(authorizeJwtCached(spec_, forged, {}, keys, cache, kNow).outcome,
            JwtOutcome::Unauthorized);
  EXPECT_FALSE(cache.find(forged, keys));
}

TEST_F(JwtTest, RefusesAlgorithmConfusionAndGarbage) {
  // An RSA key named by an ES header: never verified with the wrong algorithm.
  EXPECT_EQ(decide(rsa_->sign(claims(), "ES256")).outcome, JwtOutcome::Unauthorized);
  EXPECT_EQ(decide(rsa_->sign(claims(), "none")).outcome, JwtOutcome::Unauthorized);
  EXPECT_EQ(decide("").outcome, JwtOutcome::Unauthorized);
  EXPECT_EQ(decide("abc").outcome, JwtOutcome::Unauthorized);
  EXPECT_EQ(decide("a.b.c").outcome, JwtOutcome::Unauthorized);
}

TEST_F(JwtTest, IdentityFromHeaderWithOrWithoutBearer) {
  HttpRequest request;
  request.target = "/x?token=abc";
  request.headers.push_back({"authorization", "Bearer xyz"});
  std::string scratch;
  EXPECT_EQ(jwtIdentity(spec_, request, scratch), "xyz");
  request.headers[0].value = "xyz";
  EXPECT_EQ(jwtIdentity(spec_, request, scratch), "xyz");
  JwtAuthorizerSpec query;
  query.fromHeader = false;
  query.identityName = "token";
  EXPECT_EQ(jwtIdentity(query, request, scratch), "abc");
}

TEST_F(JwtTest, RefusalsAsApiGatewayAnswers) {
  JwtDecision d;
  d.outcome = JwtOutcome::Unauthorized;
  d.description = "the token does not have a valid audience";
  HttpResponse r = jwtRefusal(d, {}, {"id1", "", ""});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"message":"Unauthorized"})");
  const HttpHeader* h = findHeader(r.headers, "www-authenticate");
  ASSERT_TRUE(h);
  EXPECT_EQ(
      h->value,
      R"(Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience")");
  d.outcome = JwtOutcome::Forbidden;
  r = jwtRefusal(d, {"admin"}, {"id1", "", ""});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
}

}  // namespace
}  // namespace nimbus::gateway
