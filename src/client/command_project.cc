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

std::optional<FunctionTarget> resolveFunctionTarget(const std::string& function,
                                                    const std::filesystem::path& configFile,
                                                    const std::optional<std::string>& stage) {
  if (!std::filesystem::exists(configFile)) return FunctionTarget{function};
  auto project = loadCommandProject({configFile, stage, std::nullopt, false});
  if (!project) return std::nullopt;
  FunctionTarget target{function, project->region};
  for (const auto& f : project->functions) {
    if (f.key == function) target.name = f.name;
  }
  return target;
}

}  // namespace nimbus::client
