#include "client/deploy_command.h"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "build/project_build.h"
#include "client/api_client.h"
#include "client/command_project.h"
#include "client/package.h"
#include "client/server_info.h"
#include "core/base64.h"

namespace nimbus::client {

namespace {

using nlohmann::json;

// What serverless.yml says one function should be.
struct FunctionPlan {
  const config::FunctionConfig* function = nullptr;
  std::shared_ptr<const Artifact> artifact;
  std::string role;
  std::string deadLetterArn;
  json eventInvokeConfig;  // null when serverless.yml sets no async setting.
};

// A destination as written (a function's key or name, or an ARN) as the ARN Lambda takes.
std::optional<std::string> destinationArn(const config::ProjectConfig& project,
                                          const std::string& target) {
  for (const auto& f : project.functions) {
    if (f.key == target || f.name == target) return functionArn(project.region, f.name);
  }
  if (target.rfind("arn:", 0) == 0) return target;
  return std::nullopt;
}

json environmentJson(const config::FunctionConfig& f) {
  json variables = json::object();
  for (const auto& [name, value] : f.environment) variables[name] = value;
  return variables;
}

// The configuration UpdateFunctionConfiguration takes (and CreateFunction, with more).
json configurationJson(const FunctionPlan& plan, bool withDeadLetter) {
  const auto& f = *plan.function;
  json body = {
      {"Runtime", f.runtime},         {"Handler", f.handler},
      {"MemorySize", f.memorySizeMb}, {"Timeout", f.timeoutSeconds},
      {"Description", f.description}, {"Environment", {{"Variables", environmentJson(f)}}}};
  // An empty TargetArn removes a dead-letter queue, as on AWS.
  if (withDeadLetter) body["DeadLetterConfig"] = {{"TargetArn", plan.deadLetterArn}};
  return body;
}

std::string stringAt(const json& object, const char* pointer) {
  auto value = object.value(json::json_pointer(pointer), json());
  return value.is_string() ? value.get<std::string>() : std::string();
}

json valueAt(const json& object, const char* pointer) {
  return object.value(json::json_pointer(pointer), json());
}

bool configurationDiffers(const json& current, const FunctionPlan& plan) {
  const auto& f = *plan.function;
  json variables = valueAt(current, "/Environment/Variables");
  if (!variables.is_object()) variables = json::object();
  return stringAt(current, "/Runtime") != f.runtime || stringAt(current, "/Handler") != f.handler ||
         valueAt(current, "/MemorySize") != json(f.memorySizeMb) ||
         valueAt(current, "/Timeout") != json(f.timeoutSeconds) ||
         stringAt(current, "/Description") != f.description || variables != environmentJson(f) ||
         stringAt(current, "/DeadLetterConfig/TargetArn") != plan.deadLetterArn;
}

bool eventInvokeConfigDiffers(const json& current, const json& wanted) {
  for (const char* pointer :
       {"/MaximumRetryAttempts", "/MaximumEventAgeInSeconds",
        "/DestinationConfig/OnSuccess/Destination", "/DestinationConfig/OnFailure/Destination"}) {
    json a = valueAt(current, pointer), b = valueAt(wanted, pointer);
    if (a.is_string() && a.get<std::string>().empty()) a = nullptr;
    if (a != b) return true;
  }
  return false;
}

struct Outcome {
  bool ok = false;
  std::string status;  // created, updated code, updated configuration, unchanged.
  std::string codeSha256;
  int64_t codeSize = 0;
  std::string version;  // The published version now matching $LATEST (versionFunctions).
  std::string step;     // What failed ("UpdateFunctionCode"), when !ok.
  ApiResponse failure;
};

class Deployer {
 public:
  // With `versionFunctions`, each deployed function gets a version matching its $LATEST.
  Deployer(const ApiClient& api, bool versionFunctions)
      : api_(api), versionFunctions_(versionFunctions) {}

