// Tokens whose signature, issuer and audience were verified, by token text, so that a token
// presented again costs a lookup instead of a signature check. Its times and scopes are still
// judged for every request (judgeVerifiedJwt). An entry counts only for the key set it was
// verified against: new keys from the issuer mean verifying again. Safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/jwt.h"

namespace nimbus::gateway {

class VerifiedJwtCache {
 public:
  // The verification of `token` against `keys`, or null.
  std::shared_ptr<const VerifiedJwt> find(std::string_view token,
                                          const std::shared_ptr<const JsonWebKeySet>& keys) const;
  void remember(std::string_view token, std::shared_ptr<const JsonWebKeySet> keys,
                std::shared_ptr<const VerifiedJwt> verified, int64_t nowSeconds);

  // Past this many tokens, expired ones are dropped; if none had expired, the cache starts over.
  static constexpr size_t kMaxTokens = 10000;

 private:
  struct Entry {
    // Holding the key set keeps its address from being reused by a later one.
    std::shared_ptr<const JsonWebKeySet> keys;
    std::shared_ptr<const VerifiedJwt> verified;
  };
  struct TokenHash {
    using is_transparent = void;
    size_t operator()(std::string_view token) const { return std::hash<std::string_view>{}(token); }
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry, TokenHash, std::equal_to<>> entries_;
};

// authorizeJwt() with `cache`: a token verified before against `keys` skips the signature check;
// one verified now is remembered.
JwtDecision authorizeJwtCached(const JwtAuthorizerSpec& spec, std::string_view token,
                               const std::vector<std::string>& routeScopes,
                               const std::shared_ptr<const JsonWebKeySet>& keys,
                               VerifiedJwtCache& cache, int64_t nowSeconds);

}  // namespace nimbus::gateway
