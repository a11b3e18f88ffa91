// The keys of one HTTP API JWT authorizer's issuer: found by OpenID discovery
// (`{issuerUrl}/.well-known/openid-configuration` names `jwks_uri`), fetched on first use, cached,
// and fetched again when a token names a kid the cache does not know (key rotation). Fetches run
// on a thread of their own, so the gateway's I/O threads never wait on the issuer.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/jwt.h"
#include "gateway/rate_limiter.h"
#include "gateway/verified_jwt_cache.h"

namespace nimbus::server {

class JwksCache {
 public:
  explicit JwksCache(gateway::JwtAuthorizerSpec spec);
  ~JwksCache();  // Waits for a fetch under way (bounded by its timeout).
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  const gateway::JwtAuthorizerSpec& spec() const { return spec_; }

  // The keys fetched last; null before the first fetch succeeds.
  std::shared_ptr<const gateway::JsonWebKeySet> keys() const;

  // Fetches the keys again and then calls `done` on the fetch thread. Callers arriving while a
  // fetch is under way wait for that one. Refetches are rate limited (a burst of 3, then one per
  // 10 s) so that a flood of tokens with made-up kids does not hammer the issuer: a refused
  // refetch calls `done` at once, on the caller's thread.
  void refresh(std::function<void()> done);

  // Why the last fetch failed ("" when it did not), for logs and tests.
  std::string lastError() const;

  // Tokens verified against this issuer's keys (see VerifiedJwtCache).
  gateway::VerifiedJwtCache& verifiedTokens() const { return verified_; }

 private:
  void fetch();

  const gateway::JwtAuthorizerSpec spec_;
  gateway::RateLimiter refetchLimiter_{0.1, 3};
  mutable std::mutex mutex_;
  std::shared_ptr<const gateway::JsonWebKeySet> keys_;
  bool fetching_ = false;
  std::vector<std::function<void()>> waiters_;
  std::string lastError_;
  std::thread worker_;

  mutable gateway::VerifiedJwtCache verified_;
};

}  // namespace nimbus::server
