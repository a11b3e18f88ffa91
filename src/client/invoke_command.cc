#include "client/invoke_command.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/api_client.h"
#include "client/command_project.h"
#include "client/endpoint.h"
#include "core/base64.h"

namespace nimbus::client {

int runInvoke(const InvokeOptions& options) {
  auto endpoint = parseEndpoint(options.endpoint);
  if (!endpoint) {
    fmt::print(stderr, "error: --endpoint '{}' is not an http://host:port URL\n", options.endpoint);
    return 2;
  }
  if (options.type != "RequestResponse" && options.type != "Event" && options.type != "DryRun") {
    fmt::print(stderr, "error: --type must be RequestResponse, Event or DryRun\n");
    return 2;
  }
  std::string payload = "{}";
  if (options.data) {
    payload = *options.data;
  } else if (options.path) {
    std::ifstream in(*options.path, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "error: cannot read {}\n", options.path->string());
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    payload = ss.str();
  }
  if (!nlohmann::json::accept(payload)) {
    fmt::print(stderr, "error: the event is not valid JSON\n");
    return 2;
  }
  auto target = resolveFunctionTarget(options.function, options.configFile, options.stage);
  if (!target) return 2;

  HttpRequest request;
  request.method = "POST";
  request.target = "/2015-03-31/functions/" + uriEncode(target->name) + "/invocations";
  if (!options.qualifier.empty()) request.target += "?Qualifier=" + uriEncode(options.qualifier);
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.push_back({"X-Amz-Invocation-Type", options.type});
  if (options.log) request.headers.push_back({"X-Amz-Log-Type", "Tail"});
  request.body = std::move(payload);

  ApiClient api(*endpoint, options.endpoint, target->region);
  auto r = api.send(std::move(request), std::chrono::seconds(960));
  if (!r.reached || r.status >= 300) {
    fmt::print(stderr, "error: {}\n", r.errorText());
    return 1;
  }
  if (options.log) {
    if (const HttpHeader* tail = findHeader(r.http.headers, "X-Amz-Log-Result")) {
      if (auto text = base64Decode(tail->value)) fmt::print(stderr, "{}", *text);
    }
  }
  if (!r.http.body.empty()) fmt::print("{}\n", r.http.body);
  if (r.status == 202) fmt::print(stderr, "accepted (202)\n");
  return findHeader(r.http.headers, "X-Amz-Function-Error") ? 1 : 0;
}

}  // namespace nimbus::client
