#include "client/info_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "client/endpoint.h"
#include "http/client.h"

namespace nimbus::client {

namespace {

std::optional<nlohmann::json> getJson(const Endpoint& endpoint, const std::string& url,
                                      const std::string& target) {
  HttpRequest request;
  request.method = "GET";
  request.target = target;
  auto result = http::sendRequest(endpoint.host, endpoint.port, request, std::chrono::seconds(30));
  if (!result.ok) {
    fmt::print(stderr, "error: cannot reach nimbus at {}: {} (is `nimbus serve` running?)\n", url,
               result.error);
    return std::nullopt;
  }
  auto json = nlohmann::json::parse(result.response.body, nullptr, false);
  if (result.response.status != 200 || !json.is_object()) {
    fmt::print(stderr, "error: {} answered {} to {}\n", url, result.response.status, target);
    return std::nullopt;
  }
  return json;
}

}  // namespace

int runInfo(const InfoOptions& options) {
  auto endpoint = parseEndpoint(options.endpoint);
  if (!endpoint) {
    fmt::print(stderr, "error: --endpoint '{}' is not an http://host:port URL\n", options.endpoint);
    return 2;
  }
  auto settings = getJson(*endpoint, options.endpoint, "/2016-08-19/account-settings/");
  if (!settings) return 1;
  auto list = getJson(*endpoint, options.endpoint, "/2015-03-31/functions/");
  if (!list) return 1;
  fmt::print("AWS endpoint: {}\n", options.endpoint);
  fmt::print("account concurrency limit: {}\n",
             settings->value("/AccountLimit/ConcurrentExecutions"_json_pointer, 0));
  const auto& functions = (*list)["Functions"];
  fmt::print("functions: {}\n", functions.size());
  for (const auto& f : functions) {
    fmt::print("  {}\n", f.value("FunctionName", ""));
    fmt::print("    runtime {}  handler {}  memory {} MB  timeout {} s\n", f.value("Runtime", ""),
               f.value("Handler", ""), f.value("MemorySize", 0), f.value("Timeout", 0));
    fmt::print("    arn {}\n", f.value("FunctionArn", ""));
    if (f.contains("Environment") && f["Environment"].contains("Variables")) {
      for (const auto& [k, v] : f["Environment"]["Variables"].items()) {
        fmt::print("    env {}={}\n", k, v.get<std::string>());
      }
    }
  }
  return 0;
}

}  // namespace nimbus::client
