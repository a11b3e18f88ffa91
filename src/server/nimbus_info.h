// nimbus's own endpoint on the AWS port, GET /_nimbus/info: what this nimbus serves beyond
// what the Lambda API tells (its version, the gateway's URL, the project's HTTP routes and
// the functions' concurrency figures), for `nimbus info` and `nimbus deploy`.
#pragma once

#include <string>
#include <vector>

#include "aws/events/events_service.h"
#include "core/http_message.h"
#include "gateway/api_keys.h"
#include "lambda/invoker.h"
#include "server/deployment.h"

namespace nimbus::aws::s3 {
class S3Service;
}
namespace nimbus::aws::scheduler {
class SchedulerService;
}

namespace nimbus::server {

inline constexpr const char* kNimbusInfoPath = "/_nimbus/info";

// One thing a service keeps that `nimbus info` lists: a bucket, an event bus, a rule, a
// schedule. `detail` is a short phrase ("3 objects", "next firing 2026-12-07T10:00:00Z").
struct InfoResource {
  std::string kind;  // "bucket", "bus", "rule", "schedule".
  std::string name;
  std::string detail;
};

// The answer for `deployment` (null when no project is served) behind `gatewayUrl`, with the
// concurrency figures of every function `lambda` runs: reservation, invocations running,
// throttles, and per version its environments and cold starts; and the service's API keys
// (`apiKeys`, may be null) with their usage in the current quota period; what the services keep
// (`resources`); and EventBridge's rules (`events`, may be null) with their next firing.
// What S3, EventBridge Scheduler and EventBridge keep, in that order: buckets with their object
// counts, schedules and scheduled rules with their next firing, buses with their rule counts,
// rules with their state.
std::vector<InfoResource> serviceResources(aws::s3::S3Service& s3,
                                           const aws::scheduler::SchedulerService& scheduler,
                                           const aws::events::EventsService& events);

HttpResponse nimbusInfo(const Deployment* deployment, const std::string& gatewayUrl,
                        const std::string& version, const lambda::LambdaService& lambda,
                        const gateway::ApiKeyGate* apiKeys = nullptr,
                        const std::vector<InfoResource>& resources = {},
                        const aws::events::EventsService* events = nullptr);

}  // namespace nimbus::server
