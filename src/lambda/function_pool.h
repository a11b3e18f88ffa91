// The environments of one function version and the scheduling between them: an invocation
// takes the most recently used ready environment, or starts a new one (a cold start) bound to
// it. Every state change happens under the pool's mutex; callbacks, log drains and replies run
// after it is released. There is no global lock: pools are independent.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "lambda/execution_environment.h"
#include "lambda/invoker.h"
#include "lambda/memory_limit.h"
#include "lambda/runtime_catalog.h"
#include "observe/function_metrics.h"

namespace nimbus::lambda {

class FunctionPool;

// One function's concurrency, across its versions. In-flight invocations hold it, so a
// redeploy that drops the function never pulls it from under them.
struct FunctionConcurrency {
  std::atomic<int> reserved{-1};  // Reserved concurrency; -1 when the function has none.
  std::atomic<int> inflight{0};   // Invocations admitted and not finished.
  std::atomic<uint64_t> throttles{0};
  // What /_nimbus/metrics and CloudWatch count for the function, resolved once.
  std::shared_ptr<observe::FunctionCounters> counters;
};

// Shared by the service and all pools; outlives every environment.
struct ServiceContext {
  ServiceContext(boost::asio::io_context& io, observe::LogStore& logs, LambdaOptions options);

  boost::asio::io_context& io;
  observe::LogStore& logs;
  observe::FunctionMetrics metrics;
  std::atomic<observe::TraceRecorder*> traces{nullptr};
  LambdaOptions options;
  RuntimeCatalog catalog;
  MemoryLimiter memory;
  std::atomic<int> inflight{0};  // Invocations admitted and not finished, account-wide.
  // Of those, the ones admitted from the unreserved pool (functions without a reservation),
  // and the sum of all reservations, which that pool is the rest of.
  std::atomic<int> unreservedInflight{0};
  std::atomic<int> reservedTotal{0};
  // Numbers environments across all pools, so that no two (of two versions of one function, or
  // of a pool and the one that replaced it) share a memory cgroup.
  std::atomic<uint64_t> nextEnvironmentId{0};
  // Guards `pools`, `aliases` and `stopped` (held briefly, never across I/O).
  std::mutex registryMutex;
  // By FunctionSpec::poolKey(): "name" for $LATEST, "name:3" for a published version.
  std::map<std::string, std::shared_ptr<FunctionPool>> pools;
  std::map<std::string, FunctionAlias> aliases;                             // By "name:alias".
  std::map<std::string, std::shared_ptr<FunctionConcurrency>> concurrency;  // By function name.
  std::map<std::string, int> provisionTargets;  // By pool key; applied to new pools too.
  // Pools replaced by a redeploy whose environments are still finishing an invocation: kept
  // alive until their last environment is gone, so that its result still reaches the caller.
  std::vector<std::shared_ptr<FunctionPool>> retiredPools;
  bool stopped = false;
  boost::asio::steady_timer housekeeping;
};

class FunctionPool : public std::enable_shared_from_this<FunctionPool> {
 public:
  FunctionPool(ServiceContext& context, FunctionSpec spec);

  const FunctionSpec& spec() const { return *spec_; }

  void invoke(Invocation&& invocation);
  // Stops idle environments now and busy ones when their invocation ends.
  void retire();
  // Kills every environment; in-flight invocations fail.
  void shutdown();
  // Retires environments idle for longer than the idle timeout; samples memory watchdogs.
  void housekeeping(SteadyTime now);

  size_t environmentCount() const;
  size_t coldStarts() const { return coldStarts_.load(); }

  // Provisioned concurrency: keeps `count` environments initialized ahead of invocations and
  // never retires them for idling; invocations take them first and spill over to on-demand
  // ones. One that crashes after its init is replaced.
  void provision(int count);
  struct Provisioned {
    int requested = 0;
    int available = 0;  // Initialized and alive.
    int failed = 0;     // Inits that failed since the last provision().
    int busy = 0;       // Of the available ones, those running an invocation.
  };
  Provisioned provisioned() const;

  // Events from environments.
  void onNext(const std::shared_ptr<ExecutionEnvironment>& env, http::Responder responder);
  void onResponse(const std::shared_ptr<ExecutionEnvironment>& env, const std::string& requestId,
                  std::string body, http::Responder responder);
  void onError(const std::shared_ptr<ExecutionEnvironment>& env, const std::string& requestId,
               std::string body, std::string errorType, http::Responder responder);
  void onInitError(const std::shared_ptr<ExecutionEnvironment>& env, std::string body,
                   std::string errorType, http::Responder responder);
  // The runtime process exited with `waitStatus`.
  void onExit(const std::shared_ptr<ExecutionEnvironment>& env, int waitStatus);
  void onDeadline(const std::shared_ptr<ExecutionEnvironment>& env, uint64_t generation);

 private:
  // Work to run once the pool mutex is released, in order.
  using Deferred = std::vector<std::function<void()>>;

  // Ends the delivered invocation `requestId` with the result `fill` writes, answering the
  // runtime with what `fill` returns; any other request id gets Lambda's 400 InvalidRequestID.
  void acceptResult(const std::shared_ptr<ExecutionEnvironment>& env, const std::string& requestId,
                    http::Responder responder,
                    const std::function<HttpResponse(InvokeResult&)>& fill);
  std::shared_ptr<ExecutionEnvironment> startEnvironment(Invocation&& invocation, Deferred& later);
  // Starts an environment with no invocation, for provisioned concurrency.
  void startProvisioned(Deferred& later);
  // Starts the environment's runtime process; false with Lambda's error type and a message.
  bool spawn(const std::shared_ptr<ExecutionEnvironment>& env, std::string& errorType,
             std::string& error);
  void assign(const std::shared_ptr<ExecutionEnvironment>& env, Invocation&& invocation,
              Deferred& later);
  void deliver(const std::shared_ptr<ExecutionEnvironment>& env, http::Responder responder,
               Deferred& later);
  // Ends the environment's invocation with `result`; logs END and REPORT (with `status`, e.g.
  // "Status: timeout") and calls back, after the lock is released.
  void complete(const std::shared_ptr<ExecutionEnvironment>& env, InvokeResult&& result,
                std::string reportStatus, Deferred& later);
  // Logs the runtime's last output and Lambda's INIT_REPORT line for a failed init phase.
  void logInitFailure(const std::shared_ptr<ExecutionEnvironment>& env, double initMs,
                      const std::string& errorType, Deferred& later);
  // The END and REPORT lines of the environment's last invocation are written: an invocation
  // assigned meanwhile may now be delivered.
  void finishedLogging(const std::shared_ptr<ExecutionEnvironment>& env);
  void makeReady(const std::shared_ptr<ExecutionEnvironment>& env, Deferred& later);
  void remove(const std::shared_ptr<ExecutionEnvironment>& env);
  std::vector<std::string> environmentVariables(bool provisioned) const;

  ServiceContext& context_;
  std::shared_ptr<const FunctionSpec> spec_;
  std::shared_ptr<observe::FunctionCounters> counters_;  // Shared with the function's versions.
  std::optional<RuntimeLaunch> launch_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<ExecutionEnvironment>> environments_;
  std::vector<std::shared_ptr<ExecutionEnvironment>> ready_;  // LIFO: warmest last.
  bool retired_ = false;
  std::atomic<size_t> coldStarts_{0};
  int provisionTarget_ = 0;
  int provisionFailures_ = 0;
};

}  // namespace nimbus::lambda
