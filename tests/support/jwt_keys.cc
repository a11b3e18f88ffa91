#include "support/jwt_keys.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "core/base64.h"

namespace nimbus::gateway::testing {
namespace {

// The big-endian bytes of `bn`, left-padded to `width` (its own length when 0).
std::string bnBytes(const BIGNUM* bn, size_t width = 0) {
  std::string out(width ? width : size_t(BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), int(out.size()));
  return out;
}

}  // namespace

std::string base64Url(std::string_view bytes) {
  std::string s = base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

TestKey TestKey::rsa(std::string kid, std::string alg) {
  TestKey k;
  k.pair.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048)));
  k.alg = std::move(alg);
  k.kid = std::move(kid);
  k.jwkNamesUseAndAlg = true;
  return k;
}

TestKey TestKey::ec(std::string kid, int bits) {
  TestKey k;
  k.pair.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", bits == 256 ? "prime256v1" : "secp384r1"));
  k.alg = bits == 256 ? "ES256" : "ES384";
  k.ecHalf = size_t(bits / 8);
  k.kid = std::move(kid);
  return k;
}

nlohmann::json TestKey::jwk() const {
  nlohmann::json j;
  if (!ecHalf) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_RSA_E, &e);
    j = {{"kty", "RSA"}, {"kid", kid}, {"n", base64Url(bnBytes(n))}, {"e", base64Url(bnBytes(e))}};
    BN_free(n);
    BN_free(e);
  } else {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(pair.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    j = {{"kty", "EC"},
         {"kid", kid},
         {"crv", ecHalf == 32 ? "P-256" : "P-384"},
         {"x", base64Url(bnBytes(x, ecHalf))},
         {"y", base64Url(bnBytes(y, ecHalf))}};
    BN_free(x);
    BN_free(y);
  }
  if (jwkNamesUseAndAlg) {
    j["use"] = "sig";
    j["alg"] = alg;
  }
  return j;
}

std::string TestKey::sign(const nlohmann::json& claims, std::string headerAlg) const {
  nlohmann::json header = {
      {"alg", headerAlg.empty() ? alg : headerAlg}, {"typ", "JWT"}, {"kid", kid}};
  return signTexts(header.dump(), claims.dump());
}

std::string TestKey::signTexts(std::string_view header, std::string_view claims) const {
  std::string input = base64Url(header) + "." + base64Url(claims);
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
  if (ecHalf) {  // DER to the r||s form JWS uses (RFC 7518 section 3.4).
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* ds = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
    sig = bnBytes(ECDSA_SIG_get0_r(ds), ecHalf) + bnBytes(ECDSA_SIG_get0_s(ds), ecHalf);
    ECDSA_SIG_free(ds);
  }
  return input + "." + base64Url(sig);
}

}  // namespace nimbus::gateway::testing
