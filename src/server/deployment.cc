#include "server/deployment.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "core/base64.h"
#include "core/hash.h"
#include "lambda/event_filter.h"
#include "lambda/runtime_catalog.h"

namespace nimbus::server {

namespace {

// API ids are 10 lower-case alphanumerics; derive one from the service and stage so that URLs
// in logs stay the same across restarts.
std::string stableApiId(const std::string& service, const std::string& stage) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  size_t h = std::hash<std::string>{}(service + "/" + stage);
  std::string id;
  for (int i = 0; i < 10; ++i) {
    id.push_back(kChars[h % 36]);
    h = h / 36 + 0x9E3779B97F4A7C15ull * (i + 1);
  }
  return id;
}

// The ARN of a destination written as a function key, a function name, or a Lambda, SQS or SNS
// ARN. EventBridge targets arrive with that service; until then they are named in an error
// rather than dropped.
std::string destinationArn(const config::ProjectConfig& project, const config::FunctionConfig& f,
                           const std::string& target, const char* which, Deployment& d) {
  if (target.empty()) return {};
  for (const auto& other : project.functions) {
    if (other.key == target || other.name == target) {
      return lambda::FunctionSpec::functionArn(project.region, "000000000000", other.name);
    }
  }
  bool lambda =
      target.rfind("arn:aws:lambda:", 0) == 0 && target.find(":function:") != std::string::npos;
  if (lambda || target.rfind("arn:aws:sqs:", 0) == 0 || target.rfind("arn:aws:sns:", 0) == 0) {
    return target;
  }
  d.routeErrors.push_back(fmt::format(
      "{}:{}: functions.{}.destinations.{}: '{}' is not a function of this service or a Lambda, "
      "SQS or SNS ARN (EventBridge destinations are not supported yet)",
      f.where.file, f.where.line, f.key, which, target));
  return {};
}

// A mapping's UUID, the same on every load of the same function and queue, so that its poller
// survives reloads that do not change it.
std::string stableUuid(const std::string& seed) {
  std::string h = hexEncode(sha256(seed));
  return fmt::format("{}-{}-4{}-8{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(13, 3),
                     h.substr(17, 3), h.substr(20, 12));
}

// A route's guard: its rate limiter takes the event's own limits, else the stage's, when the
// stage is throttled at all (the serverless-api-gateway-throttling plugin does nothing without
// stage settings); `disabled` leaves the route unthrottled.
size_t addGuard(Deployment& d, const std::optional<config::ThrottleConfig>& stage,
                const std::optional<config::RouteThrottleConfig>& route) {
  RouteGuard guard;
  if (stage && !(route && route->disabled)) {
    double rate = stage->maxRequestsPerSecond;
    int64_t burst = stage->maxConcurrentRequests;
    if (route && route->maxRequestsPerSecond) rate = *route->maxRequestsPerSecond;
    if (route && route->maxConcurrentRequests) burst = *route->maxConcurrentRequests;
    guard.limiter = std::make_unique<gateway::RateLimiter>(rate, burst);
  }
  d.guards.push_back(std::move(guard));
  return d.guards.size() - 1;
}

gateway::RestCorsSetting restCorsSetting(const config::HttpEvent& e) {
  const config::RestCorsConfig& c = *e.cors;
  gateway::RestCorsSetting s;
  s.method = e.method;
  s.origin = c.origin;
  s.origins = c.origins;
  s.headers = c.headers;
  s.methods = c.methods;
  s.objectForm = c.objectForm;
  s.allowCredentials = c.allowCredentials;
  s.maxAge = c.maxAge;
  s.cacheControl = c.cacheControl;
  return s;
}

// The Framework gives every REST resource with `cors` an OPTIONS method answered by a MOCK
// integration. An OPTIONS event of the project's own on that path keeps the path instead.
void addRestPreflights(Deployment& d, const config::ProjectConfig& project,
                       const std::vector<std::string>& paths,
                       const std::map<std::string, std::vector<gateway::RestCorsSetting>>& byPath) {
  for (const auto& path : paths) {
    d.restCors.push_back(gateway::compileRestCors(byPath.at(path)));
    size_t target = d.targets.size();
    d.targets.push_back({"", 0, d.restCors.size() - 1, nullptr});
    gateway::Route route;
    route.kind = gateway::ApiKind::Rest;
    route.method = "OPTIONS";
    route.path = path;
    route.target = target;
    route.guard = addGuard(d, project.throttle, std::nullopt);
    d.routes.add(route);  // Refused only when the project routes OPTIONS there itself.
  }
}

// A target of its own for an `integration: lambda` route: the same function, reached through
// the route's templates. A template API Gateway could not parse makes the route an error.
size_t addLambdaIntegration(Deployment& d, const config::FunctionConfig& f,
                            const config::RestIntegrationConfig& c) {
  gateway::LambdaIntegrationSource source;
  source.requestTemplates = c.requestTemplates;
  source.passthrough = c.passThrough == "WHEN_NO_MATCH" ? gateway::PassthroughBehavior::WhenNoMatch
                       : c.passThrough == "WHEN_NO_TEMPLATES"
                           ? gateway::PassthroughBehavior::WhenNoTemplates
                           : gateway::PassthroughBehavior::Never;
  for (const auto& code : c.statusCodes) {
    source.responses.push_back({code.code, code.pattern, code.headers, code.templates});
  }
  GatewayTarget target{f.name, f.timeoutSeconds, std::nullopt, nullptr};
  auto compiled = gateway::LambdaIntegration::compile(source);
  if (auto* integration = std::get_if<gateway::LambdaIntegration>(&compiled)) {
    target.lambdaIntegration =
        std::make_shared<const gateway::LambdaIntegration>(std::move(*integration));
  } else {
    d.routeErrors.push_back(fmt::format("{}:{}: {}: {}", c.where.file, c.where.line, c.path,
                                        std::get<std::string>(compiled)));
  }
  d.targets.push_back(std::move(target));
  return d.targets.size() - 1;
}

gateway::JwtAuthorizerSpec jwtAuthorizerSpec(const config::HttpApiAuthorizerConfig& c) {
  gateway::JwtAuthorizerSpec spec;
  spec.name = c.name;
  spec.issuer = c.issuerUrl;
  spec.audiences = c.audience;
  constexpr std::string_view header = "$request.header.";
  constexpr std::string_view query = "$request.querystring.";
  if (c.identitySource.starts_with(query)) {
    spec.fromHeader = false;
    spec.identityName = c.identitySource.substr(query.size());
  } else if (c.identitySource.starts_with(header)) {
    spec.identityName = c.identitySource.substr(header.size());
  }
  return spec;
}

gateway::LambdaAuthorizerSpec lambdaAuthorizerSpec(const config::LambdaAuthorizerConfig& c,
                                                   gateway::ApiKind kind) {
  gateway::LambdaAuthorizerSpec spec;
  spec.name = c.name;
  spec.functionName = c.functionName;
  spec.qualifier = c.qualifier;
  spec.kind = kind;
  spec.tokenType = kind == gateway::ApiKind::Rest && c.tokenType;
  for (const auto& text : c.identitySources) {
    // Checked when serverless.yml was read.
    if (auto source = gateway::parseIdentitySource(text, kind)) {
      spec.identitySources.push_back(std::move(*source));
    }
  }
  spec.resultTtlSeconds = c.resultTtlSeconds;
  if (spec.tokenType && !c.identityValidationExpression.empty()) {
    spec.tokenPattern.emplace(c.identityValidationExpression, std::regex::ECMAScript);
  }
  spec.payloadV2 = c.payloadV2;
  spec.simpleResponses = c.enableSimpleResponses;
  return spec;
}

gateway::HttpApiCors httpApiCors(const config::HttpApiCorsConfig& c) {
  gateway::HttpApiCors cors;
  cors.allowOrigins = c.allowedOrigins;
  cors.allowHeaders = c.allowedHeaders;
  cors.allowMethods = c.allowedMethods;
  cors.exposeHeaders = c.exposedResponseHeaders;
  cors.allowCredentials = c.allowCredentials;
  cors.maxAge = c.maxAge;
  return cors;
}

void compileResourcePolicy(Deployment& d,
                           const std::vector<config::PolicyStatementConfig>& written) {
  std::vector<gateway::PolicyStatementSpec> specs;
  for (const auto& w : written) {
    gateway::PolicyStatementSpec spec;
    spec.allow = w.allow;
    spec.principals = w.principals;
    spec.notPrincipal = w.notPrincipal;
    spec.actions = w.actions;
    spec.notAction = w.notAction;
    spec.resources = w.resources;
    spec.notResource = w.notResource;
    for (const auto& c : w.conditions) spec.conditions.push_back({c.op, c.key, c.values});
    specs.push_back(std::move(spec));
  }
  auto compiled = gateway::ResourcePolicy::compile(specs, d.policyScope);
  if (auto* policy = std::get_if<gateway::ResourcePolicy>(&compiled)) {
    d.resourcePolicy = std::move(*policy);
    return;
  }
  for (const auto& p : std::get<std::vector<gateway::ResourcePolicy::Problem>>(compiled)) {
    const auto& statement = written[p.statement];
    const config::SourceLocation& where =
        p.condition >= 0 ? statement.conditions[p.condition].where : statement.where;
    const std::string& key =
        p.condition >= 0 ? statement.conditions[p.condition].path : statement.path;
    d.routeErrors.push_back(fmt::format("{}:{}: {}: {}", where.file, where.line, key, p.message));
  }
}

// Where a function's code comes from after the project's build, and what it needs to find the
// packages the build installed.
void applyBuild(const config::ProjectConfig& project, const build::BuildOutput& built,
                lambda::FunctionSpec& spec) {
  if (lambda::RuntimeCatalog::familyOf(spec.runtime) == lambda::RuntimeFamily::NodeJs &&
      project.build.tool != config::BuildConfig::Tool::None) {
    spec.codeDirectory = built.nodeCodeDirectory;
    if (!built.nodeBuilt) {
      spec.buildError =
          fmt::format("{} could not build this function:\n{}", project.build.plugin, built.log);
    }
  }
  if (lambda::RuntimeCatalog::familyOf(spec.runtime) == lambda::RuntimeFamily::Python &&
      !built.pythonPaths.empty()) {
    std::string paths;
    for (const auto& p : built.pythonPaths) paths += (paths.empty() ? "" : ":") + p.string();
    // The function's own PYTHONPATH, if it sets one, comes first.
    auto own = std::find_if(spec.environment.begin(), spec.environment.end(),
                            [](const auto& e) { return e.first == "PYTHONPATH"; });
    if (own != spec.environment.end()) {
      own->second += ":" + paths;
    } else {
      spec.environment.emplace_back("PYTHONPATH", paths);
    }
    for (const auto& e : built.pythonEnvironment) spec.environment.push_back(e);
  }
}

}  // namespace

