#include "client/invoke_command.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/endpoint.h"
#include "config/project.h"
#include "core/base64.h"
#include "core/url.h"
#include "http/client.h"

namespace nimbus::client {

namespace {

// The deployed name of `function`: a short name under `functions:` in serverless.yml becomes
// its deployed name; anything else (a deployed name, an ARN) is used as given. Returns nullopt
// after printing the configuration's errors.
std::optional<std::string> deployedName(const InvokeOptions& options) {
  if (!std::filesystem::exists(options.configFile)) return options.function;
  config::LoadOptions load;
  load.configFile = options.configFile;
  load.stage = options.stage;
  auto result = config::loadProject(load);
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
    for (const auto& e : *errors) fmt::print(stderr, "error: {}\n", e.format());
    return std::nullopt;
  }
  for (const auto& f : std::get<config::ProjectConfig>(result).functions) {
    if (f.key == options.function) return f.name;
  }
  return options.function;
}

std::string urlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

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
  auto name = deployedName(options);
  if (!name) return 2;

  HttpRequest request;
  request.method = "POST";
  request.target = "/2015-03-31/functions/" + urlEncode(*name) + "/invocations";
  if (!options.qualifier.empty()) request.target += "?Qualifier=" + urlEncode(options.qualifier);
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.push_back({"X-Amz-Invocation-Type", options.type});
  if (options.log) request.headers.push_back({"X-Amz-Log-Type", "Tail"});
  request.body = std::move(payload);

  auto result =
      http::sendRequest(endpoint->host, endpoint->port, request, std::chrono::seconds(960));
  if (!result.ok) {
    fmt::print(stderr, "error: cannot reach nimbus at {}: {} (is `nimbus serve` running?)\n",
               options.endpoint, result.error);
    return 1;
  }
  const HttpResponse& r = result.response;
  if (r.status >= 300) {
    const HttpHeader* code = findHeader(r.headers, "x-amzn-ErrorType");
    std::string message = r.body;
    if (auto json = nlohmann::json::parse(r.body, nullptr, false); json.is_object()) {
      if (json.contains("message"))
        message = json["message"].get<std::string>();
      else if (json.contains("Message"))
        message = json["Message"].get<std::string>();
    }
    fmt::print(stderr, "error: {}: {}\n", code ? code->value : std::to_string(r.status), message);
    return 1;
  }
  if (options.log) {
    if (const HttpHeader* tail = findHeader(r.headers, "X-Amz-Log-Result")) {
      if (auto text = base64Decode(tail->value)) fmt::print(stderr, "{}", *text);
    }
  }
  if (!r.body.empty()) fmt::print("{}\n", r.body);
  if (r.status == 202) fmt::print(stderr, "accepted (202)\n");
  return findHeader(r.headers, "X-Amz-Function-Error") ? 1 : 0;
}

}  // namespace nimbus::client
