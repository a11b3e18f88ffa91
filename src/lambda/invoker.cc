#include "lambda/invoker.h"

#include <random>

#include "core/ids.h"
#include "lambda/function_pool.h"

namespace nimbus::lambda {

namespace {

constexpr auto kHousekeepingInterval = std::chrono::milliseconds(250);

// A uniform draw in [0, 1) for alias routing; one generator per thread, so no lock.
double uniformDraw() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

std::string poolKey(const std::string& name, const std::string& version) {
  return version == "$LATEST" ? name : name + ":" + version;
}

void scheduleHousekeeping(const std::shared_ptr<ServiceContext>& context) {
  context->housekeeping.expires_after(kHousekeepingInterval);
  context->housekeeping.async_wait(
      [weak = std::weak_ptr<ServiceContext>(context)](boost::system::error_code ec) {
        if (ec) return;
        auto ctx = weak.lock();
        if (!ctx) return;
        std::vector<std::shared_ptr<FunctionPool>> pools;
        {
          std::lock_guard lock(ctx->registryMutex);
          if (ctx->stopped) return;
          for (auto& [_, pool] : ctx->pools) pools.push_back(pool);
          std::erase_if(ctx->retiredPools,
                        [](const auto& pool) { return pool->environmentCount() == 0; });
        }
        auto now = std::chrono::steady_clock::now();
        for (auto& pool : pools) pool->housekeeping(now);
        scheduleHousekeeping(ctx);
      });
}

}  // namespace

LambdaService::LambdaService(boost::asio::io_context& io, observe::LogStore& logs,
                             LambdaOptions options)
    : context_(std::make_shared<ServiceContext>(io, logs, std::move(options))),
      accountLimit_(context_->options.accountConcurrencyLimit) {
  scheduleHousekeeping(context_);
}

LambdaService::~LambdaService() {
  stop();
}

void LambdaService::setAwsEndpointUrl(std::string url) {
  context_->options.awsEndpointUrl = std::move(url);
}

void LambdaService::deploy(std::vector<FunctionSpec> functions) {
  // Reservations are $LATEST's setting, read from the specs given: a pool kept warm keeps the
  // spec it was made with.
  std::map<std::string, int> reservations;
  for (const auto& spec : functions) {
    if (spec.version == "$LATEST") reservations[spec.name] = spec.reservedConcurrency.value_or(-1);
  }
  std::vector<std::shared_ptr<FunctionPool>> retired;
  std::vector<std::pair<std::shared_ptr<FunctionPool>, int>> toProvision;
  {
    std::lock_guard lock(context_->registryMutex);
    std::map<std::string, std::shared_ptr<FunctionPool>> next;
    for (auto& spec : functions) {
      std::string key = spec.poolKey();
      auto it = context_->pools.find(key);
      if (it != context_->pools.end() && it->second->spec().sameDeployment(spec)) {
        next.emplace(key, it->second);
        context_->pools.erase(it);
      } else {
        auto pool = std::make_shared<FunctionPool>(*context_, std::move(spec));
        if (auto target = context_->provisionTargets.find(key);
            target != context_->provisionTargets.end()) {
          toProvision.emplace_back(pool, target->second);
        }
        next.emplace(key, std::move(pool));
      }
    }
    for (auto& [_, pool] : context_->pools) retired.push_back(pool);
    context_->pools = std::move(next);
    // A function's counters outlive its redeploys.
    std::map<std::string, std::shared_ptr<FunctionConcurrency>> concurrency;
    int reservedTotal = 0;
    for (const auto& [name, reserved] : reservations) {
      auto it = context_->concurrency.find(name);
      auto entry =
          it != context_->concurrency.end() ? it->second : std::make_shared<FunctionConcurrency>();
      if (!entry->counters) entry->counters = context_->metrics.function(name);
      entry->reserved = reserved;
      reservedTotal += std::max(reserved, 0);
      concurrency.emplace(name, std::move(entry));
    }
    context_->concurrency = std::move(concurrency);
    context_->reservedTotal = reservedTotal;
    for (auto& pool : retired) context_->retiredPools.push_back(pool);
  }
  for (auto& pool : retired) pool->retire();
  for (auto& [pool, count] : toProvision) pool->provision(count);
}

void LambdaService::setProvisionedConcurrency(const std::string& functionName,
                                              const std::string& version, int count) {
  std::shared_ptr<FunctionPool> pool;
  {
    std::lock_guard lock(context_->registryMutex);
    std::string key = poolKey(functionName, version);
    if (count > 0) {
      context_->provisionTargets[key] = count;
    } else {
      context_->provisionTargets.erase(key);
    }
    if (auto it = context_->pools.find(key); it != context_->pools.end()) pool = it->second;
  }
  if (pool) pool->provision(count);
}

std::optional<LambdaService::ProvisionedFigures> LambdaService::provisionedConcurrency(
    const std::string& functionName, const std::string& version) const {
  std::shared_ptr<FunctionPool> pool;
  {
    std::lock_guard lock(context_->registryMutex);
    std::string key = poolKey(functionName, version);
    if (!context_->provisionTargets.contains(key)) return std::nullopt;
    if (auto it = context_->pools.find(key); it != context_->pools.end()) pool = it->second;
  }
  ProvisionedFigures figures;
  if (pool) {
    auto p = pool->provisioned();
    figures = {p.requested, p.available, p.failed, p.busy};
  }
  return figures;
}

void LambdaService::setAliases(std::vector<FunctionAlias> aliases) {
  std::map<std::string, FunctionAlias> next;
  for (auto& alias : aliases) {
    std::string key = alias.functionName + ":" + alias.name;
    next.emplace(std::move(key), std::move(alias));
  }
  std::lock_guard lock(context_->registryMutex);
  context_->aliases = std::move(next);
}

void LambdaService::invoke(InvokeRequest request, InvokeCallback done) {
  std::shared_ptr<FunctionPool> pool;
  std::shared_ptr<FunctionConcurrency> slots;
  {
    std::lock_guard lock(context_->registryMutex);
    if (!context_->stopped) {
      const std::string& qualifier = request.qualifier;
      std::string key = request.functionName;
      if (!qualifier.empty() && qualifier != "$LATEST") {
        if (isVersionNumber(qualifier)) {
          key += ":" + qualifier;
        } else if (auto alias = context_->aliases.find(request.functionName + ":" + qualifier);
                   alias != context_->aliases.end()) {
          key = poolKey(request.functionName, alias->second.route(uniformDraw()));
        } else {
          key.clear();
        }
      }
      auto it = context_->pools.find(key);
      if (it != context_->pools.end()) pool = it->second;
      if (auto c = context_->concurrency.find(request.functionName);
          c != context_->concurrency.end()) {
        slots = c->second;
      }
    }
  }
  InvokeResult early;
  early.requestId = request.requestId.empty() ? newUuid() : request.requestId;
  if (!pool || !slots) {
    early.status = InvokeStatus::NotFound;
    done(std::move(early));
    return;
  }
  if (request.payload.size() > context_->options.maxRequestBytes) {
    early.status = InvokeStatus::RequestTooLarge;
    done(std::move(early));
    return;
  }
  // Lambda admits an invocation only while there is concurrency for it, and throttles at once
  // otherwise: a function with a reservation runs within it; the others share what the
  // reservations leave of the account's limit.
  int reserved = slots->reserved.load();
  bool fromReserved = reserved >= 0;
  bool admitted = false;
  if (fromReserved) {
    admitted = slots->inflight.fetch_add(1) < reserved;
    if (!admitted) slots->inflight.fetch_sub(1);
  } else {
    int capacity = context_->options.accountConcurrencyLimit - context_->reservedTotal.load();
    admitted = context_->unreservedInflight.fetch_add(1) < capacity;
    if (admitted) {
      slots->inflight.fetch_add(1);
    } else {
      context_->unreservedInflight.fetch_sub(1);
    }
  }
  if (!admitted) {
    slots->throttles.fetch_add(1);
    if (slots->counters) context_->metrics.recordThrottle(*slots->counters);
    early.status = InvokeStatus::Throttled;
    early.throttleReason = fromReserved ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                        : "ConcurrentInvocationLimitExceeded";
    done(std::move(early));
    return;
  }
  context_->inflight.fetch_add(1);
  Invocation invocation;
  invocation.requestId = std::move(early.requestId);
  invocation.request = std::move(request);
  invocation.done = [ctx = context_, slots, fromReserved,
                     done = std::move(done)](InvokeResult&& result) {
    ctx->inflight.fetch_sub(1);
    slots->inflight.fetch_sub(1);
    if (!fromReserved) ctx->unreservedInflight.fetch_sub(1);
    done(std::move(result));
  };
  pool->invoke(std::move(invocation));
}

void LambdaService::stop() {
  std::map<std::string, std::shared_ptr<FunctionPool>> pools;
  std::vector<std::shared_ptr<FunctionPool>> retired;
  {
    std::lock_guard lock(context_->registryMutex);
    if (context_->stopped) return;
    context_->stopped = true;
    pools.swap(context_->pools);
    retired.swap(context_->retiredPools);
  }
  context_->housekeeping.cancel();
  for (auto& [_, pool] : pools) pool->shutdown();
  for (auto& pool : retired) pool->shutdown();
}

std::string LambdaService::memoryEnforcement() const {
  return describe(context_->memory.mode());
}

std::string LambdaService::runtimeWarning(const std::string& runtime) const {
  return context_->catalog.versionWarning(runtime);
}

std::vector<FunctionSpec> LambdaService::functions() const {
  std::lock_guard lock(context_->registryMutex);
  std::vector<FunctionSpec> out;
  for (const auto& [_, pool] : context_->pools) out.push_back(pool->spec());
  return out;
}

std::optional<FunctionSpec> LambdaService::function(const std::string& name,
                                                    const std::string& version) const {
  std::lock_guard lock(context_->registryMutex);
  auto it = context_->pools.find(poolKey(name, version));
  if (it == context_->pools.end()) return std::nullopt;
  return it->second->spec();
}

size_t LambdaService::environmentCount(const std::string& functionName,
                                       const std::string& version) const {
  std::lock_guard lock(context_->registryMutex);
  auto it = context_->pools.find(poolKey(functionName, version));
  return it == context_->pools.end() ? 0 : it->second->environmentCount();
}

observe::FunctionMetrics& LambdaService::metrics() {
  return context_->metrics;
}

void LambdaService::setTraceRecorder(observe::TraceRecorder* traces) {
  context_->traces.store(traces, std::memory_order_release);
}

size_t LambdaService::coldStarts(const std::string& functionName,
                                 const std::string& version) const {
  std::lock_guard lock(context_->registryMutex);
  auto it = context_->pools.find(poolKey(functionName, version));
  return it == context_->pools.end() ? 0 : it->second->coldStarts();
}

ConcurrencyFigures LambdaService::concurrency(const std::string& functionName) const {
  std::lock_guard lock(context_->registryMutex);
  ConcurrencyFigures figures;
  auto it = context_->concurrency.find(functionName);
  if (it == context_->concurrency.end()) return figures;
  int reserved = it->second->reserved.load();
  if (reserved >= 0) figures.reserved = reserved;
  figures.inflight = it->second->inflight.load();
  figures.throttles = it->second->throttles.load();
  return figures;
}

int LambdaService::unreservedConcurrency() const {
  return context_->options.accountConcurrencyLimit - context_->reservedTotal.load();
}

}  // namespace nimbus::lambda
