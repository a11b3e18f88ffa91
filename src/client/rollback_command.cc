#include "client/rollback_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "client/api_client.h"
#include "client/command_project.h"
#include "client/endpoint.h"

namespace nimbus::client {

namespace {

using nlohmann::json;

// "version 2" or "version 2, 10% to version 3": where an alias sends invocations.
std::string describeRouting(const json& alias) {
  std::string text = "version " + alias.value("FunctionVersion", std::string("?"));
  auto weights =
      alias.value(json::json_pointer("/RoutingConfig/AdditionalVersionWeights"), json::object());
  for (const auto& [version, weight] : weights.items()) {
    if (weight.is_number()) {
      text += fmt::format(", {:g}% to version {}", weight.get<double>() * 100, version);
    }
  }
  return text;
}

bool isVersionNumber(const std::string& s) {
  return !s.empty() && s.size() <= 10 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

int runRollback(const RollbackOptions& options) {
  auto endpoint = parseEndpoint(options.endpoint);
  if (!endpoint) {
    fmt::print(stderr, "error: --endpoint '{}' is not an http://host:port URL\n", options.endpoint);
    return 2;
  }
  if (!isVersionNumber(options.version)) {
    fmt::print(stderr,
               "error: --version '{}' is not a published version number (1, 2, ...); list them "
               "with aws lambda list-versions-by-function\n",
               options.version);
    return 2;
  }
  auto target = resolveFunctionTarget(options.function, options.configFile, options.stage);
  if (!target) return 2;

  ApiClient api(*endpoint, options.endpoint, target->region);
  std::string path =
      "/2015-03-31/functions/" + uriEncode(target->name) + "/aliases/" + uriEncode(options.alias);
  auto current = api.call("GET", path);
  if (!current.ok()) {
    // A missing alias is not created: nothing invokes through it, so pointing it anywhere
    // would roll nothing back. The user names the alias their callers use.
    if (current.errorType == "ResourceNotFoundException" &&
        current.message.rfind("Cannot find alias", 0) == 0) {
      fmt::print(stderr,
                 "error: function {} has no alias {}, so nothing invokes it through that alias; "
                 "name the alias your callers use with --alias, or create this one with\n"
                 "  aws --endpoint-url {} lambda create-alias --function-name {} --name {} "
                 "--function-version {}\n",
                 target->name, options.alias, options.endpoint, target->name, options.alias,
                 options.version);
    } else {
      fmt::print(stderr, "error: {}\n", current.errorText());
    }
    return 1;
  }
  json update = {{"FunctionVersion", options.version},
                 {"RoutingConfig", {{"AdditionalVersionWeights", json::object()}}}};
  // Only if nobody changed the alias since it was read.
  if (auto revision = current.json.find("RevisionId");
      revision != current.json.end() && revision->is_string()) {
    update["RevisionId"] = *revision;
  }
  auto updated = api.call("PUT", path, update);
  if (!updated.ok()) {
    fmt::print(stderr, "error: {}\n", updated.errorText());
    return 1;
  }
  fmt::print("{} ({}): alias {} now sends every invocation to version {} (it sent {})\n",
             options.function, target->name, options.alias, options.version,
             describeRouting(current.json));
  return 0;
}

}  // namespace nimbus::client
