// `nimbus deploy`: packages the service as the Serverless Framework does and brings a running
// nimbus's functions in line with serverless.yml through the standard Lambda API (create, or
// update code and configuration only where they differ, then the async settings, then publish a
// version when provider.versionFunctions is on). Exits 0,
// 1 (the server refused or could not be reached) or 2 (bad usage or configuration).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace nimbus::client {

struct DeployOptions {
  std::filesystem::path configFile = "serverless.yml";
  std::optional<std::string> stage;
  std::optional<std::string> region;
  std::string function;  // Only this function (its name under `functions:`); all when empty.
  std::string endpoint = "http://127.0.0.1:4566";
  // Where nimbus's runtimes folder is (its build/build.js runs the project's build plugin).
  std::filesystem::path runtimesDir;
};

int runDeploy(const DeployOptions& options);

}  // namespace nimbus::client
