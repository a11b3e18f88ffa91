// `nimbus remove`: deletes the service's functions (for the stage and region in effect) from a
// running nimbus through the Lambda API. A function that is not there is fine. Exits 0, 1 (the
// server refused or could not be reached) or 2 (bad usage or configuration).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace nimbus::client {

struct RemoveOptions {
  std::filesystem::path configFile = "serverless.yml";
  std::optional<std::string> stage;
  std::optional<std::string> region;
  std::string endpoint = "http://127.0.0.1:4566";
};

int runRemove(const RemoveOptions& options);

}  // namespace nimbus::client
