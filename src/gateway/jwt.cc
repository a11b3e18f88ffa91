#include "gateway/jwt.h"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "core/base64.h"
#include "core/json_writer.h"
#include "core/url.h"

namespace nimbus::gateway {

void PublicKeyFree::operator()(evp_pkey_st* key) const {
  EVP_PKEY_free(key);
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

simdjson::dom::parser& jwtParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBuildFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// base64url without padding (RFC 7515 2), as JWS and JWK use it.
std::optional<std::string> base64UrlDecode(std::string_view text) {
  if (text.find_first_of("+/= \t\r\n") != std::string_view::npos) return std::nullopt;
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  return base64Decode(standard);
}

PublicKey keyFromParams(const char* type, OSSL_PARAM_BLD* build) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return nullptr;
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) return nullptr;
  return PublicKey(key);
}

PublicKey rsaKey(std::string_view n64, std::string_view e64) {
  auto n = base64UrlDecode(n64);
  auto e = base64UrlDecode(e64);
  if (!n || !e || n->empty() || e->empty()) return nullptr;
  std::unique_ptr<BIGNUM, BnFree> bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), int(n->size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> be(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), int(e->size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildFree> build(OSSL_PARAM_BLD_new());
  if (!bn || !be || !build ||
      !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn.get()) ||
      !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, be.get())) {
    return nullptr;
  }
  return keyFromParams("RSA", build.get());
}

PublicKey ecKey(int bits, std::string_view x64, std::string_view y64) {
  auto x = base64UrlDecode(x64);
  auto y = base64UrlDecode(y64);
  size_t size = bits == 256 ? 32 : 48;
  if (!x || !y || x->size() != size || y->size() != size) return nullptr;
  std::string point = "\x04" + *x + *y;  // Uncompressed SEC1 point.
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildFree> build(OSSL_PARAM_BLD_new());
  const char* group = bits == 256 ? "prime256v1" : "secp384r1";
  if (!build ||
      !OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return nullptr;
  }
  return keyFromParams("EC", build.get());
}

std::string_view stringField(element object, const char* key) {
  std::string_view value;
  if (object[key].get(value)) return {};
  return value;
}

// A NumericDate (RFC 7519 2): integer or not, in seconds.
std::optional<double> numericDate(element object, const char* key) {
  element value;
  if (object[key].get(value)) return std::nullopt;
  double d = 0;
  if (value.is_int64()) return double(value.get_int64().value());
  if (value.is_uint64()) return double(value.get_uint64().value());
  if (!value.get(d)) return d;
  return std::nan("");  // Present but not a number: invalid.
}

// API Gateway hands claims to the function as strings: a string as it is, other values in the
// text Go's fmt gives them ("[a b]" for an array of strings, numbers as written).
void appendClaimText(std::string& out, element value) {
  switch (value.type()) {
    case element_type::STRING:
      out += std::string_view(value);
      return;
    case element_type::INT64:
      out += std::to_string(int64_t(value));
      return;
    case element_type::UINT64:
      out += std::to_string(uint64_t(value));
      return;
    case element_type::DOUBLE: {
      double d = double(value);
      if (d == std::floor(d) && std::fabs(d) < 1e15) {
        out += std::to_string(int64_t(d));
      } else {
        out += fmt::format("{}", d);
      }
      return;
    }
    case element_type::BOOL:
      out += bool(value) ? "true" : "false";
      return;
    case element_type::NULL_VALUE:
      return;
    case element_type::ARRAY: {
      out += '[';
      bool first = true;
      for (element item : value.get_array()) {
        if (!first) out += ' ';
        first = false;
        appendClaimText(out, item);
      }
      out += ']';
      return;
    }
    case element_type::OBJECT:
      out += simdjson::minify(value);
      return;
  }
}

void splitScopes(std::string_view text, std::vector<std::string_view>& out) {
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view scope = text.substr(0, space);
    if (!scope.empty()) out.push_back(scope);
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
}

JwtDecision unauthorized(std::string description) {
  JwtDecision d;
  d.outcome = JwtOutcome::Unauthorized;
  d.description = std::move(description);
  return d;
}

}  // namespace

