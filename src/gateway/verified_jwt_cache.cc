#include "gateway/verified_jwt_cache.h"

namespace nimbus::gateway {

std::shared_ptr<const VerifiedJwt> VerifiedJwtCache::find(
    std::string_view token, const std::shared_ptr<const JsonWebKeySet>& keys) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token);
  if (it == entries_.end() || it->second.keys != keys) return nullptr;
  return it->second.verified;
}

void VerifiedJwtCache::remember(std::string_view token, std::shared_ptr<const JsonWebKeySet> keys,
                                std::shared_ptr<const VerifiedJwt> verified, int64_t nowSeconds) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxTokens) {
    std::erase_if(entries_, [nowSeconds](const auto& entry) {
      const auto& expires = entry.second.verified->expires;
      return expires && *expires <= double(nowSeconds);
    });
    if (entries_.size() >= kMaxTokens) entries_.clear();
  }
  entries_.insert_or_assign(std::string(token), Entry{std::move(keys), std::move(verified)});
}

JwtDecision authorizeJwtCached(const JwtAuthorizerSpec& spec, std::string_view token,
                               const std::vector<std::string>& routeScopes,
                               const std::shared_ptr<const JsonWebKeySet>& keys,
                               VerifiedJwtCache& cache, int64_t nowSeconds) {
  if (auto verified = cache.find(token, keys)) {
    return judgeVerifiedJwt(*verified, routeScopes, nowSeconds);
  }
  auto checked = verifyJwt(spec, token, keys.get());
  if (auto* refused = std::get_if<JwtDecision>(&checked)) return std::move(*refused);
  auto fresh = std::make_shared<const VerifiedJwt>(std::move(std::get<VerifiedJwt>(checked)));
  cache.remember(token, keys, fresh, nowSeconds);
  return judgeVerifiedJwt(*fresh, routeScopes, nowSeconds);
}

}  // namespace nimbus::gateway
