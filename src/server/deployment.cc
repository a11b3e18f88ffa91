#include "server/deployment.h"

#include <fmt/format.h>

#include <functional>

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

// The deployed name of a destination written as a function key, a function name or a Lambda
// ARN. Other targets (SQS, SNS, EventBridge) arrive with those services; until then they are
// named in an error rather than dropped.
std::string destinationFunction(const config::ProjectConfig& project,
                                const config::FunctionConfig& f, const std::string& target,
                                const char* which, Deployment& d) {
  if (target.empty()) return {};
  for (const auto& other : project.functions) {
    if (other.key == target || other.name == target) return other.name;
  }
  if (auto fn = target.find(":function:");
      target.rfind("arn:aws:lambda:", 0) == 0 && fn != std::string::npos) {
    std::string name = target.substr(fn + 10);
    return name.substr(0, name.find(':'));
  }
  d.routeErrors.push_back(fmt::format(
      "{}:{}: functions.{}.destinations.{}: '{}' is not a function of this service or a Lambda "
      "ARN (SQS, SNS and EventBridge destinations are not supported yet)",
      f.where.file, f.where.line, f.key, which, target));
  return {};
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
    spec.maximumRetryAttempts = f.maximumRetryAttempts.value_or(2);
    spec.maximumEventAgeSeconds = f.maximumEventAgeSeconds.value_or(21600);
    spec.onSuccessFunction = destinationFunction(project, f, f.onSuccess, "onSuccess", *d);
    spec.onFailureFunction = destinationFunction(project, f, f.onFailure, "onFailure", *d);
    d->functions.push_back(spec);

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
