#include "server/metrics_page.h"

#include "aws/sqs/sqs_service.h"
#include "lambda/invoker.h"
#include "observe/log_store.h"
#include "observe/prometheus_text.h"

namespace nimbus::server {

HttpResponse metricsPage(lambda::LambdaService& lambda, const aws::sqs::SqsService& sqs,
                         const observe::LogStore& logs) {
  std::vector<observe::GaugeFamily> gauges;
  observe::GaugeFamily environments{
      "nimbus_lambda_environments", "Execution environments running, per function version.", {}};
  for (const auto& f : lambda.functions()) {
    environments.samples.push_back(
        {{{"function", f.name}, {"version", f.version}},
         static_cast<double>(lambda.environmentCount(f.name, f.version))});
  }
  gauges.push_back(std::move(environments));
  observe::GaugeFamily inflight{
      "nimbus_lambda_concurrent_executions", "Invocations running, per function.", {}};
  for (const auto& f : lambda.functions()) {
    if (f.version != "$LATEST") continue;
    inflight.samples.push_back(
        {{{"function", f.name}}, static_cast<double>(lambda.concurrency(f.name).inflight)});
  }
  gauges.push_back(std::move(inflight));
  observe::GaugeFamily messages{"nimbus_sqs_messages",
                                "Messages per queue: visible, in flight (received, not deleted) "
                                "and delayed.",
                                {}};
  for (const auto& name : sqs.listQueues("")) {
    auto queue = sqs.describeQueue(name);
    if (!queue.ok()) continue;  // Deleted since it was listed.
    const auto& c = queue.value().counts;
    messages.samples.push_back(
        {{{"queue", name}, {"state", "visible"}}, static_cast<double>(c.visible)});
    messages.samples.push_back(
        {{{"queue", name}, {"state", "in_flight"}}, static_cast<double>(c.inFlight)});
    messages.samples.push_back(
        {{{"queue", name}, {"state", "delayed"}}, static_cast<double>(c.delayed)});
  }
  gauges.push_back(std::move(messages));
  return HttpResponse{200,
                      {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                      observe::prometheusText(lambda.metrics(), gauges, logs.droppedLines())};
}

}  // namespace nimbus::server