std::optional<JwsAlgorithm> jwsAlgorithm(std::string_view name) {
  if (name == "RS256") return JwsAlgorithm::RS256;
  if (name == "RS384") return JwsAlgorithm::RS384;
  if (name == "RS512") return JwsAlgorithm::RS512;
  if (name == "ES256") return JwsAlgorithm::ES256;
  if (name == "ES384") return JwsAlgorithm::ES384;
  return std::nullopt;
}

std::optional<JsonWebKeySet> JsonWebKeySet::parse(std::string_view json, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<JsonWebKeySet> {
    if (error) *error = why;
    return std::nullopt;
  };
  element root;
  if (jwtParser().parse(json.data(), json.size()).get(root)) return fail("not JSON");
  simdjson::dom::array keys;
  if (root["keys"].get(keys)) return fail("no \"keys\" array");
  JsonWebKeySet set;
  for (element jwk : keys) {
    if (!jwk.is_object()) continue;
    std::string_view use = stringField(jwk, "use");
    if (!use.empty() && use != "sig") continue;
    Key key;
    key.kid = std::string(stringField(jwk, "kid"));
    key.alg = std::string(stringField(jwk, "alg"));
    std::string_view kty = stringField(jwk, "kty");
    if (kty == "RSA") {
      key.rsa = true;
      key.key = rsaKey(stringField(jwk, "n"), stringField(jwk, "e"));
    } else if (kty == "EC") {
      std::string_view crv = stringField(jwk, "crv");
      key.curveBits = crv == "P-256" ? 256 : crv == "P-384" ? 384 : 0;
      if (key.curveBits)
        key.key = ecKey(key.curveBits, stringField(jwk, "x"), stringField(jwk, "y"));
    }
    if (key.key) set.keys_.push_back(std::move(key));
  }
  return set;
}

const evp_pkey_st* JsonWebKeySet::find(std::string_view kid, JwsAlgorithm alg) const {
  bool wantRsa =
      alg == JwsAlgorithm::RS256 || alg == JwsAlgorithm::RS384 || alg == JwsAlgorithm::RS512;
  int wantBits = alg == JwsAlgorithm::ES256 ? 256 : alg == JwsAlgorithm::ES384 ? 384 : 0;
  for (const Key& key : keys_) {
    if (key.kid != kid) continue;
    if (wantRsa ? !key.rsa : key.curveBits != wantBits) continue;
    if (!key.alg.empty() && jwsAlgorithm(key.alg) != alg) continue;
    return key.key.get();
  }
  return nullptr;
}

bool JsonWebKeySet::contains(std::string_view kid) const {
  return std::any_of(keys_.begin(), keys_.end(), [&](const Key& k) { return k.kid == kid; });
}

std::optional<DecodedJwt> decodeJwt(std::string_view token) {
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto header = base64UrlDecode(token.substr(0, dot1));
  auto payload = base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64UrlDecode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return std::nullopt;
  DecodedJwt jwt;
  jwt.header = std::move(*header);
  jwt.payload = std::move(*payload);
  jwt.signature = std::move(*signature);
  jwt.signingInput = token.substr(0, dot2);
  element root;
  if (jwtParser().parse(jwt.header.data(), jwt.header.size()).get(root) || !root.is_object()) {
    return std::nullopt;
  }
  jwt.alg = std::string(stringField(root, "alg"));
  jwt.kid = std::string(stringField(root, "kid"));
  return jwt;
}

