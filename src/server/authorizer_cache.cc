#include "server/authorizer_cache.h"

namespace nimbus::server {

std::shared_ptr<const gateway::AuthorizerVerdict> AuthorizerCache::find(
    const std::string& key, Clock::time_point now) const {
  if (spec_.resultTtlSeconds <= 0) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return nullptr;
  return it->second.verdict;
}

void AuthorizerCache::remember(const std::string& key,
                               std::shared_ptr<const gateway::AuthorizerVerdict> verdict,
                               Clock::time_point now) {
  if (spec_.resultTtlSeconds <= 0 || !verdict->valid) return;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) {
    std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires <= now; });
    if (entries_.size() >= kMaxEntries) entries_.clear();
  }
  entries_[key] = {now + std::chrono::seconds(spec_.resultTtlSeconds), std::move(verdict)};
}

}  // namespace nimbus::server
