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

}  // namespace nimbus::client
