// Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s) (2019-09-25): how a function's
// asynchronous invocations are retried and where their records go.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "core/json_writer.h"
#include "lambda/function_registry.h"

namespace nimbus::aws {

namespace {

using Json = nlohmann::json;

std::string qualifiedArn(const LambdaApiSettings& settings, const std::string& name) {
  return lambda::FunctionSpec::functionArn(settings.region, settings.accountId, name) + ":$LATEST";
}

ApiError noConfig(const LambdaApiSettings& settings, const std::string& name) {
  return {404, "ResourceNotFoundException",
          fmt::format("The function {} doesn't have an EventInvokeConfig",
                      qualifiedArn(settings, name))};
}

void writeConfig(JsonWriter& w, const LambdaApiSettings& settings, const std::string& name,
                 const lambda::EventInvokeConfig& config) {
  double seconds = std::chrono::duration<double>(config.lastModified.time_since_epoch()).count();
  w.beginObject();
  w.key("LastModified").number(seconds);
  w.field("FunctionArn", qualifiedArn(settings, name));
  if (config.maximumRetryAttempts) w.field("MaximumRetryAttempts", *config.maximumRetryAttempts);
  if (config.maximumEventAgeSeconds) {
    w.field("MaximumEventAgeInSeconds", *config.maximumEventAgeSeconds);
  }
  w.key("DestinationConfig").beginObject();
  for (auto [key, arn] :
       {std::pair{"OnSuccess", &config.onSuccess}, std::pair{"OnFailure", &config.onFailure}}) {
    w.key(key).beginObject();
    if (!arn->empty()) w.field("Destination", *arn);
    w.endObject();
  }
  w.endObject().endObject();
}

// Reads the request's members into `config`: Put starts from an empty config, Update from the
// current one, so members the request leaves out are reset or kept respectively.
std::optional<ApiError> readConfig(const Json& body, lambda::EventInvokeConfig& config) {
  if (auto e = readBoundedInt(body, "MaximumRetryAttempts", "maximumRetryAttempts", 0, 2,
                              config.maximumRetryAttempts)) {
    return e;
  }
  if (auto e = readBoundedInt(body, "MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", 60,
                              21600, config.maximumEventAgeSeconds)) {
    return e;
  }
  auto destinations = body.find("DestinationConfig");
  if (destinations == body.end() || !destinations->is_object()) return std::nullopt;
  for (auto [key, out] :
       {std::pair{"OnSuccess", &config.onSuccess}, std::pair{"OnFailure", &config.onFailure}}) {
    auto it = destinations->find(key);
    if (it == destinations->end() || !it->is_object()) continue;
    std::string arn;
    if (auto d = it->find("Destination"); d != it->end() && d->is_string()) arn = *d;
    bool function =
        arn.rfind("arn:aws:lambda:", 0) == 0 && arn.find(":function:") != std::string::npos;
    if (!arn.empty() && !function && arn.rfind("arn:aws:sqs:", 0) != 0 &&
        arn.rfind("arn:aws:sns:", 0) != 0) {
      return ApiError{400, "InvalidParameterValueException",
                      fmt::format("The destination ARN {} is not supported: nimbus delivers "
                                  "destinations to Lambda functions, SQS queues and SNS topics "
                                  "(EventBridge destinations arrive with that service)",
                                  arn)};
    }
    *out = arn;
  }
  return std::nullopt;
}

}  // namespace

void LambdaApi::eventInvokeConfig(Call& call, const std::string& method, bool list,
                                  HttpRequest&& request) {
  if (!call.qualifier.empty() && call.qualifier != "$LATEST") {
    return call.fail(functionNotFound(settings_, call.functionName, call.qualifier));
  }
  auto spec = registry_.function(call.functionName);
  if (!spec) return call.fail(functionNotFound(settings_, call.functionName, ""));
  const std::string& name = call.functionName;

  if (list) {
    std::string body;
    JsonWriter w(body);
    w.beginObject().key("FunctionEventInvokeConfigs").beginArray();
    if (spec->eventInvokeConfig) writeConfig(w, settings_, name, *spec->eventInvokeConfig);
    w.endArray().endObject();
    return call.send(restJsonResponse(200, std::move(body), call.requestId));
  }
  if (method == "GET") {
    if (!spec->eventInvokeConfig) return call.fail(noConfig(settings_, name));
    std::string body;
    JsonWriter w(body);
    writeConfig(w, settings_, name, *spec->eventInvokeConfig);
    return call.send(restJsonResponse(200, std::move(body), call.requestId));
  }

  auto answer = [call, settings = settings_](int status) {
    return [call, settings, status](lambda::RegistryResult&& r) {
      if (r.status != lambda::RegistryStatus::Ok) {
        return call.fail(registryRefusal(r, settings, call.functionName));
      }
      if (status == 204) return call.send(restJsonResponse(204, "", call.requestId));
      std::string body;
      JsonWriter w(body);
      writeConfig(w, settings, call.functionName, r.spec.asyncConfig());
      call.send(restJsonResponse(status, std::move(body), call.requestId));
    };
  };
  if (method == "DELETE") {
    if (!spec->eventInvokeConfig) return call.fail(noConfig(settings_, name));
    return registry_.setEventInvokeConfig(name, std::nullopt, answer(204));
  }
  if (method != "PUT" && method != "POST") {
    return call.send(restJsonError(405, "UnknownOperationException",
                                   "Method not allowed on event-invoke-config", call.requestId));
  }
  Json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  lambda::EventInvokeConfig config;
  if (method == "POST") {
    // UpdateFunctionEventInvokeConfig changes what it names and keeps the rest.
    if (!spec->eventInvokeConfig) return call.fail(noConfig(settings_, name));
    config = *spec->eventInvokeConfig;
  }
  if (auto e = readConfig(body, config)) return call.fail(*e);
  config.lastModified = std::chrono::system_clock::now();
  registry_.setEventInvokeConfig(name, config, answer(200));
}

}  // namespace nimbus::aws
