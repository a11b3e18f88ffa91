// CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration and DeleteFunction. Code
// arrives as a base64 zip in the JSON body; it is decoded, stored and unzipped on the package
// worker, and the registry makes the change durable before the answer goes out.
#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "lambda/code_store.h"
#include "lambda/function_registry.h"

namespace nimbus::aws {

namespace {

// Applies the settings a request carried; absent ones leave the function as it was.
void apply(const FunctionSettings& s, lambda::FunctionSpec& spec) {
  if (s.role) spec.role = *s.role;
  if (s.handler) spec.handler = *s.handler;
  if (s.runtime) spec.runtime = *s.runtime;
  if (s.description) spec.description = *s.description;
  if (s.timeoutSeconds) spec.timeoutSeconds = *s.timeoutSeconds;
  if (s.memorySizeMb) spec.memorySizeMb = *s.memorySizeMb;
  if (s.environment) spec.environment = *s.environment;
  if (s.deadLetterTargetArn) spec.deadLetterTargetArn = *s.deadLetterTargetArn;
  if (s.architecture) spec.architecture = *s.architecture;
}

ApiError packageRefused(const lambda::PackageError& e) {
  return {e.type == "ServiceException" ? 500 : 400, e.type, e.message};
}

}  // namespace

void LambdaApi::createFunction(Call& call, HttpRequest&& request) {
  nlohmann::json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  request.body.clear();
  std::string name, zip;
  if (auto e = readCreateFunction(body, name, zip)) return call.fail(*e);
  FunctionSettings settings;
  if (auto e = readFunctionSettings(body, settings)) return call.fail(*e);
  if (registry_.function(name)) {
    return call.fail({409, "ResourceConflictException", "Function already exist: " + name});
  }
  boost::asio::post(*packageWorker_, [this, call, name, zip = std::move(zip), settings]() {
    lambda::PackageError error;
    auto package = code_.add(zip, error);
    if (!package) return call.fail(packageRefused(error));
    lambda::FunctionSpec spec;
    spec.name = name;
    spec.shortName = name;
    spec.region = settings_.region;
    spec.accountId = settings_.accountId;
    // Lambda's defaults for what CreateFunction leaves out.
    spec.timeoutSeconds = 3;
    spec.memorySizeMb = 128;
    apply(settings, spec);
    spec.codeDirectory = package->directory;
    spec.codeSha256 = package->sha256;
    spec.codeSize = package->size;
    spec.lastModified = std::chrono::system_clock::now();
    registry_.create(std::move(spec), [call, settings = settings_](lambda::RegistryResult&& r) {
      if (r.status != lambda::RegistryStatus::Ok) {
        return call.fail(registryRefusal(r, settings, r.spec.name));
      }
      call.send(configurationResponse(201, r.spec, FunctionPhase::Creating, call.requestId));
    });
  });
}

void LambdaApi::updateFunctionCode(Call& call, HttpRequest&& request) {
  nlohmann::json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  request.body.clear();
  std::string zip, revisionId;
  if (auto e = readUpdateFunctionCode(body, zip, revisionId)) return call.fail(*e);
  bool dryRun = body.value("DryRun", false);
  // Refuse before the package is unpacked for nothing.
  auto current = registry_.function(call.functionName);
  if (!current) return call.fail(functionNotFound(settings_, call.functionName, ""));
  if (current->origin == lambda::FunctionOrigin::Project) {
    return call.fail(registryRefusal({lambda::RegistryStatus::ProjectOwned, {}, {}}, settings_,
                                     call.functionName));
  }
  boost::asio::post(*packageWorker_, [this, call, zip = std::move(zip), revisionId, dryRun]() {
    lambda::PackageError error;
    auto package = code_.add(zip, error);
    if (!package) return call.fail(packageRefused(error));
    if (dryRun) {
      // DryRun checks the package and answers as the update would, changing nothing.
      auto spec = registry_.function(call.functionName);
      if (!spec) return call.fail(functionNotFound(settings_, call.functionName, ""));
      spec->codeSha256 = package->sha256;
      spec->codeSize = package->size;
      return call.send(configurationResponse(200, *spec, FunctionPhase::Settled, call.requestId));
    }
    registry_.update(
        call.functionName, revisionId,
        [package = *package](lambda::FunctionSpec& spec) {
          spec.codeDirectory = package.directory;
          spec.codeSha256 = package.sha256;
          spec.codeSize = package.size;
        },
        [call, settings = settings_](lambda::RegistryResult&& r) {
          if (r.status != lambda::RegistryStatus::Ok) {
            return call.fail(registryRefusal(r, settings, call.functionName));
          }
          call.send(configurationResponse(200, r.spec, FunctionPhase::Updating, call.requestId));
        });
  });
}

void LambdaApi::updateFunctionConfiguration(Call& call, HttpRequest&& request) {
  nlohmann::json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  FunctionSettings settings;
  if (auto e = readFunctionSettings(body, settings)) return call.fail(*e);
  registry_.update(
      call.functionName, settings.revisionId.value_or(""),
      [settings](lambda::FunctionSpec& spec) { apply(settings, spec); },
      [call, settings = settings_](lambda::RegistryResult&& r) {
        if (r.status != lambda::RegistryStatus::Ok) {
          return call.fail(registryRefusal(r, settings, call.functionName));
        }
        call.send(configurationResponse(200, r.spec, FunctionPhase::Updating, call.requestId));
      });
}

void LambdaApi::deleteFunction(Call& call) {
  if (!call.qualifier.empty()) {
    // A qualifier deletes one published version; $LATEST and aliases go other ways.
    if (call.qualifier == "$LATEST") {
      return call.fail({400, "InvalidParameterValueException",
                        "$LATEST version cannot be deleted without deleting the function."});
    }
    if (!lambda::isVersionNumber(call.qualifier)) {
      return call.fail(
          {400, "InvalidParameterValueException", "Deletion of aliases is not supported."});
    }
    return registry_.deleteVersion(
        call.functionName, call.qualifier,
        [call, settings = settings_](lambda::RegistryResult&& r) {
          if (r.status != lambda::RegistryStatus::Ok) {
            return call.fail(registryRefusal(r, settings, call.functionName));
          }
          call.send(restJsonResponse(204, "", call.requestId));
        });
  }
  registry_.remove(call.functionName, [call, settings = settings_](lambda::RegistryResult&& r) {
    if (r.status != lambda::RegistryStatus::Ok) {
      return call.fail(registryRefusal(r, settings, call.functionName));
    }
    call.send(restJsonResponse(204, "", call.requestId));
  });
}

}  // namespace nimbus::aws
