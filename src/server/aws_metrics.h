// The metrics AWS publishes about a serverless application, published the same way by nimbus
// into its CloudWatch: AWS/Lambda (Invocations, Errors, Throttles, Duration per FunctionName and
// across all functions; ConcurrentExecutions and UnreservedConcurrentExecutions sampled),
// AWS/ApiGateway (Count, 4XXError, 5XXError, Latency per ApiId or ApiName, and per stage) and
// AWS/SQS (the ApproximateNumberOfMessages* gauges per QueueName, sampled), and the metrics
// functions declare in Embedded Metric Format lines. Gauges are sampled once a minute, as AWS
// publishes them.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <string>

#include "observe/function_metrics.h"

namespace nimbus::aws::cloudwatch {
class CloudWatchService;
}
namespace nimbus::aws::sqs {
class SqsService;
}
namespace nimbus::lambda {
class LambdaService;
}

namespace nimbus::server {

class AwsMetricsPublisher : public observe::MetricSink {
 public:
  // Everything must outlive the publisher; `stage` is the gateway's stage.
  AwsMetricsPublisher(boost::asio::io_context& io, aws::cloudwatch::CloudWatchService& cloudwatch,
                      lambda::LambdaService& lambda, aws::sqs::SqsService& sqs, std::string stage);
  // Starts sampling the gauges (now, then every minute).
  void start();
  void stop();

  void invocation(const observe::FunctionCounters& function,
                  const observe::InvocationSample& sample) override;
  void throttle(const observe::FunctionCounters& function) override;
  void gatewayRequest(const observe::RouteCounters& route, int status, double latencyMs,
                      double integrationMs) override;
  void functionMetric(std::string_view function, std::string_view name, double value,
                      std::string_view unit) override;
  // One line of a function's output: its Embedded Metric Format metrics, if any.
  void logLine(std::string_view line);

 private:
  void sample();
  void scheduleSample();

  boost::asio::steady_timer timer_;
  aws::cloudwatch::CloudWatchService& cloudwatch_;
  lambda::LambdaService& lambda_;
  aws::sqs::SqsService& sqs_;
  const std::string stage_;
  std::atomic<bool> stopped_{false};
};

}  // namespace nimbus::server