  Outcome deploy(const FunctionPlan& plan) {
    const auto& f = *plan.function;
    std::string path = "/2015-03-31/functions/" + uriEncode(f.name);
    Outcome out;
    auto got = api_.call("GET", path);
    if (!got.reached || (!got.ok() && got.errorType != "ResourceNotFoundException")) {
      return failed("GetFunction", std::move(got));
    }
    json latest;  // The FunctionConfiguration the server last answered with.
    bool codeChanged = false, configChanged = false;
    if (!got.ok()) {
      json body = configurationJson(plan, !plan.deadLetterArn.empty());
      body["FunctionName"] = f.name;
      body["Role"] = plan.role;
      body["Code"] = {{"ZipFile", base64Encode(plan.artifact->zip)}};
      auto created = api_.call("POST", "/2015-03-31/functions", body, std::chrono::minutes(5));
      if (!created.ok()) return failed("CreateFunction", std::move(created));
      latest = created.json;
      out.status = "created";
    } else {
      latest = valueAt(got.json, "/Configuration");
      if (stringAt(latest, "/CodeSha256") != plan.artifact->codeSha256) {
        auto updated =
            api_.call("PUT", path + "/code", json{{"ZipFile", base64Encode(plan.artifact->zip)}},
                      std::chrono::minutes(5));
        if (!updated.ok()) return failed("UpdateFunctionCode", std::move(updated));
        latest = updated.json;
        codeChanged = true;
      }
      if (configurationDiffers(latest, plan)) {
        if (!waitUntilSettled(path, latest, out)) return out;
        bool hadDeadLetter = !stringAt(latest, "/DeadLetterConfig/TargetArn").empty();
        auto updated =
            api_.call("PUT", path + "/configuration",
                      configurationJson(plan, hadDeadLetter || !plan.deadLetterArn.empty()));
        if (!updated.ok()) return failed("UpdateFunctionConfiguration", std::move(updated));
        latest = updated.json;
        configChanged = true;
      }
    }
    if (!waitUntilSettled(path, latest, out)) return out;
    auto asyncChanged = syncEventInvokeConfig(plan, out);
    if (!asyncChanged) return out;
    auto concurrencyChanged = syncReservedConcurrency(plan, out);
    if (!concurrencyChanged) return out;
    if (out.status.empty()) {
      configChanged = configChanged || *asyncChanged || *concurrencyChanged;
      if (codeChanged && configChanged) {
        out.status = "updated code and configuration";
      } else if (codeChanged) {
        out.status = "updated code";
      } else if (configChanged) {
        out.status = "updated configuration";
      } else {
        out.status = "unchanged";
      }
    }
    out.codeSha256 = stringAt(latest, "/CodeSha256");
    if (out.codeSha256.empty()) out.codeSha256 = plan.artifact->codeSha256;
    auto size = valueAt(latest, "/CodeSize");
    out.codeSize = size.is_number_integer() ? size.get<int64_t>()
                                            : static_cast<int64_t>(plan.artifact->zip.size());
    if (versionFunctions_ && !publishVersion(path, out)) return out;
    if (versionFunctions_ && !syncProvisionedAlias(plan, path, out)) return out;
    out.ok = true;
    return out;
  }

 private:
  static Outcome failed(std::string step, ApiResponse response) {
    Outcome out;
    out.step = std::move(step);
    out.failure = std::move(response);
    return out;
  }

