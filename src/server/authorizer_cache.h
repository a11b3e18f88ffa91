// One Lambda authorizer of a deployment: its settings and the answers its function gave, cached
// by identity for resultTtlInSeconds as API Gateway caches them. A cached IAM policy is judged
// again for every request's method ARN, so a policy that names one method does not open the
// others. Shared by the routes naming the authorizer; safe from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/lambda_authorizer.h"

namespace nimbus::server {

class AuthorizerCache {
 public:
  explicit AuthorizerCache(gateway::LambdaAuthorizerSpec spec) : spec_(std::move(spec)) {}

  const gateway::LambdaAuthorizerSpec& spec() const { return spec_; }

  using Clock = std::chrono::steady_clock;
  // The answer cached for `key`, or null when none is (or it expired).
  std::shared_ptr<const gateway::AuthorizerVerdict> find(const std::string& key,
                                                         Clock::time_point now) const;
  // Keeps a valid answer for the authorizer's TTL (nothing when the TTL is 0).
  void remember(const std::string& key, std::shared_ptr<const gateway::AuthorizerVerdict> verdict,
                Clock::time_point now);

 private:
  struct Entry {
    Clock::time_point expires;
    std::shared_ptr<const gateway::AuthorizerVerdict> verdict;
  };
  // Past this many identities, expired answers are dropped; if none had, the cache starts over.
  static constexpr size_t kMaxEntries = 10000;

  const gateway::LambdaAuthorizerSpec spec_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace nimbus::server