bool verifyJwsSignature(const DecodedJwt& jwt, JwsAlgorithm alg, const evp_pkey_st* key) {
  const EVP_MD* md = nullptr;
  size_t ecHalf = 0;
  switch (alg) {
    case JwsAlgorithm::RS256:
      md = EVP_sha256();
      break;
    case JwsAlgorithm::RS384:
      md = EVP_sha384();
      break;
    case JwsAlgorithm::RS512:
      md = EVP_sha512();
      break;
    case JwsAlgorithm::ES256:
      md = EVP_sha256();
      ecHalf = 32;
      break;
    case JwsAlgorithm::ES384:
      md = EVP_sha384();
      ecHalf = 48;
      break;
  }
  std::string der;
  std::string_view signature = jwt.signature;
  if (ecHalf) {
    if (jwt.signature.size() != 2 * ecHalf) return false;
    std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
    const auto* raw = reinterpret_cast<const unsigned char*>(jwt.signature.data());
    BIGNUM* r = BN_bin2bn(raw, int(ecHalf), nullptr);
    BIGNUM* s = BN_bin2bn(raw + ecHalf, int(ecHalf), nullptr);
    if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
      BN_free(r);
      BN_free(s);
      return false;
    }
    int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (size <= 0) return false;
    der.resize(size_t(size));
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_ECDSA_SIG(sig.get(), &out);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, const_cast<EVP_PKEY*>(key)) <= 0) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(jwt.signingInput.data()),
                          jwt.signingInput.size()) == 1;
}

