// What the dashboard watches live (GET /_nimbus/events): every function log line and every
// finished invocation, as server-sent events, beside the AWS/ metrics they also make. Sits
// between the recorders (the log store's observer, the function metrics' sink) and the two
// consumers, so that each stays unaware of the other.
#pragma once

#include "observe/function_metrics.h"
#include "observe/live_events.h"
#include "observe/log_store.h"

namespace nimbus::server {

class AwsMetricsPublisher;

class LiveFeed : public observe::MetricSink {
 public:
  // Both must outlive the feed.
  LiveFeed(observe::LiveEvents& events, AwsMetricsPublisher& metrics)
      : events_(events), metrics_(metrics) {}

  // On the log store's writer thread.
  void logLine(const observe::LogLine& line);

  void invocation(const observe::FunctionCounters& function,
                  const observe::InvocationSample& sample) override;
  void throttle(const observe::FunctionCounters& function) override;
  void gatewayRequest(const observe::RouteCounters& route, int status, double latencyMs,
                      double integrationMs) override;
  void functionMetric(std::string_view function, std::string_view name, double value,
                      std::string_view unit) override;

 private:
  observe::LiveEvents& events_;
  AwsMetricsPublisher& metrics_;
};

}  // namespace nimbus::server
