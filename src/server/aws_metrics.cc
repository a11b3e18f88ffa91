#include "server/aws_metrics.h"

#include "aws/cloudwatch/cloudwatch_service.h"
#include "aws/sqs/sqs_service.h"
#include "lambda/invoker.h"
#include "observe/emf.h"

namespace nimbus::server {

namespace {

using aws::cloudwatch::Dimension;

constexpr std::chrono::seconds kSamplePeriod{60};

}  // namespace

AwsMetricsPublisher::AwsMetricsPublisher(boost::asio::io_context& io,
                                         aws::cloudwatch::CloudWatchService& cloudwatch,
                                         lambda::LambdaService& lambda, aws::sqs::SqsService& sqs,
                                         std::string stage)
    : timer_(io), cloudwatch_(cloudwatch), lambda_(lambda), sqs_(sqs), stage_(std::move(stage)) {}

void AwsMetricsPublisher::start() {
  sample();
  scheduleSample();
}

void AwsMetricsPublisher::stop() {
  stopped_ = true;
  timer_.cancel();
}

void AwsMetricsPublisher::scheduleSample() {
  timer_.expires_after(kSamplePeriod);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    sample();
    scheduleSample();
  });
}

// Lambda publishes each invocation's figures per function and across all functions (no
// dimension); the per-version and per-alias (Resource) views are left out.
void AwsMetricsPublisher::invocation(const observe::FunctionCounters& function,
                                     const observe::InvocationSample& sample) {
  const std::vector<Dimension> byFunction{{"FunctionName", function.name}};
  const std::vector<Dimension> all;
  for (const auto* dims : {&byFunction, &all}) {
    cloudwatch_.putServiceMetric("AWS/Lambda", "Invocations", *dims, 1, "Count");
    cloudwatch_.putServiceMetric("AWS/Lambda", "Errors", *dims, sample.error ? 1 : 0, "Count");
    cloudwatch_.putServiceMetric("AWS/Lambda", "Duration", *dims, sample.durationMs,
                                 "Milliseconds");
    if (sample.provisioned) {
      cloudwatch_.putServiceMetric("AWS/Lambda", "ProvisionedConcurrencyInvocations", *dims, 1,
                                   "Count");
    } else if (sample.spillover) {
      cloudwatch_.putServiceMetric("AWS/Lambda", "ProvisionedConcurrencySpilloverInvocations",
                                   *dims, 1, "Count");
    }
  }
}

void AwsMetricsPublisher::throttle(const observe::FunctionCounters& function) {
  cloudwatch_.putServiceMetric("AWS/Lambda", "Throttles", {{"FunctionName", function.name}}, 1,
                               "Count");
  cloudwatch_.putServiceMetric("AWS/Lambda", "Throttles", {}, 1, "Count");
}

void AwsMetricsPublisher::gatewayRequest(const observe::RouteCounters& route, int status,
                                         double latencyMs, double integrationMs) {
  // HTTP APIs are named by ApiId, REST APIs by ApiName; both also per Stage.
  const char* key = route.kind == "http" ? "ApiId" : "ApiName";
  const std::vector<Dimension> byApi{{key, route.api}};
  const std::vector<Dimension> byStage{{key, route.api}, {"Stage", stage_}};
  bool http = route.kind == "http";
  for (const auto* dims : {&byApi, &byStage}) {
    cloudwatch_.putServiceMetric("AWS/ApiGateway", "Count", *dims, 1, "Count");
    cloudwatch_.putServiceMetric("AWS/ApiGateway", http ? "4xx" : "4XXError", *dims,
                                 status >= 400 && status < 500 ? 1 : 0, "Count");
    cloudwatch_.putServiceMetric("AWS/ApiGateway", http ? "5xx" : "5XXError", *dims,
                                 status >= 500 ? 1 : 0, "Count");
    cloudwatch_.putServiceMetric("AWS/ApiGateway", "Latency", *dims, latencyMs, "Milliseconds");
    if (integrationMs >= 0) {
      cloudwatch_.putServiceMetric("AWS/ApiGateway", "IntegrationLatency", *dims, integrationMs,
                                   "Milliseconds");
    }
  }
}

void AwsMetricsPublisher::functionMetric(std::string_view function, std::string_view name,
                                         double value, std::string_view unit) {
  cloudwatch_.putServiceMetric("AWS/Lambda", name, {{"FunctionName", std::string(function)}}, value,
                               unit);
  cloudwatch_.putServiceMetric("AWS/Lambda", name, {}, value, unit);
}

void AwsMetricsPublisher::logLine(std::string_view line) {
  if (!observe::mayBeEmf(line)) return;
  for (const auto& m : observe::parseEmf(line)) {
    std::vector<Dimension> dims;
    for (const auto& [name, value] : m.dimensions) dims.push_back({name, value});
    for (double v : m.values)
      cloudwatch_.putServiceMetric(m.ns, m.name, dims, v, m.unit, m.timestampMs);
  }
}

// The gauges AWS samples: concurrency (the most at one moment is what ConcurrentExecutions'
// Maximum shows; a sample a minute is what nimbus can tell) and queue depths.
void AwsMetricsPublisher::sample() {
  int total = 0;
  int unreserved = 0;
  for (const auto& f : lambda_.functions()) {
    if (f.version != "$LATEST") continue;
    auto figures = lambda_.concurrency(f.name);
    total += figures.inflight;
    if (!figures.reserved) unreserved += figures.inflight;
    cloudwatch_.putServiceMetric("AWS/Lambda", "ConcurrentExecutions", {{"FunctionName", f.name}},
                                 figures.inflight, "Count");
    if (auto provisioned = lambda_.provisionedConcurrency(f.name, f.version);
        provisioned && provisioned->requested > 0) {
      std::vector<Dimension> dims{{"FunctionName", f.name}};
      cloudwatch_.putServiceMetric("AWS/Lambda", "ProvisionedConcurrentExecutions", dims,
                                   provisioned->busy, "Count");
      cloudwatch_.putServiceMetric("AWS/Lambda", "ProvisionedConcurrencyUtilization", dims,
                                   static_cast<double>(provisioned->busy) / provisioned->requested,
                                   "None");
    }
  }
  cloudwatch_.putServiceMetric("AWS/Lambda", "ConcurrentExecutions", {}, total, "Count");
  cloudwatch_.putServiceMetric("AWS/Lambda", "UnreservedConcurrentExecutions", {}, unreserved,
                               "Count");
  for (const auto& name : sqs_.listQueues("")) {
    auto queue = sqs_.describeQueue(name);
    if (!queue.ok()) continue;
    const auto& c = queue.value().counts;
    std::vector<Dimension> dims{{"QueueName", name}};
    cloudwatch_.putServiceMetric("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims,
                                 static_cast<double>(c.visible), "Count");
    cloudwatch_.putServiceMetric("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", dims,
                                 static_cast<double>(c.inFlight), "Count");
    cloudwatch_.putServiceMetric("AWS/SQS", "ApproximateNumberOfMessagesDelayed", dims,
                                 static_cast<double>(c.delayed), "Count");
  }
}

}  // namespace nimbus::server
