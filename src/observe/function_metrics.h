// What nimbus counts about its own work, live: per function invocations, errors, throttles, cold
// starts and a duration histogram; per API gateway route requests by status class and latency.
// Recorded on the request path with relaxed atomics only (a function's counters are resolved
// once, when its pool is made, and kept by pointer), read by `/_nimbus/metrics` (Prometheus) and
// the dashboard. Each recording is also handed to a MetricSink, where CloudWatch turns it into
// the AWS/Lambda and AWS/ApiGateway metrics AWS publishes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::observe {

// Upper bounds of the duration histogram's buckets, in milliseconds (the last is +Inf).
inline constexpr std::array<double, 15> kDurationBucketsMs = {
    1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

// A histogram of durations: a count per bucket, the count and the sum.
struct DurationHistogram {
  std::array<std::atomic<uint64_t>, kDurationBucketsMs.size() + 1> buckets{};
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> sumMicros{0};

  void record(double ms);
};

struct FunctionCounters {
  std::string name;
  std::atomic<uint64_t> invocations{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> throttles{0};
  std::atomic<uint64_t> coldStarts{0};
  std::atomic<uint64_t> billedMs{0};
  // Lambda bills GB-seconds: memory in GB times billed seconds; kept in MB-milliseconds.
  std::atomic<uint64_t> mbMs{0};
  DurationHistogram duration;
  DurationHistogram initDuration;
};

struct RouteCounters {
  std::string kind;   // "http" (an HTTP API) or "rest" (a REST API).
  std::string api;    // The HTTP API's id, or the REST API's name ("dev-my-service").
  std::string route;  // "GET /items/{id}".
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> clientErrors{0};  // 4XX.
  std::atomic<uint64_t> serverErrors{0};  // 5XX.
  DurationHistogram latency;
};

// One finished invocation.
struct InvocationSample {
  std::string_view version;  // "$LATEST", "3".
  double durationMs = 0;
  double initDurationMs = 0;  // 0 on a warm start.
  bool coldStart = false;
  bool error = false;
  int memorySizeMb = 128;
  int64_t billedMs = 0;
  bool provisioned = false;  // Served by a provisioned environment.
  bool spillover = false;    // Served by a standard one while the version has provisioned ones.
};

// Where recordings go besides the counters (CloudWatch's AWS/ metrics). Called on the request
// path: implementations must be quick and must not block.
class MetricSink {
 public:
  virtual ~MetricSink() = default;
  virtual void invocation(const FunctionCounters& function, const InvocationSample& sample) = 0;
  virtual void throttle(const FunctionCounters& function) = 0;
  virtual void gatewayRequest(const RouteCounters& route, int status, double latencyMs,
                              double integrationMs) = 0;
  // Any other per-function figure Lambda publishes (AsyncEventsReceived, AsyncEventAge,
  // DeadLetterErrors, DestinationDeliveryFailures, IteratorAge, ...), by its AWS/Lambda name.
  virtual void functionMetric(std::string_view function, std::string_view name, double value,
                              std::string_view unit) = 0;
};

class FunctionMetrics {
 public:
  // The counters of one function, made on first use and kept for the process's life.
  std::shared_ptr<FunctionCounters> function(std::string_view name);
  std::shared_ptr<RouteCounters> route(std::string_view kind, std::string_view api,
                                       std::string_view route);

  // `sink` must outlive this object, or be reset to null first.
  void setSink(MetricSink* sink) { sink_.store(sink, std::memory_order_release); }

  void recordInvocation(FunctionCounters& function, const InvocationSample& sample);
  void recordThrottle(FunctionCounters& function);
  // `integrationMs` < 0 when no integration ran (a 403 from an authorizer, a 404 route).
  void recordGatewayRequest(RouteCounters& route, int status, double latencyMs,
                            double integrationMs);

  // A figure of a function other than its invocations' (see MetricSink::functionMetric).
  void recordFunctionMetric(std::string_view function, std::string_view name, double value,
                            std::string_view unit);

  // Every function's and route's counters, by name.
  std::vector<std::shared_ptr<const FunctionCounters>> functions() const;
  std::vector<std::shared_ptr<const RouteCounters>> routes() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<FunctionCounters>, std::less<>> functions_;
  std::map<std::string, std::shared_ptr<RouteCounters>, std::less<>> routes_;
  std::atomic<MetricSink*> sink_{nullptr};
};

}  // namespace nimbus::observe
