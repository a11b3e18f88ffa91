// A deployment: what one load of serverless.yml turns into — the function specs the Lambda core
// runs and the route table the gateway serves. Immutable once built; a reload builds a new one
// and swaps it in, so requests in flight keep the one they started with.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "build/project_build.h"
#include "config/project.h"
#include "gateway/cors.h"
#include "gateway/lambda_integration.h"
#include "gateway/rate_limiter.h"
#include "gateway/resource_policy.h"
#include "gateway/routes.h"
#include "lambda/event_source_mapping.h"
#include "lambda/function_spec.h"
#include "server/authorizer_cache.h"
#include "server/jwks_cache.h"

namespace nimbus::server {

struct GatewayTarget {
  std::string functionName;
  int timeoutSeconds = 6;
  // Not a function: the OPTIONS mock the Framework gives a REST resource with `cors`, answered by
  // the gateway itself (an index into Deployment::restCors).
  std::optional<size_t> restCors;
  // An `integration: lambda` route's mapping templates and integration responses; null for the
  // Lambda proxy integration.
  std::shared_ptr<const gateway::LambdaIntegration> lambdaIntegration;
  // An HTTP API route's integration format: payload 2.0, else 1.0 (the function's
  // httpApi.payload, else provider.httpApi.payload).
  bool httpApiPayloadV2 = true;
};

// What API Gateway checks for one route before its integration runs.
struct RouteGuard {
  std::unique_ptr<gateway::RateLimiter> limiter;  // Null: the route is not throttled.
  // An HTTP API route's JWT authorizer (shared by the routes naming it), null for none, and the
  // scopes the route requires (one of them; none: any valid token).
  std::shared_ptr<JwksCache> jwt;
  std::vector<std::string> jwtScopes;
  // A REST method with `private: true`: API key and usage plan checks (UsagePlans::admit), which
  // then also apply the limiter.
  bool apiKeyRequired = false;
  // The route's Lambda authorizer (shared, with its cache, by the routes naming it), or null.
  std::shared_ptr<AuthorizerCache> lambdaAuthorizer;
};

struct Deployment {
  config::ProjectConfig project;
  std::vector<lambda::FunctionSpec> functions;
  // From `sqs` and `stream` events.
  std::vector<lambda::EventSourceMapping> eventSourceMappings;
  gateway::RouteTable routes;
  std::vector<GatewayTarget> targets;  // Indexed by Route::target.
  std::vector<RouteGuard> guards;      // Indexed by Route::guard.
  std::optional<gateway::HttpApiCors> httpApiCors;
  std::vector<gateway::RestCors> restCors;
  // The REST API's resource policy, when serverless.yml has one; scope names its ARNs.
  std::optional<gateway::ResourcePolicy> resourcePolicy;
  gateway::PolicyScope policyScope;
  std::string apiId;  // Stable per service and stage.
  std::vector<std::string> binaryMediaTypes;
  // Configuration this deployment cannot serve: routes API Gateway would refuse, destinations
  // it cannot reach (file:line: why).
  std::vector<std::string> routeErrors;
};

// Builds a deployment. `revision` distinguishes code generations of the same configuration, so
// that a code change retires warm environments.
// `built`, when the project has build steps, says where their output is: Node.js functions run
// from the build's folder (or answer with its error when it failed), Python functions import
// the installed requirements and the WSGI adapter.
std::shared_ptr<const Deployment> buildDeployment(config::ProjectConfig project, uint64_t revision,
                                                  const build::BuildOutput* built = nullptr);

}  // namespace nimbus::server
