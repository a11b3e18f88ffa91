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
    : context_(std::make_shared<ServiceContext>(io, logs, std::move(options))) {
  scheduleHousekeeping(context_);
}

LambdaService::~LambdaService() {
  stop();
}

void LambdaService::setAwsEndpointUrl(std::string url) {
  context_->options.awsEndpointUrl = std::move(url);
}

void LambdaService::deploy(std::vector<FunctionSpec> functions) {
  std::vector<std::shared_ptr<FunctionPool>> retired;
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
        next.emplace(key, std::make_shared<FunctionPool>(*context_, std::move(spec)));
      }
    }
    for (auto& [_, pool] : context_->pools) retired.push_back(pool);
    context_->pools = std::move(next);
    for (auto& pool : retired) context_->retiredPools.push_back(pool);
  }
  for (auto& pool : retired) pool->retire();
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
    }
  }
  InvokeResult early;
  early.requestId = newUuid();
  if (!pool) {
    early.status = InvokeStatus::NotFound;
    done(std::move(early));
    return;
  }
  if (request.payload.size() > context_->options.maxRequestBytes) {
    early.status = InvokeStatus::RequestTooLarge;
    done(std::move(early));
    return;
  }
  // Lambda admits a synchronous invocation only while account concurrency is below the limit,
  // and throttles at once otherwise.
  if (context_->inflight.fetch_add(1) >= context_->options.accountConcurrencyLimit) {
    context_->inflight.fetch_sub(1);
    early.status = InvokeStatus::Throttled;
    done(std::move(early));
    return;
  }
  Invocation invocation;
  invocation.requestId = std::move(early.requestId);
  invocation.request = std::move(request);
  invocation.done = [ctx = context_, done = std::move(done)](InvokeResult&& result) {
    ctx->inflight.fetch_sub(1);
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

size_t LambdaService::coldStarts(const std::string& functionName,
                                 const std::string& version) const {
  std::lock_guard lock(context_->registryMutex);
  auto it = context_->pools.find(poolKey(functionName, version));
  return it == context_->pools.end() ? 0 : it->second->coldStarts();
}

}  // namespace nimbus::lambda
