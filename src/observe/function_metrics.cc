#include "observe/function_metrics.h"

#include <algorithm>
#include <cmath>

namespace nimbus::observe {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

}  // namespace

void DurationHistogram::record(double ms) {
  size_t bucket = static_cast<size_t>(
      std::lower_bound(kDurationBucketsMs.begin(), kDurationBucketsMs.end(), ms) -
      kDurationBucketsMs.begin());
  buckets[bucket].fetch_add(1, kRelaxed);
  count.fetch_add(1, kRelaxed);
  sumMicros.fetch_add(static_cast<uint64_t>(std::llround(std::max(ms, 0.0) * 1000.0)), kRelaxed);
}

std::shared_ptr<FunctionCounters> FunctionMetrics::function(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = functions_.find(name);
  if (it != functions_.end()) return it->second;
  auto counters = std::make_shared<FunctionCounters>();
  counters->name = std::string(name);
  functions_.emplace(std::string(name), counters);
  return counters;
}

std::shared_ptr<RouteCounters> FunctionMetrics::route(std::string_view kind, std::string_view api,
                                                      std::string_view route) {
  std::string key = std::string(kind) + '\n' + std::string(api) + '\n' + std::string(route);
  std::lock_guard lock(mutex_);
  auto it = routes_.find(key);
  if (it != routes_.end()) return it->second;
  auto counters = std::make_shared<RouteCounters>();
  counters->kind = std::string(kind);
  counters->api = std::string(api);
  counters->route = std::string(route);
  routes_.emplace(std::move(key), counters);
  return counters;
}

void FunctionMetrics::recordInvocation(FunctionCounters& function, const InvocationSample& sample) {
  function.invocations.fetch_add(1, kRelaxed);
  if (sample.error) function.errors.fetch_add(1, kRelaxed);
  if (sample.coldStart) {
    function.coldStarts.fetch_add(1, kRelaxed);
    function.initDuration.record(sample.initDurationMs);
  }
  function.billedMs.fetch_add(static_cast<uint64_t>(sample.billedMs), kRelaxed);
  function.mbMs.fetch_add(
      static_cast<uint64_t>(sample.billedMs) * static_cast<uint64_t>(sample.memorySizeMb),
      kRelaxed);
  function.duration.record(sample.durationMs);
  if (auto* sink = sink_.load(std::memory_order_acquire)) sink->invocation(function, sample);
}

void FunctionMetrics::recordThrottle(FunctionCounters& function) {
  function.throttles.fetch_add(1, kRelaxed);
  if (auto* sink = sink_.load(std::memory_order_acquire)) sink->throttle(function);
}

void FunctionMetrics::recordGatewayRequest(RouteCounters& route, int status, double latencyMs,
                                           double integrationMs) {
  route.requests.fetch_add(1, kRelaxed);
  if (status >= 400 && status < 500) route.clientErrors.fetch_add(1, kRelaxed);
  if (status >= 500) route.serverErrors.fetch_add(1, kRelaxed);
  route.latency.record(latencyMs);
  if (auto* sink = sink_.load(std::memory_order_acquire)) {
    sink->gatewayRequest(route, status, latencyMs, integrationMs);
  }
}

void FunctionMetrics::recordFunctionMetric(std::string_view function, std::string_view name,
                                           double value, std::string_view unit) {
  if (auto* sink = sink_.load(std::memory_order_acquire)) {
    sink->functionMetric(function, name, value, unit);
  }
}

std::vector<std::shared_ptr<const FunctionCounters>> FunctionMetrics::functions() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const FunctionCounters>> out;
  for (const auto& [_, f] : functions_) out.push_back(f);
  return out;
}

std::vector<std::shared_ptr<const RouteCounters>> FunctionMetrics::routes() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const RouteCounters>> out;
  for (const auto& [_, r] : routes_) out.push_back(r);
  return out;
}

}  // namespace nimbus::observe
