// GET /_nimbus/metrics on the AWS endpoint: Prometheus' text exposition of what nimbus counts
// (observe/prometheus_text.h), with the gauges read from the services at scrape time: execution
// environments per function version and messages per SQS queue.
#pragma once

#include "core/http_message.h"

namespace nimbus::lambda {
class LambdaService;
}
namespace nimbus::aws::sqs {
class SqsService;
}
namespace nimbus::observe {
class LogStore;
}

namespace nimbus::server {

inline constexpr const char* kMetricsPath = "/_nimbus/metrics";

HttpResponse metricsPage(lambda::LambdaService& lambda, const aws::sqs::SqsService& sqs,
                         const observe::LogStore& logs);

}  // namespace nimbus::server