  // Lambda takes no change while a function is being created (State Pending) or updated
  // (LastUpdateStatus InProgress); as the AWS SDKs' function-updated waiter does, this reads the
  // configuration until it has settled. `latest` is what the server last answered. False after
  // filling `out` with the failure.
  bool waitUntilSettled(const std::string& path, json& latest, Outcome& out) {
    auto settled = [](const json& c) {
      return stringAt(c, "/State") != "Pending" && stringAt(c, "/LastUpdateStatus") != "InProgress";
    };
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (!settled(latest)) {
      if (std::chrono::steady_clock::now() > deadline) {
        ApiResponse stuck;
        stuck.reached = true;
        stuck.errorType = "ResourceConflictException";
        stuck.message = "the function's update did not finish within 5 minutes";
        out = failed("GetFunctionConfiguration", std::move(stuck));
        return false;
      }
      auto read = api_.call("GET", path + "/configuration");
      if (!read.ok()) {
        out = failed("GetFunctionConfiguration", std::move(read));
        return false;
      }
      latest = std::move(read.json);
      if (!settled(latest)) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return true;
  }

  // Puts, replaces or deletes the function's EventInvokeConfig so that it matches
  // serverless.yml. Whether anything changed, or nullopt after filling `out` with the failure.
  std::optional<bool> syncEventInvokeConfig(const FunctionPlan& plan, Outcome& out) {
    std::string path =
        "/2019-09-25/functions/" + uriEncode(plan.function->name) + "/event-invoke-config";
    auto current = api_.call("GET", path);
    if (!current.reached) {
      out = failed("GetFunctionEventInvokeConfig", std::move(current));
      return std::nullopt;
    }
    bool exists = current.ok();
    if (plan.eventInvokeConfig.is_null()) {
      // Nothing wanted: delete what is there (a server without the operation has none).
      if (!exists) return false;
      auto deleted = api_.call("DELETE", path);
      if (!deleted.ok() && deleted.errorType != "ResourceNotFoundException") {
        out = failed("DeleteFunctionEventInvokeConfig", std::move(deleted));
        return std::nullopt;
      }
      return true;
    }
    if (!exists && current.errorType != "ResourceNotFoundException") {
      out = failed("GetFunctionEventInvokeConfig", std::move(current));
      return std::nullopt;
    }
    if (exists && !eventInvokeConfigDiffers(current.json, plan.eventInvokeConfig)) return false;
    auto put = api_.call("PUT", path, plan.eventInvokeConfig);
    if (!put.ok()) {
      out = failed("PutFunctionEventInvokeConfig", std::move(put));
      return std::nullopt;
    }
    return true;
  }

  // Puts or deletes the function's reserved concurrency so that it matches serverless.yml's
  // `reservedConcurrency`. Whether anything changed, or nullopt after filling `out`.
  std::optional<bool> syncReservedConcurrency(const FunctionPlan& plan, Outcome& out) {
    std::string name = uriEncode(plan.function->name);
    auto current = api_.call("GET", "/2019-09-30/functions/" + name + "/concurrency");
    if (!current.ok()) {
      out = failed("GetFunctionConcurrency", std::move(current));
      return std::nullopt;
    }
    auto value = valueAt(current.json, "/ReservedConcurrentExecutions");
    std::optional<int> existing;
    if (value.is_number_integer()) existing = value.get<int>();
    const auto& wanted = plan.function->reservedConcurrency;
    if (existing == wanted) return false;
    std::string path = "/2017-10-31/functions/" + name + "/concurrency";
    auto changed = wanted ? api_.call("PUT", path, json{{"ReservedConcurrentExecutions", *wanted}})
                          : api_.call("DELETE", path);
    if (!changed.ok()) {
      out = failed(wanted ? "PutFunctionConcurrency" : "DeleteFunctionConcurrency",
                   std::move(changed));
      return std::nullopt;
    }
    return true;
  }

  // PublishVersion, as the Framework's AWS::Lambda::Version resource does when the function
  // changed. Lambda publishes nothing when $LATEST is unchanged since the last version and
  // answers with that one, so an unchanged function keeps its version. The CodeSha256
  // precondition makes sure the version holds the code just deployed. False after filling
  // `out` with the failure.
  bool publishVersion(const std::string& path, Outcome& out) {
    auto published = api_.call("POST", path + "/versions", json{{"CodeSha256", out.codeSha256}});
    if (!published.ok()) {
      Outcome failure = failed("PublishVersion", std::move(published));
      out = std::move(failure);
      return false;
    }
    out.version = stringAt(published.json, "/Version");
    return true;
  }

  // provisionedConcurrency, as the Framework deploys it: an alias named `provisioned` on the
  // version just published, with a ProvisionedConcurrencyConfig of that many environments. With
  // none in serverless.yml, an existing config on the alias is deleted. False after filling
  // `out` with the failure.
  bool syncProvisionedAlias(const FunctionPlan& plan, const std::string& path, Outcome& out) {
    std::string name = uriEncode(plan.function->name);
    std::string config =
        "/2019-09-30/functions/" + name + "/provisioned-concurrency?Qualifier=provisioned";
    int wanted = plan.function->provisionedConcurrency.value_or(0);
    if (wanted <= 0) {
      auto existing = api_.call("GET", config);
      if (!existing.ok()) return true;  // None (or a server without the operation).
      auto deleted = api_.call("DELETE", config);
      if (!deleted.ok()) {
        out = failed("DeleteProvisionedConcurrencyConfig", std::move(deleted));
        return false;
      }
      return true;
    }
    json alias = {{"FunctionVersion", out.version}};
    auto updated = api_.call("PUT", path + "/aliases/provisioned", alias);
    if (!updated.ok()) {
      if (updated.errorType != "ResourceNotFoundException") {
        out = failed("UpdateAlias", std::move(updated));
        return false;
      }
      alias["Name"] = "provisioned";
      auto created = api_.call("POST", path + "/aliases", alias);
      if (!created.ok()) {
        out = failed("CreateAlias", std::move(created));
        return false;
      }
    }
    // Put again even when the number is unchanged: the alias may point at a new version now.
    auto put = api_.call("PUT", config, json{{"ProvisionedConcurrentExecutions", wanted}});
    if (!put.ok()) {
      out = failed("PutProvisionedConcurrencyConfig", std::move(put));
      return false;
    }
    return true;
  }

  const ApiClient& api_;
  bool versionFunctions_;
};

// The function's async settings as PutFunctionEventInvokeConfig takes them; null when none is
// set. False when a destination names nothing deployable (reported in `errors`).
bool eventInvokeConfig(const config::ProjectConfig& project, const config::FunctionConfig& f,
                       json& out, std::vector<config::ConfigError>& errors) {
  out = nullptr;
  json body = json::object();
  if (f.maximumRetryAttempts) body["MaximumRetryAttempts"] = *f.maximumRetryAttempts;
  if (f.maximumEventAgeSeconds) body["MaximumEventAgeInSeconds"] = *f.maximumEventAgeSeconds;
  bool ok = true;
  for (auto [which, target] :
       {std::pair{"OnSuccess", &f.onSuccess}, std::pair{"OnFailure", &f.onFailure}}) {
    if (target->empty()) continue;
    auto arn = destinationArn(project, *target);
    if (!arn) {
      std::string key = std::string(which) == "OnSuccess" ? "onSuccess" : "onFailure";
      errors.push_back(
          {f.where, "functions." + f.key + ".destinations." + key,
           fmt::format("'{}' is neither a function of this service nor an ARN", *target)});
      ok = false;
      continue;
    }
    body["DestinationConfig"][which] = {{"Destination", *arn}};
  }
  if (!body.empty()) out = std::move(body);
  return ok;
}

void printFailure(const Outcome& outcome, const config::FunctionConfig& f, bool servedHere) {
  const auto& r = outcome.failure;
  if (!r.reached) {
    fmt::print(stderr, "error: {}\n", r.errorText());
    return;
  }
  fmt::print(stderr, "error: {}: {}\n",
             r.errorType.empty() ? fmt::format("HTTP {}", r.status) : r.errorType,
             r.message.empty() ? outcome.step + " failed" : r.message);
  fmt::print(stderr, "  ({} of {}, function {})\n", outcome.step, f.name, f.key);
  if (r.errorType == "ResourceConflictException" && servedHere) {
    fmt::print(stderr,
               "hint: nimbus serve already serves this stage from serverless.yml; edit the files "
               "and it reloads, or deploy another --stage\n");
  }
}

void printProjectEndpoints(const config::ProjectConfig& project, const ServerInfoResult& info) {
  const ServedService* served =
      info.info ? info.info->find(project.service, project.stage) : nullptr;
  if (served) {
    printEndpoints(served->routes);
    return;
  }
  std::vector<std::string> routes;
  for (const auto& f : project.functions) {
    for (const auto& e : f.httpEvents) {
      // As the gateway serves them: REST routes under /{stage}, the $default route as /*.
      std::string path = e.isDefaultRoute ? "/*"
                         : e.kind == config::HttpEvent::Kind::Rest
                             ? "/" + project.stage + (e.path == "/" ? "" : e.path)
                             : e.path;
      routes.push_back(fmt::format("  {} {} ({})", e.method, path, f.name));
    }
  }
  if (routes.empty()) return;
  if (info.info) {
    std::string runs = "it serves none";
    if (!info.info->services.empty()) {
      const auto& s = info.info->services.front();
      runs = fmt::format("it serves {}, stage {}", s.service, s.stage);
    }
    fmt::print(
        "endpoints: none (HTTP routes are served only for the project `nimbus serve` runs, and "
        "{}; invoke these functions through the Lambda API)\n",
        runs);
  }
  fmt::print("routes in {}:\n", project.configFile.filename().string());
  for (const auto& route : routes) fmt::print("{}\n", route);
}

}  // namespace

int runDeploy(const DeployOptions& options) {
  auto endpoint = parseEndpoint(options.endpoint);
  if (!endpoint) {
    fmt::print(stderr, "error: --endpoint '{}' is not an http://host:port URL\n", options.endpoint);
    return 2;
  }
  auto project = loadCommandProject(
      {options.configFile, options.stage, options.region, /*printWarnings=*/true});
  if (!project) return 2;

  std::vector<const config::FunctionConfig*> functions;
  for (const auto& f : project->functions) {
    if (options.function.empty() || f.key == options.function) functions.push_back(&f);
  }
  if (!options.function.empty() && functions.empty()) {
    fmt::print(stderr, "error: --function {}: there is no function '{}' under functions: in {}\n",
               options.function, options.function, options.configFile.string());
    return 2;
  }
  if (functions.empty()) {
    fmt::print("{} defines no functions: nothing to deploy\n", options.configFile.string());
    return 0;
  }

  std::vector<std::string> keys;
  for (const auto* f : functions) keys.push_back(f->key);
  // As the Framework runs the build plugin's packaging hook before it zips.
  std::optional<build::BuildOutput> built;
  if (build::hasBuildSteps(*project)) {
    build::ProjectBuilder builder(options.runtimesDir, "deploy-build");
    built = builder.build(*project, 0);
    if (!built->log.empty()) std::fputs(built->log.c_str(), built->ok ? stdout : stderr);
    if (!built->ok) {
      fmt::print(stderr, "error: the build of {} failed; nothing was deployed\n",
                 options.configFile.string());
      return 1;
    }
    if (!built->summary.empty()) fmt::print("{}\n", built->summary);
  }
  auto packaged = packageFunctions(
      *project, keys,
      built && built->nodeBuilt ? built->nodeCodeDirectory : std::filesystem::path());
  for (const auto& warning : packaged.warnings) fmt::print(stderr, "warning: {}\n", warning);
  for (const auto& e : packaged.errors) fmt::print(stderr, "error: {}\n", e.format());
  for (const auto& failure : packaged.failures) fmt::print(stderr, "error: {}\n", failure);
  if (!packaged.errors.empty()) return 2;
  if (!packaged.failures.empty()) return 1;

  std::vector<config::ConfigError> errors;
  std::vector<FunctionPlan> plans;
  std::string role = fmt::format("arn:aws:iam::000000000000:role/{}-{}-{}-lambdaRole",
                                 project->service, project->stage, project->region);
  for (const auto* f : functions) {
    FunctionPlan plan;
    plan.function = f;
    plan.artifact = packaged.artifacts.at(f->key);
    plan.role = role;
    plan.deadLetterArn = f->onError;
    eventInvokeConfig(*project, *f, plan.eventInvokeConfig, errors);
    plans.push_back(std::move(plan));
  }
  for (const auto& e : errors) fmt::print(stderr, "error: {}\n", e.format());
  if (!errors.empty()) return 2;

  auto info = fetchServerInfo(*endpoint, options.endpoint);
  if (!info.reached) {
    fmt::print(stderr, "error: {}\n", info.transportError);
    return 1;
  }
  // With no _nimbus/info (an older server), a conflict may still be nimbus serve's own stage.
  bool servedHere = !info.info || info.info->find(project->service, project->stage) != nullptr;

  fmt::print("deploying service {} (stage {}, region {}) to {}\n", project->service, project->stage,
             project->region, options.endpoint);
  std::map<const Artifact*, std::vector<std::string>> users;
  for (const auto& plan : plans) users[plan.artifact.get()].push_back(plan.function->key);
  fmt::print("packages:\n");
  for (const auto& plan : plans) {
    auto it = users.find(plan.artifact.get());
    if (it == users.end()) continue;
    std::string names;
    for (const auto& key : it->second) names += (names.empty() ? "" : ", ") + key;
    fmt::print("  {} ({})\n", plan.artifact->origin, names);
    users.erase(it);
  }

  ApiClient api(*endpoint, options.endpoint, project->region);
  Deployer deployer(api, project->versionFunctions);
  fmt::print("functions:\n");
  for (const auto& plan : plans) {
    auto outcome = deployer.deploy(plan);
    if (!outcome.ok) {
      std::fflush(stdout);
      printFailure(outcome, *plan.function, servedHere);
      return 1;
    }
    fmt::print("  {}: {} ({}, CodeSha256 {}, {} bytes{})\n", plan.function->key, outcome.status,
               plan.function->name, outcome.codeSha256, outcome.codeSize,
               outcome.version.empty() ? "" : ", version " + outcome.version);
  }
  if (options.function.empty()) printProjectEndpoints(*project, info);
  return 0;
}

}  // namespace nimbus::client