std::shared_ptr<const Deployment> buildDeployment(config::ProjectConfig project, uint64_t revision,
                                                  const build::BuildOutput* built) {
  auto d = std::make_shared<Deployment>();
  std::vector<std::string> corsPaths;  // REST paths with `cors`, in file order.
  std::map<std::string, std::vector<gateway::RestCorsSetting>> corsByPath;
  // One key cache per authorizer, shared by its routes; keys are fetched on first use.
  std::map<std::string, std::shared_ptr<JwksCache>> jwtAuthorizers;
  // Lambda authorizers, one cache each, by name: the HTTP API's, and the REST API's (the first
  // `authorizer` of that name defines it, as the Framework makes one authorizer of it).
  std::map<std::string, std::shared_ptr<AuthorizerCache>> httpLambdaAuthorizers;
  std::map<std::string, std::shared_ptr<AuthorizerCache>> restLambdaAuthorizers;
  for (const auto& a : project.httpApiAuthorizers) {
    if (a.lambda) {
      httpLambdaAuthorizers.emplace(a.name, std::make_shared<AuthorizerCache>(lambdaAuthorizerSpec(
                                                *a.lambda, gateway::ApiKind::Http)));
    } else {
      jwtAuthorizers.emplace(a.name, std::make_shared<JwksCache>(jwtAuthorizerSpec(a)));
    }
  }
  d->apiId = stableApiId(project.service, project.stage);
  d->routes.setRestStage(project.stage);
  for (const auto& f : project.functions) {
    lambda::FunctionSpec spec;
    spec.name = f.name;
    spec.shortName = f.key;
    spec.handler = f.handler;
    spec.runtime = f.runtime;
    spec.memorySizeMb = f.memorySizeMb;
    spec.timeoutSeconds = f.timeoutSeconds;
    spec.environment = f.environment;
    spec.codeDirectory = project.serviceDir;
    if (built) applyBuild(project, *built, spec);
    spec.region = project.region;
    spec.codeRevision = revision;
    spec.description = f.description;
    spec.lastModified = std::chrono::system_clock::now();
    spec.role = fmt::format("arn:aws:iam::{}:role/{}-{}-{}-lambdaRole", spec.accountId,
                            project.service, project.stage, project.region);
    // Functions served from the folder have no zip: their CodeSha256 identifies the code
    // generation and handler instead, so that it changes exactly when they do.
    spec.codeSha256 = base64Encode(sha256(fmt::format(
        "{}\n{}\n{}\n{}", spec.name, spec.codeDirectory.string(), spec.handler, revision)));
    spec.revisionId = fmt::format("{:08x}-0000-4000-8000-{:012x}", revision,
                                  std::hash<std::string>{}(spec.codeSha256) & 0xffffffffffffull);
    spec.deadLetterTargetArn = f.onError;
    spec.reservedConcurrency = f.reservedConcurrency;
    // The Framework turns these settings into an AWS::Lambda::EventInvokeConfig.
    if (f.maximumRetryAttempts || f.maximumEventAgeSeconds || !f.onSuccess.empty() ||
        !f.onFailure.empty()) {
      lambda::EventInvokeConfig config;
      config.maximumRetryAttempts = f.maximumRetryAttempts;
      config.maximumEventAgeSeconds = f.maximumEventAgeSeconds;
      config.onSuccess = destinationArn(project, f, f.onSuccess, "onSuccess", *d);
      config.onFailure = destinationArn(project, f, f.onFailure, "onFailure", *d);
      config.lastModified = spec.lastModified;
      spec.eventInvokeConfig = config;
    }
    d->functions.push_back(spec);
    for (const auto& e : f.sqsEvents) {
      lambda::EventSourceMapping m;
      m.uuid = stableUuid(f.name + "\n" + e.arn);
      m.eventSourceArn = e.arn;
      m.functionName = f.name;
      m.batchSize = e.batchSize;
      m.maximumBatchingWindowSeconds = e.maximumBatchingWindow;
      m.reportBatchItemFailures = e.reportBatchItemFailures;
      m.enabled = e.enabled;
      m.maximumConcurrency = e.maximumConcurrency;
      m.origin = lambda::FunctionOrigin::Project;
      m.lastModified = spec.lastModified;
      d->eventSourceMappings.push_back(std::move(m));
    }
    for (const auto& e : f.streamEvents) {
      lambda::EventSourceMapping m;
      m.uuid = stableUuid(f.name + "\n" + e.arn);
      m.eventSourceArn = e.arn;
      m.functionName = f.name;
      m.batchSize = e.batchSize;
      m.maximumBatchingWindowSeconds = e.batchWindow;
      m.reportBatchItemFailures = e.reportBatchItemFailures;
      m.enabled = e.enabled;
      lambda::StreamMappingSettings& s = m.stream.emplace();
      s.startingPosition = e.startingPosition;
      s.maximumRetryAttempts = e.maximumRetryAttempts;
      s.maximumRecordAgeSeconds = e.maximumRecordAgeInSeconds;
      s.bisectBatchOnFunctionError = e.bisectBatchOnFunctionError;
      s.parallelizationFactor = e.parallelizationFactor;
      s.onFailureDestination = e.onFailure;
      // Lambda refuses a pattern it cannot read when the mapping is made; so does the load.
      if (auto compiled = lambda::EventFilters::compile(e.filterPatterns);
          std::holds_alternative<std::string>(compiled)) {
        d->routeErrors.push_back(fmt::format("{}:{}: {}.filterPatterns: {}", e.where.file,
                                             e.where.line, e.path,
                                             std::get<std::string>(compiled)));
      }
      m.filterPatterns = e.filterPatterns;
      m.origin = lambda::FunctionOrigin::Project;
      m.lastModified = spec.lastModified;
      d->eventSourceMappings.push_back(std::move(m));
    }

    size_t target = d->targets.size();
    d->targets.push_back({f.name, f.timeoutSeconds, std::nullopt, nullptr,
                          f.httpApiPayloadV2.value_or(project.httpApiPayloadV2)});
    for (const auto& e : f.httpEvents) {
      gateway::Route route;
      route.target = target;
      if (e.lambdaIntegration) route.target = addLambdaIntegration(*d, f, *e.lambdaIntegration);
      route.kind = e.kind == config::HttpEvent::Kind::HttpApi ? gateway::ApiKind::Http
                                                              : gateway::ApiKind::Rest;
      route.method = e.method;
      route.path = e.isDefaultRoute ? "$default" : e.path;
      route.guard = addGuard(*d, project.throttle, e.throttling);
      RouteGuard& guard = d->guards[route.guard];
      guard.apiKeyRequired = e.apiKeyRequired && route.kind == gateway::ApiKind::Rest;
      if (e.authorizer && route.kind == gateway::ApiKind::Http) {
        if (auto it = jwtAuthorizers.find(e.authorizer->name); it != jwtAuthorizers.end()) {
          guard.jwt = it->second;
          guard.jwtScopes = e.authorizer->scopes;
        }
        if (auto it = httpLambdaAuthorizers.find(e.authorizer->name);
            it != httpLambdaAuthorizers.end()) {
          guard.lambdaAuthorizer = it->second;
        }
      }
      if (e.lambdaAuthorizer && route.kind == gateway::ApiKind::Rest) {
        auto& shared = restLambdaAuthorizers[e.lambdaAuthorizer->name];
        if (!shared) {
          shared = std::make_shared<AuthorizerCache>(
              lambdaAuthorizerSpec(*e.lambdaAuthorizer, gateway::ApiKind::Rest));
        }
        guard.lambdaAuthorizer = shared;
      }
      if (e.cors) corsByPath[e.path].push_back(restCorsSetting(e));
      if (std::find(corsPaths.begin(), corsPaths.end(), e.path) == corsPaths.end() && e.cors) {
        corsPaths.push_back(e.path);
      }
      if (auto error = d->routes.add(route)) {
        d->routeErrors.push_back(fmt::format("{}:{}: functions.{}.events: {}", e.where.file,
                                             e.where.line, f.key, *error));
      }
    }
  }
  addRestPreflights(*d, project, corsPaths, corsByPath);
  // The Framework makes no HTTP API, CORS or otherwise, for a project without httpApi routes.
  if (project.httpApiCors && d->routes.hasRoutes(gateway::ApiKind::Http)) {
    d->httpApiCors = httpApiCors(*project.httpApiCors);
  }
  d->binaryMediaTypes = project.binaryMediaTypes;
  d->policyScope = {project.region, "000000000000", d->apiId};
  if (!project.resourcePolicy.empty()) compileResourcePolicy(*d, project.resourcePolicy);
  d->project = std::move(project);
  return d;
}

}  // namespace nimbus::server
