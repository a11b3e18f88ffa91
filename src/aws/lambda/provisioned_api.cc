// Put/Get/Delete/ListProvisionedConcurrencyConfig(s): environments of a version (or of the
// version an alias points to) initialized ahead of invocations.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "core/json_writer.h"
#include "core/url.h"
#include "lambda/function_registry.h"
#include "lambda/invoker.h"

namespace nimbus::aws {

namespace {

// IN_PROGRESS until every requested environment has initialized, FAILED when one could not.
void writeStatus(JsonWriter& w, const lambda::ProvisionedConfig& config,
                 const std::optional<lambda::LambdaService::ProvisionedFigures>& figures) {
  int available = figures ? std::min(figures->available, config.requested) : 0;
  bool failed = figures && figures->failed > 0 && available < config.requested;
  w.field("RequestedProvisionedConcurrentExecutions", config.requested)
      .field("AvailableProvisionedConcurrentExecutions", available)
      .field("AllocatedProvisionedConcurrentExecutions", available)
      .field("Status", failed                          ? "FAILED"
                       : available == config.requested ? "READY"
                                                       : "IN_PROGRESS");
  if (failed) w.field("StatusReason", "FUNCTION_ERROR_INIT_FAILURE");
  w.field("LastModified", lambdaTimestamp(config.lastModified));
}

ApiError notFound() {
  return ApiError{404, "ProvisionedConcurrencyConfigNotFoundException",
                  "No Provisioned Concurrency Config found for this function"};
}

}  // namespace

void LambdaApi::provisionedConcurrency(Call& call, const std::string& method,
                                       HttpRequest&& request) {
  if (!registry_.function(call.functionName)) {
    return call.fail(functionNotFound(settings_, call.functionName, ""));
  }
  auto figuresOf = [this](const lambda::ProvisionedConfig& config) {
    std::string version = registry_.provisionedVersion(config.functionName, config.qualifier);
    return version.empty() ? std::nullopt
                           : lambda_.provisionedConcurrency(config.functionName, version);
  };
  if (method == "GET" && queryParameter(call.query, "List") == "ALL") {
    std::string body;
    JsonWriter w(body);
    w.beginObject().key("ProvisionedConcurrencyConfigs").beginArray();
    for (const auto& config : registry_.provisionedConfigs(call.functionName)) {
      w.beginObject().field(
          "FunctionArn",
          lambda::FunctionSpec::functionArn(settings_.region, "000000000000", config.functionName) +
              ":" + config.qualifier);
      writeStatus(w, config, figuresOf(config));
      w.endObject();
    }
    w.endArray().endObject();
    return call.send(restJsonResponse(200, std::move(body), call.requestId));
  }
  const std::string& qualifier = call.qualifier;
  if (qualifier.empty()) return call.fail(missing("qualifier"));
  if (method == "GET") {
    auto config = registry_.provisionedConfig(call.functionName, qualifier);
    if (!config) return call.fail(notFound());
    std::string body;
    JsonWriter w(body);
    w.beginObject();
    writeStatus(w, *config, figuresOf(*config));
    w.endObject();
    return call.send(restJsonResponse(200, std::move(body), call.requestId));
  }
  if (method == "DELETE") {
    if (!registry_.provisionedConfig(call.functionName, qualifier)) return call.fail(notFound());
    return registry_.setProvisionedConcurrency(
        call.functionName, qualifier, std::nullopt, [call](std::string error) {
          if (!error.empty()) return call.fail(ApiError{500, "ServiceException", error});
          call.send(restJsonResponse(204, "", call.requestId));
        });
  }
  // PUT
  if (qualifier == "$LATEST") {
    return call.fail(ApiError{400, "InvalidParameterValueException",
                              "Provisioned Concurrency Configs cannot be applied to unpublished "
                              "function versions."});
  }
  if (registry_.provisionedVersion(call.functionName, qualifier).empty()) {
    return call.fail(functionNotFound(settings_, call.functionName, qualifier));
  }
  nlohmann::json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  std::optional<int> requested;
  if (auto e = readBoundedInt(body, "ProvisionedConcurrentExecutions",
                              "provisionedConcurrentExecutions", 1, 2147483647, requested)) {
    return call.fail(*e);
  }
  if (!requested) return call.fail(missing("provisionedConcurrentExecutions"));
  // Lambda's limit: provisioned environments come out of the function's reservation, when it
  // has one, and out of the unreserved pool less its minimum otherwise.
  auto latest = registry_.function(call.functionName);
  int ceiling = latest->reservedConcurrency ? *latest->reservedConcurrency
                                            : settings_.accountConcurrencyLimit -
                                                  registry_.reservedTotal() - minimumUnreserved();
  if (*requested > ceiling) {
    return call.fail(ApiError{
        400, "InvalidParameterValueException",
        latest->reservedConcurrency
            ? fmt::format("Requested Provisioned Concurrency should not be greater than the "
                          "reservedConcurrentExecution for function [{}].",
                          *latest->reservedConcurrency)
            : fmt::format("Specified ConcurrentExecutions for function is greater than account's "
                          "unreserved concurrency [{}].",
                          ceiling)});
  }
  registry_.setProvisionedConcurrency(
      call.functionName, qualifier, requested, [this, call, qualifier](std::string error) {
        if (!error.empty()) return call.fail(ApiError{500, "ServiceException", error});
        auto config = registry_.provisionedConfig(call.functionName, qualifier);
        if (!config) return call.fail(notFound());
        std::string out;
        JsonWriter w(out);
        w.beginObject();
        writeStatus(w, *config, std::nullopt);  // Just asked for: nothing is ready yet.
        w.endObject();
        call.send(restJsonResponse(202, std::move(out), call.requestId));
      });
}

}  // namespace nimbus::aws
