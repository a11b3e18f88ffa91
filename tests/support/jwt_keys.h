// Signing keys for tests and benchmarks of JWT authorizers: an RSA or EC key pair generated with
// OpenSSL, its public half as a JWK, and compact JWS tokens signed with it, as an identity
// provider would issue them.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "gateway/jwt.h"

namespace nimbus::gateway::testing {

// Base64url without padding (RFC 7515 section 2), the encoding of every part of a JWS.
std::string base64Url(std::string_view bytes);

// A key pair generated on creation. `alg` is the JWS algorithm it signs with; `kid` names it in
// its JWK and in the header of the tokens it signs.
struct TestKey {
  PublicKey pair;
  std::string alg;
  std::string kid;
  size_t ecHalf = 0;  // EC: the byte length of each coordinate and of r and s; 0 for RSA.
  // Whether jwk() names the key's `use` and `alg`, as many identity providers publish them. When
  // it does, the key set only offers the key to tokens of that algorithm.
  bool jwkNamesUseAndAlg = false;

  // A 2048-bit RSA key (RS256, RS384 or RS512); its JWK names its use and alg.
  static TestKey rsa(std::string kid, std::string alg = "RS256");
  // An EC key on P-256 (ES256) or P-384 (ES384), by `bits`; its JWK names neither.
  static TestKey ec(std::string kid, int bits);

  // The public half: kty, kid and the key's numbers (n and e, or crv, x and y).
  nlohmann::json jwk() const;

  // A compact JWS of `claims` whose header names `headerAlg` (the key's own alg when empty), its
  // type and the kid; signed with the key's own algorithm whatever the header says.
  std::string sign(const nlohmann::json& claims, std::string headerAlg = "") const;
  // A compact JWS of the header and claims exactly as given (JSON texts).
  std::string signTexts(std::string_view header, std::string_view claims) const;
};

}  // namespace nimbus::gateway::testing
