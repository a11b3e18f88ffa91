// A deployment: what one load of serverless.yml turns into — the function specs the Lambda core
// runs and the route table the gateway serves. Immutable once built; a reload builds a new one
// and swaps it in, so requests in flight keep the one they started with.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/project.h"
#include "gateway/routes.h"
#include "lambda/event_source_mapping.h"
#include "lambda/function_spec.h"

namespace nimbus::server {

struct GatewayTarget {
  std::string functionName;
  int timeoutSeconds = 6;
};

struct Deployment {
  config::ProjectConfig project;
  std::vector<lambda::FunctionSpec> functions;
  std::vector<lambda::EventSourceMapping> eventSourceMappings;  // From `sqs` events.
  gateway::RouteTable routes;
  std::vector<GatewayTarget> targets;  // Indexed by Route::target.
  std::string apiId;                   // Stable per service and stage.
  std::vector<std::string> binaryMediaTypes;
  // Configuration this deployment cannot serve: routes API Gateway would refuse, destinations
  // it cannot reach (file:line: why).
  std::vector<std::string> routeErrors;
};

// Builds a deployment. `revision` distinguishes code generations of the same configuration, so
// that a code change retires warm environments.
std::shared_ptr<const Deployment> buildDeployment(config::ProjectConfig project, uint64_t revision);

}  // namespace nimbus::server
