#include "client/command_project.h"

#include <fmt/format.h>

namespace nimbus::client {

std::optional<config::ProjectConfig> loadCommandProject(const ProjectOptions& options) {
  config::LoadOptions load;
  load.configFile = options.configFile;
  load.stage = options.stage;
  load.region = options.region;
  auto result = config::loadProject(load);
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
    for (const auto& e : *errors) fmt::print(stderr, "error: {}\n", e.format());
    return std::nullopt;
  }
  auto& project = std::get<config::ProjectConfig>(result);
  if (options.printWarnings) {
    for (const auto& warning : project.warnings) fmt::print(stderr, "warning: {}\n", warning);
  }
  return std::move(project);
}

}  // namespace nimbus::client
