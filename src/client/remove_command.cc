#include "client/remove_command.h"

#include <fmt/format.h>

#include "client/api_client.h"
#include "client/command_project.h"

namespace nimbus::client {

int runRemove(const RemoveOptions& options) {
  auto endpoint = parseEndpoint(options.endpoint);
  if (!endpoint) {
    fmt::print(stderr, "error: --endpoint '{}' is not an http://host:port URL\n", options.endpoint);
    return 2;
  }
  auto project = loadCommandProject({options.configFile, options.stage, options.region, false});
  if (!project) return 2;

  ApiClient api(*endpoint, options.endpoint, project->region);
  fmt::print("removing service {} (stage {}, region {}) from {}\n", project->service,
             project->stage, project->region, options.endpoint);
  for (const auto& f : project->functions) {
    auto deleted = api.call("DELETE", "/2015-03-31/functions/" + uriEncode(f.name));
    if (deleted.ok()) {
      fmt::print("  {}: removed ({})\n", f.key, f.name);
      continue;
    }
    if (deleted.reached && deleted.errorType == "ResourceNotFoundException") {
      fmt::print("  {}: not deployed ({})\n", f.key, f.name);
      continue;
    }
    std::fflush(stdout);
    fmt::print(stderr, "error: {}\n", deleted.errorText());
    if (deleted.errorType == "ResourceConflictException") {
      fmt::print(stderr,
                 "hint: nimbus serve serves this stage from serverless.yml itself; stop it to "
                 "remove these functions, or remove another --stage\n");
    }
    return 1;
  }
  return 0;
}

}  // namespace nimbus::client
