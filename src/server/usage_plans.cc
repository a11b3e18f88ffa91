#include "server/usage_plans.h"

#include <fmt/format.h>

#include <future>
#include <sstream>
#include <vector>

#include "core/time_format.h"

namespace nimbus::server {

namespace {

// Record kinds in the store.
constexpr const char* kGeneratedKeys = "apigateway.apikey";  // Generated key values.
constexpr const char* kPlans = "apigateway.usageplan";       // When a plan was first served.
constexpr const char* kUsage = "apigateway.usage";           // "{PERIOD} {index} {used}".

std::optional<std::string> storedValue(const std::vector<store::Record>& records,
                                       const std::string& key) {
  for (const auto& r : records) {
    if (r.key == key) return r.value;
  }
  return std::nullopt;
}

std::string usageText(gateway::QuotaPeriod period, const gateway::QuotaCounter::Usage& usage) {
  return fmt::format("{} {} {}", gateway::quotaPeriodName(period), usage.index, usage.used);
}

// A stored counter in the given period kind, or nothing (another kind, or unreadable).
std::optional<gateway::QuotaCounter::Usage> parseUsage(const std::string& text,
                                                       gateway::QuotaPeriod period) {
  std::istringstream in(text);
  std::string name;
  gateway::QuotaCounter::Usage usage;
  if (!(in >> name >> usage.index >> usage.used) || name != gateway::quotaPeriodName(period) ||
      usage.index < 0 || usage.used < 0) {
    return std::nullopt;
  }
  return usage;
}

}  // namespace

UsagePlans::UsagePlans(store::Store& store, std::chrono::milliseconds flushInterval)
    : store_(store),
      flushInterval_(flushInterval),
      gate_(std::make_shared<gateway::ApiKeyGate>(std::vector<gateway::UsagePlanSpec>{},
                                                  std::vector<gateway::ApiKeySpec>{})) {}

UsagePlans::~UsagePlans() {
  stop();
}

std::optional<std::string> UsagePlans::putDurably(store::Record record) {
  std::promise<std::string> done;
  auto result = done.get_future();
  store_.putRecord(std::move(record), [&done](std::string error) { done.set_value(error); });
  std::string error = result.get();
  if (error.empty()) return std::nullopt;
  return error;
}

std::optional<std::string> UsagePlans::apply(const config::ProjectConfig& project) {
  std::string scope = project.service + "/" + project.stage + "/";
  int64_t now = nowMs();
  std::vector<store::Record> generated, planRecords;
  if (!project.apiKeys.empty()) generated = store_.records(kGeneratedKeys);
  if (!project.usagePlans.empty()) planRecords = store_.records(kPlans);

  std::vector<gateway::UsagePlanSpec> plans;
  for (const auto& p : project.usagePlans) {
    gateway::UsagePlanSpec plan;
    plan.name = p.name;
    if (p.quota) {
      plan.quota = gateway::QuotaSpec{
          p.quota->limit, p.quota->offset,
          gateway::parseQuotaPeriod(p.quota->period).value_or(gateway::QuotaPeriod::Day)};
    }
    if (p.throttle) {
      plan.rateLimit = static_cast<double>(p.throttle->rateLimit);
      plan.burstLimit = p.throttle->burstLimit;
    }
    // The plan's first period is the one it was first served in, kept so that `offset` applies
    // to that period only.
    std::string recordKey = scope + p.name;
    int64_t createdMs = now;
    if (auto stored = storedValue(planRecords, recordKey)) {
      createdMs = std::strtoll(stored->c_str(), nullptr, 10);
    } else if (auto error = putDurably({kPlans, recordKey, std::to_string(now)})) {
      return fmt::format("cannot store usage plan '{}': {}", p.name, *error);
    }
    if (plan.quota) plan.firstPeriod = gateway::quotaPeriodIndex(plan.quota->period, createdMs);
    plans.push_back(std::move(plan));
  }

  std::vector<gateway::ApiKeySpec> keys;
  for (const auto& k : project.apiKeys) {
    gateway::ApiKeySpec key;
    key.id = gateway::stableApiKeyId(project.service, project.stage, k.name);
    key.name = k.name;
    key.description = k.description;
    key.customerId = k.customerId;
    key.enabled = k.enabled;
    std::string recordKey = scope + k.name;
    auto stored = storedValue(generated, recordKey);
    if (k.value) {
      key.value = *k.value;
      // A key given a value of its own is a new key on AWS: should the value be dropped later,
      // the key gets a new generated one, not the one it had before.
      if (stored) {
        std::promise<std::string> done;
        auto result = done.get_future();
        store_.deleteRecord(kGeneratedKeys, recordKey,
                            [&done](std::string error) { done.set_value(error); });
        if (auto error = result.get(); !error.empty()) {
          return fmt::format("cannot update API key '{}': {}", k.name, error);
        }
      }
    } else if (stored) {
      key.value = *stored;
    } else {
      key.value = gateway::newApiKeyValue();
      if (auto error = putDurably({kGeneratedKeys, recordKey, key.value})) {
        return fmt::format("cannot store the generated value of API key '{}': {}", k.name, *error);
      }
    }
    for (size_t i = 0; i < plans.size(); ++i) {
      if (plans[i].name == k.plan) key.plan = i;
    }
    keys.push_back(std::move(key));
  }

  std::lock_guard lock(mutex_);
  for (auto& key : keys) {
    if (!key.plan || !plans[*key.plan].quota) continue;
    const gateway::UsagePlanSpec& plan = plans[*key.plan];
    gateway::QuotaPeriod period = plan.quota->period;
    std::string counterKey = scope + plan.name + "/" + key.name;
    auto it = counters_.find(counterKey);
    if (it == counters_.end() || it->second.period != period) {
      if (!countersLoaded_) {
        for (auto& r : store_.records(kUsage)) storedUsage_[r.key] = std::move(r.value);
        countersLoaded_ = true;
      }
      gateway::QuotaCounter::Usage usage{gateway::quotaPeriodIndex(period, now), 0};
      if (auto s = storedUsage_.find(counterKey); s != storedUsage_.end()) {
        usage = parseUsage(s->second, period).value_or(usage);
      }
      auto counter = std::make_shared<gateway::QuotaCounter>(usage.index, usage.used);
      // A counter of another period kind starts over: write it so that the old one is gone.
      if (it != counters_.end()) counter->markChanged();
      it = counters_.insert_or_assign(counterKey, Counter{period, std::move(counter)}).first;
    }
    key.counter = it->second.counter;
  }
  gate_.store(std::make_shared<gateway::ApiKeyGate>(std::move(plans), std::move(keys)));
  return std::nullopt;
}

std::shared_ptr<const gateway::ApiKeyGate> UsagePlans::gate() const {
  return gate_.load();
}

std::optional<HttpResponse> UsagePlans::admit(const HttpRequest& request,
                                              gateway::RateLimiter* routeLimiter,
                                              gateway::RequestContextInfo& info) const {
  auto gate = this->gate();
  gateway::ApiKeyDecision decision = gate->admit(request, routeLimiter, nowMs());
  if (decision.outcome != gateway::ApiKeyOutcome::Admitted) {
    return gateway::apiKeyRefusal(decision.outcome, gateway::responseIds(info));
  }
  info.apiKey = decision.key->value;
  info.apiKeyId = decision.key->id;
  return std::nullopt;
}

void UsagePlans::flush() {
  std::vector<std::pair<std::string, Counter>> changed;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, c] : counters_) {
      if (c.counter->takeChanged()) changed.emplace_back(key, c);
    }
  }
  for (auto& [key, c] : changed) {
    {
      std::lock_guard lock(flushMutex_);
      ++pending_;
    }
    auto counter = c.counter;
    // Read after takeChanged(): a request counted meanwhile marks the counter again, so the
    // next flush writes it.
    store_.putRecord({kUsage, key, usageText(c.period, counter->usage())},
                     [this, counter](std::string error) {
                       // Not written: write it again next time.
                       if (!error.empty()) counter->markChanged();
                       std::lock_guard lock(flushMutex_);
                       --pending_;
                       flushWake_.notify_all();
                     });
  }
}

void UsagePlans::start() {
  if (flusher_.joinable()) return;
  flusher_ = std::thread([this] {
    std::unique_lock lock(flushMutex_);
    while (!stopping_) {
      flushWake_.wait_for(lock, flushInterval_, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      flush();
      lock.lock();
    }
  });
}

void UsagePlans::stop() {
  {
    std::lock_guard lock(flushMutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  flushWake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  flush();
  // Every write completes (committed, or failed once the store has stopped).
  std::unique_lock lock(flushMutex_);
  flushWake_.wait(lock, [this] { return pending_ == 0; });
}

}  // namespace nimbus::server
