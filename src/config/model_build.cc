// The part of the model builder that reads the build and packaging plugins nimbus runs itself:
// serverless-esbuild, serverless-webpack and serverless-plugin-typescript (one of them builds the
// Node.js functions), serverless-wsgi and serverless-python-requirements. Their settings are the
// plugins' own `custom` sections, handed to the build as JSON.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "config/intrinsics.h"
#include "config/model_builder.h"

namespace nimbus::config {

namespace {

struct BuildPlugin {
  std::string_view name;
  BuildConfig::Tool tool;
  std::string_view customKey;  // Its section under `custom`.
};

constexpr BuildPlugin kBuildPlugins[] = {
    {"serverless-esbuild", BuildConfig::Tool::Esbuild, "esbuild"},
    {"serverless-webpack", BuildConfig::Tool::Webpack, "webpack"},
    {"serverless-plugin-typescript", BuildConfig::Tool::Typescript, "serverlessPluginTypescript"},
};

}  // namespace

bool ModelBuilder::buildPlugin(ProjectConfig& project, const std::string& listedName,
                               const SourceLocation& where, const std::string& path) {
  // Scoped forks (@hewmen/serverless-plugin-typescript) build as the plugin they fork does.
  std::string name = listedName;
  if (name.size() > 1 && name[0] == '@' && name.find('/') != std::string::npos) {
    name = name.substr(name.find('/') + 1);
  }
  // The section of `custom` a plugin reads, resolved in full; nullptr when absent or unresolved.
  auto customSection = [&](std::string_view key) -> Entry {
    Entry custom = get(root_, "custom", "");
    if (!custom.node || custom.node->kind != Node::Kind::Map) return {};
    Entry section = get(*custom.node, std::string(key), "custom");
    if (!section.node || !resolver_.resolveDeep(*section.node, section.path)) return {};
    return section;
  };

  for (const auto& plugin : kBuildPlugins) {
    if (name != plugin.name) continue;
    if (project.build.tool != BuildConfig::Tool::None) {
      // The Framework would run both plugins' packaging hooks over the same handlers; the first
      // one's output is what nimbus serves.
      warn(where, fmt::format("{}: {} already builds the functions; {} is ignored", path,
                              project.build.plugin, listedName));
      return true;
    }
    project.build.tool = plugin.tool;
    project.build.plugin = listedName;
    project.build.where = where;
    project.build.settingsJson = "{}";
    if (Entry section = customSection(plugin.customKey); section.node) {
      if (plugin.tool == BuildConfig::Tool::Webpack && section.node->kind == Node::Kind::String) {
        // The plugin's older form: `custom.webpack: path/to/webpack.config.js`.
        nlohmann::json settings = {{"webpackConfig", scalarToString(*section.node).value_or("")}};
        project.build.settingsJson = settings.dump();
      } else if (section.node->kind != Node::Kind::Map && section.node->kind != Node::Kind::Null) {
        error(section.where, section.path, "must be a mapping of the plugin's settings");
      } else if (section.node->kind == Node::Kind::Map) {
        project.build.settingsJson = toJsonText(*section.node);
      }
    }
    return true;
  }

  if (name == "serverless-wsgi") {
    Entry section = customSection("wsgi");
    Entry app = section.node && section.node->kind == Node::Kind::Map
                    ? get(*section.node, "app", section.path)
                    : Entry{};
    auto value = app.node ? stringSetting(app) : std::nullopt;
    if (!value || value->empty()) {
      // The plugin cannot serve anything without it, and says so at packaging time.
      error(section.node ? section.where : where, "custom.wsgi.app",
            "serverless-wsgi needs custom.wsgi.app: the module and name of the WSGI application "
            "(for example app.app)");
      return true;
    }
    project.python.wsgiApp = *value;
    project.python.wsgiWhere = app.where;
    return true;
  }

  if (name == "serverless-python-requirements") {
    project.python.requirements = true;
    project.python.requirementsWhere = where;
    Entry section = customSection("pythonRequirements");
    if (section.node && section.node->kind == Node::Kind::Map) {
      Entry fileName = get(*section.node, "fileName", section.path);
      if (fileName.node) {
        if (auto value = stringSetting(fileName); value && !value->empty()) {
          project.python.requirementsFile = *value;
        }
      }
    }
    return true;
  }
  return false;
}

}  // namespace nimbus::config
