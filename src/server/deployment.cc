#include "server/deployment.h"

#include <fmt/format.h>

#include <functional>

#include "core/base64.h"
#include "core/hash.h"

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

}  // namespace

std::shared_ptr<const Deployment> buildDeployment(config::ProjectConfig project,
                                                  uint64_t revision) {
  auto d = std::make_shared<Deployment>();
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

    size_t target = d->targets.size();
    d->targets.push_back({f.name, f.timeoutSeconds});
    for (const auto& e : f.httpEvents) {
      gateway::Route route;
      route.kind = e.kind == config::HttpEvent::Kind::HttpApi ? gateway::ApiKind::Http
                                                              : gateway::ApiKind::Rest;
      route.method = e.method;
      route.path = e.isDefaultRoute ? "$default" : e.path;
      route.target = target;
      if (auto error = d->routes.add(route)) {
        d->routeErrors.push_back(fmt::format("{}:{}: functions.{}.events: {}", e.where.file,
                                             e.where.line, f.key, *error));
      }
    }
  }
  d->project = std::move(project);
  return d;
}

}  // namespace nimbus::server
