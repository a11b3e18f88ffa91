// serverless.yml as the client commands load it (--config, --stage, --region): errors are
// printed with file, line and key, for the caller to exit 2.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/project.h"

namespace nimbus::client {

struct ProjectOptions {
  std::filesystem::path configFile = "serverless.yml";
  std::optional<std::string> stage;
  std::optional<std::string> region;
  bool printWarnings = false;  // Also print the configuration's warnings on stderr.
};

// The project, or nullopt after printing every configuration error on stderr.
std::optional<config::ProjectConfig> loadCommandProject(const ProjectOptions& options);

// A function a command names with -f, and the region to address it in.
struct FunctionTarget {
  std::string name;
  std::string region = "us-east-1";
};

// The deployed name of `function`: a short name under `functions:` in `configFile` becomes its
// deployed name; anything else (a deployed name, an ARN) is used as given, also when there is no
// such file. Returns nullopt after printing the configuration's errors.
std::optional<FunctionTarget> resolveFunctionTarget(const std::string& function,
                                                    const std::filesystem::path& configFile,
                                                    const std::optional<std::string>& stage);

}  // namespace nimbus::client