std::string_view jwtIdentity(const JwtAuthorizerSpec& spec, const HttpRequest& request,
                             std::string& scratch) {
  std::string_view value;
  if (spec.fromHeader) {
    const HttpHeader* header = findHeader(request.headers, spec.identityName);
    if (!header) return {};
    value = header->value;
  } else {
    size_t q = request.target.find('?');
    if (q == std::string::npos) return {};
    scratch = queryParameter(std::string_view(request.target).substr(q + 1), spec.identityName);
    value = scratch;
  }
  // "The identitySource can include only the token, or the token prefixed with Bearer."
  if (value.size() >= 7 && iequals(value.substr(0, 7), "bearer ")) value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

std::variant<VerifiedJwt, JwtDecision> verifyJwt(const JwtAuthorizerSpec& spec,
                                                 std::string_view token,
                                                 const JsonWebKeySet* keys) {
  if (token.empty()) return unauthorized("");
  auto jwt = decodeJwt(token);
  if (!jwt) return unauthorized("the token is malformed");
  auto alg = jwsAlgorithm(jwt->alg);
  if (!alg) return unauthorized("the token's signing algorithm is not supported");
  if (jwt->kid.empty()) return unauthorized("the token has no kid");
  const evp_pkey_st* key = keys ? keys->find(jwt->kid, *alg) : nullptr;
  if (!key) {
    if (keys && keys->contains(jwt->kid)) {
      return unauthorized("the token's signing algorithm does not match its key");
    }
    JwtDecision d;
    d.outcome = JwtOutcome::UnknownKey;
    d.description = "the token's kid was not found in the issuer's keys";
    d.kid = jwt->kid;
    return d;
  }
  if (!verifyJwsSignature(*jwt, *alg, key)) return unauthorized("the token signature is invalid");

  element claims;
  if (jwtParser().parse(jwt->payload.data(), jwt->payload.size()).get(claims) ||
      !claims.is_object()) {
    return unauthorized("the token is malformed");
  }
  if (stringField(claims, "iss") != spec.issuer) {
    return unauthorized("the token does not have a valid issuer");
  }
  // aud, a string or a list; client_id only when there is no aud (as API Gateway does).
  bool audienceOk = false;
  auto audienceMatches = [&](std::string_view aud) {
    return std::find(spec.audiences.begin(), spec.audiences.end(), aud) != spec.audiences.end();
  };
  element aud;
  if (!claims["aud"].get(aud)) {
    if (aud.is_string()) {
      audienceOk = audienceMatches(std::string_view(aud));
    } else if (aud.is_array()) {
      for (element item : aud.get_array()) {
        if (item.is_string() && audienceMatches(std::string_view(item))) audienceOk = true;
      }
    }
  } else {
    std::string_view clientId = stringField(claims, "client_id");
    audienceOk = !clientId.empty() && audienceMatches(clientId);
  }
  if (!audienceOk) return unauthorized("the token does not have a valid audience");

  VerifiedJwt verified;
  verified.expires = numericDate(claims, "exp");
  verified.notBefore = numericDate(claims, "nbf");
  std::vector<std::string_view> tokenScopes;
  element scp;
  if (std::string_view scope = stringField(claims, "scope"); !scope.empty()) {
    splitScopes(scope, tokenScopes);
  } else if (!claims["scp"].get(scp)) {
    if (scp.is_string()) {
      splitScopes(std::string_view(scp), tokenScopes);
    } else if (scp.is_array()) {
      for (element item : scp.get_array()) {
        if (item.is_string()) tokenScopes.push_back(std::string_view(item));
      }
    }
  }
  verified.scopes.assign(tokenScopes.begin(), tokenScopes.end());

  std::string& out = verified.authorizerJson;
  out.reserve(jwt->payload.size() + 64);
  out += R"({"jwt":{"claims":{)";
  std::string text;
  bool first = true;
  for (auto field : simdjson::dom::object(claims)) {
    if (!first) out += ',';
    first = false;
    appendJsonString(out, field.key);
    out += ':';
    text.clear();
    appendClaimText(text, field.value);
    appendJsonString(out, text);
  }
  out += R"(},"scopes":)";
  if (tokenScopes.empty()) {
    out += "null";
  } else {
    out += '[';
    for (size_t i = 0; i < tokenScopes.size(); ++i) {
      if (i) out += ',';
      appendJsonString(out, tokenScopes[i]);
    }
    out += ']';
  }
  out += "}}";
  return verified;
}

JwtDecision judgeVerifiedJwt(const VerifiedJwt& verified,
                             const std::vector<std::string>& routeScopes, int64_t nowSeconds) {
  auto now = double(nowSeconds);
  if (verified.expires && !(*verified.expires > now)) {
    return unauthorized("the token has expired");
  }
  if (verified.notBefore && !(*verified.notBefore <= now)) {
    return unauthorized("the token is not valid yet");
  }
  if (!routeScopes.empty()) {
    bool granted = std::any_of(routeScopes.begin(), routeScopes.end(), [&](const std::string& s) {
      return std::find(verified.scopes.begin(), verified.scopes.end(), s) != verified.scopes.end();
    });
    if (!granted) {
      JwtDecision d;
      d.outcome = JwtOutcome::Forbidden;
      d.description = "the token does not have the required scopes";
      return d;
    }
  }
  JwtDecision d;
  d.outcome = JwtOutcome::Allowed;
  d.authorizerJson = verified.authorizerJson;
  return d;
}

JwtDecision authorizeJwt(const JwtAuthorizerSpec& spec, std::string_view token,
                         const std::vector<std::string>& routeScopes, const JsonWebKeySet* keys,
                         int64_t nowSeconds) {
  auto verified = verifyJwt(spec, token, keys);
  if (auto* refused = std::get_if<JwtDecision>(&verified)) return std::move(*refused);
  return judgeVerifiedJwt(std::get<VerifiedJwt>(verified), routeScopes, nowSeconds);
}

HttpResponse jwtRefusal(const JwtDecision& decision, const std::vector<std::string>& routeScopes,
                        const ResponseIds& ids) {
  HttpResponse response;
  bool forbidden = decision.outcome == JwtOutcome::Forbidden;
  response.status = forbidden ? 403 : 401;
  response.body = forbidden ? R"({"message":"Forbidden"})" : R"({"message":"Unauthorized"})";
  response.headers.push_back({"content-type", "application/json"});
  std::string scopes;
  for (const auto& s : routeScopes) {
    if (!scopes.empty()) scopes += ' ';
    scopes += s;
  }
  // API Gateway's challenge: `Bearer scope="" error="invalid_token" error_description="the token
  // does not have a valid audience"` (the troubleshooting guide's example); a request without a
  // token gets the bare scheme.
  if (decision.description.empty() && !forbidden) {
    response.headers.push_back({"www-authenticate", "Bearer"});
  } else {
    response.headers.push_back(
        {"www-authenticate",
         fmt::format(R"(Bearer scope="{}" error="{}" error_description="{}")", scopes,
                     forbidden ? "insufficient_scope" : "invalid_token", decision.description)});
  }
  addResponseIds(ApiKind::Http, response, ids);
  return response;
}

}  // namespace nimbus::gateway
