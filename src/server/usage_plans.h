// The served project's API keys and usage plans, made durable: a key without a value in
// serverless.yml gets one generated once and kept in the store (by service, stage and key name),
// so that clients keep working across restarts and reloads; each plan remembers when it was first
// served (its first quota period, which `offset` shortens); quota counters are loaded at start
// and written back by a flush thread.
//
// Durability of the counters: the request path only bumps an atomic; every `flushInterval` the
// flush thread writes the counters that changed, in one group commit, and `stop()` writes the
// rest. A kill -9 loses at most the requests counted in the last interval (after the restart
// they no longer count against the quota); an orderly stop loses none.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/project.h"
#include "core/http_message.h"
#include "gateway/api_keys.h"
#include "gateway/lambda_proxy.h"
#include "store/store.h"

namespace nimbus::server {

class UsagePlans {
 public:
  explicit UsagePlans(store::Store& store,
                      std::chrono::milliseconds flushInterval = std::chrono::milliseconds(100));
  ~UsagePlans();

  UsagePlans(const UsagePlans&) = delete;
  UsagePlans& operator=(const UsagePlans&) = delete;

  // Builds the keys and plans of `project` and serves them from then on. Blocks until values it
  // generated are durable; on a store failure keeps what it served and returns why.
  std::optional<std::string> apply(const config::ProjectConfig& project);

  // The keys and plans served now (never null).
  std::shared_ptr<const gateway::ApiKeyGate> gate() const;

  // API Gateway's key and usage plan checks for a method that requires a key: nothing when the
  // request may go on (its key then in `info`), else the answer. `routeLimiter` is the route's
  // own throttle, which applies after the key's.
  std::optional<HttpResponse> admit(const HttpRequest& request, gateway::RateLimiter* routeLimiter,
                                    gateway::RequestContextInfo& info) const;

  // Starts the flush thread; stop() ends it after writing every changed counter (call it before
  // the store stops).
  void start();
  void stop();

 private:
  struct Counter {
    gateway::QuotaPeriod period;
    std::shared_ptr<gateway::QuotaCounter> counter;
  };
  // Queues a write of every counter that changed since the last flush.
  void flush();
  std::optional<std::string> putDurably(store::Record record);

  store::Store& store_;
  std::chrono::milliseconds flushInterval_;
  // Swapped whole by apply(); read by every private request without a lock.
  std::atomic<std::shared_ptr<const gateway::ApiKeyGate>> gate_;
  std::mutex mutex_;  // Guards counters_ and what apply() reads once.
  // By "{service}/{stage}/{plan}/{key name}"; kept across reloads.
  std::map<std::string, Counter> counters_;
  bool countersLoaded_ = false;
  std::map<std::string, std::string> storedUsage_;  // Record key -> value, read once.

  std::mutex flushMutex_;  // Guards stopping_ and pending_.
  std::condition_variable flushWake_;
  bool stopping_ = false;
  int pending_ = 0;  // Counter writes not yet committed.
  std::thread flusher_;
};

}  // namespace nimbus::server
