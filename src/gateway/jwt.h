// HTTP API JWT authorizers, as pure functions: a JSON Web Key Set turned into OpenSSL public keys,
// a compact JWS checked against them, and the token's claims checked the way API Gateway checks
// them (iss, aud or client_id, exp, nbf, scopes). Fetching the key set is the caller's business.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/http_message.h"
#include "gateway/lambda_proxy.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace nimbus::gateway {

struct PublicKeyFree {
  void operator()(evp_pkey_st* key) const;
};
using PublicKey = std::unique_ptr<evp_pkey_st, PublicKeyFree>;

// The signature algorithms nimbus verifies (API Gateway itself documents only the RSA ones).
enum class JwsAlgorithm { RS256, RS384, RS512, ES256, ES384 };
std::optional<JwsAlgorithm> jwsAlgorithm(std::string_view name);

// A JWKS document (`{"keys":[...]}`) as verification keys. RSA keys (n, e) and EC keys on P-256
// and P-384 (x, y) are kept; keys of other types, private-use keys (`use` other than `sig`) and
// keys OpenSSL refuses are skipped, as a verifier skips keys it cannot use.
class JsonWebKeySet {
 public:
  // Nullopt when the text is not a JSON object with a `keys` array (`error` says why).
  static std::optional<JsonWebKeySet> parse(std::string_view json, std::string* error = nullptr);

  // The key with this `kid` usable with `alg` (RSA for RS*, the matching curve for ES*), or null.
  const evp_pkey_st* find(std::string_view kid, JwsAlgorithm alg) const;
  bool contains(std::string_view kid) const;
  size_t size() const { return keys_.size(); }

 private:
  struct Key {
    std::string kid;
    bool rsa = false;
    int curveBits = 0;  // EC: 256 or 384.
    std::string alg;    // As the JWK names it, when it does.
    PublicKey key;
  };
  std::vector<Key> keys_;
};

// A compact JWS split and decoded; views point into the token.
struct DecodedJwt {
  std::string header;   // JSON text.
  std::string payload;  // JSON text.
  std::string signature;
  std::string_view signingInput;  // "header.payload" as sent.
  std::string alg;
  std::string kid;
};
std::optional<DecodedJwt> decodeJwt(std::string_view token);

// Checks the JWS signature with `key`. ES signatures come as r||s (RFC 7518 3.4) and are converted
// to the DER form OpenSSL verifies.
bool verifyJwsSignature(const DecodedJwt& jwt, JwsAlgorithm alg, const evp_pkey_st* key);

// One `provider.httpApi.authorizers` entry of type jwt.
struct JwtAuthorizerSpec {
  std::string name;
  std::string issuer;                  // issuerUrl.
  std::vector<std::string> audiences;  // audience.
  // identitySource: "$request.header.NAME" or "$request.querystring.NAME".
  bool fromHeader = true;
  std::string identityName = "Authorization";
};

enum class JwtOutcome {
  Allowed,
  Unauthorized,  // 401: no token, a malformed or invalid one.
  Forbidden,     // 403: valid, but without one of the route's scopes.
  UnknownKey,    // The key set has no key with the token's kid: refetch it, then decide again.
};

struct JwtDecision {
  JwtOutcome outcome = JwtOutcome::Unauthorized;
  std::string description;  // error_description of the www-authenticate challenge.
  std::string kid;          // UnknownKey: the kid looked for.
  // Allowed: the value of the event's requestContext.authorizer, `{"jwt":{"claims":{...},
  // "scopes":[...]|null}}`, claims flattened to strings as API Gateway flattens them.
  std::string authorizerJson;
};

// The token from the request as the identity source names it: the header or query value, with
// an optional "Bearer " prefix removed. Empty when absent.
std::string_view jwtIdentity(const JwtAuthorizerSpec& spec, const HttpRequest& request,
                             std::string& scratch);

// What holds for a token whatever the time and the route: its signature checked against `keys`,
// its iss and aud (or client_id). Verified once, it may be judged for many requests.
struct VerifiedJwt {
  std::optional<double> expires;    // exp
  std::optional<double> notBefore;  // nbf
  std::vector<std::string> scopes;  // From `scope` (space separated) or `scp`.
  std::string authorizerJson;       // As JwtDecision::authorizerJson.
};
// The verified token, or the refusal (or UnknownKey) decision.
std::variant<VerifiedJwt, JwtDecision> verifyJwt(const JwtAuthorizerSpec& spec,
                                                 std::string_view token, const JsonWebKeySet* keys);
// What depends on the request: exp and nbf against `nowSeconds`, then `routeScopes`.
JwtDecision judgeVerifiedJwt(const VerifiedJwt& verified,
                             const std::vector<std::string>& routeScopes, int64_t nowSeconds);

// Decides a request (verifyJwt, then judgeVerifiedJwt): token, signature (keys may be null: nothing
// fetched yet, so UnknownKey), iss, aud (else client_id), exp and nbf against `nowSeconds`, then
// `routeScopes` (when not empty, one of them must be among the token's `scope` or `scp`).
JwtDecision authorizeJwt(const JwtAuthorizerSpec& spec, std::string_view token,
                         const std::vector<std::string>& routeScopes, const JsonWebKeySet* keys,
                         int64_t nowSeconds);

// API Gateway's answer for a refused decision: 401 {"message":"Unauthorized"} or 403
// {"message":"Forbidden"}, with its www-authenticate challenge and apigw-requestid.
HttpResponse jwtRefusal(const JwtDecision& decision, const std::vector<std::string>& routeScopes,
                        const ResponseIds& ids);

}  // namespace nimbus::gateway
