#include "client/info_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "client/api_client.h"
#include "client/endpoint.h"
#include "client/server_info.h"

namespace nimbus::client {

namespace {

std::optional<nlohmann::json> getJson(const ApiClient& api, const std::string& target) {
  auto r = api.call("GET", target, std::nullopt, std::chrono::seconds(30));
  if (!r.reached) {
    fmt::print(stderr, "error: {}\n", r.errorText());
    return std::nullopt;
  }
  if (r.status != 200 || !r.json.is_object()) {
    fmt::print(stderr, "error: {} answered {} to {}{}\n", api.url(), r.status, target,
               r.status >= 300 ? ": " + r.errorText() : "");
    return std::nullopt;
  }
  return r.json;
}

}  // namespace

int runInfo(const InfoOptions& options) {
  auto endpoint = parseEndpoint(options.endpoint);
  if (!endpoint) {
    fmt::print(stderr, "error: --endpoint '{}' is not an http://host:port URL\n", options.endpoint);
    return 2;
  }
  ApiClient api(*endpoint, options.endpoint, "us-east-1");
  auto settings = getJson(api, "/2016-08-19/account-settings/");
  if (!settings) return 1;
  auto list = getJson(api, "/2015-03-31/functions/");
  if (!list) return 1;
  fmt::print("AWS endpoint: {}\n", options.endpoint);
  fmt::print("account concurrency limit: {} (unreserved {})\n",
             settings->value("/AccountLimit/ConcurrentExecutions"_json_pointer, 0),
             settings->value("/AccountLimit/UnreservedConcurrentExecutions"_json_pointer, 0));
  // Concurrency figures, from nimbus's own info endpoint; an older nimbus without it says
  // nothing.
  auto served = fetchServerInfo(*endpoint, options.endpoint);
  const auto& functions = (*list)["Functions"];
  fmt::print("functions: {}\n", functions.size());
  for (const auto& f : functions) {
    fmt::print("  {}\n", f.value("FunctionName", ""));
    fmt::print("    runtime {}  handler {}  memory {} MB  timeout {} s\n", f.value("Runtime", ""),
               f.value("Handler", ""), f.value("MemorySize", 0), f.value("Timeout", 0));
    fmt::print("    arn {}\n", f.value("FunctionArn", ""));
    if (served.info) {
      auto it = served.info->functions.find(f.value("FunctionName", ""));
      if (it != served.info->functions.end()) {
        const FunctionFigures& c = it->second;
        fmt::print(
            "    concurrency {}  running {}  environments {}  cold starts {}  throttles {}{}\n",
            c.reserved ? fmt::format("reserved {}", *c.reserved) : "unreserved", c.running,
            c.environments, c.coldStarts, c.throttles,
            c.provisionedRequested > 0
                ? fmt::format("  provisioned {}/{}", c.provisionedAvailable, c.provisionedRequested)
                : "");
      }
    }
    if (f.contains("Environment") && f["Environment"].contains("Variables")) {
      for (const auto& [k, v] : f["Environment"]["Variables"].items()) {
        fmt::print("    env {}={}\n", k, v.get<std::string>());
      }
    }
  }
  // The HTTP routes.
  if (served.info) {
    if (!served.info->gateway.empty()) fmt::print("API Gateway: {}\n", served.info->gateway);
    for (const auto& service : served.info->services) {
      // As `serverless info` shows a service.
      fmt::print("service: {}\nstage: {}\nregion: {}\n", service.service, service.stage,
                 service.region);
      printEndpoints(service.routes);
      printApiKeys(service.apiKeys);
    }
    printResources(served.info->resources);
  }
  return 0;
}

}  // namespace nimbus::client
