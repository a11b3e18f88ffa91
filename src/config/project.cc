#include "config/project.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "config/document.h"
#include "config/dotenv.h"
#include "config/model_builder.h"
#include "config/resolver.h"

namespace nimbus::config {

std::string ConfigError::format() const {
  std::string out = where.file.empty() ? "<configuration>" : where.file;
  if (where.line > 0) {
    out += fmt::format(":{}", where.line);
    if (where.column > 0) out += fmt::format(":{}", where.column);
  }
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

namespace {

std::optional<std::string> readText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// useDotenv, as v3 loads it: `.env.{stage}` if that file exists, else `.env`; never both.
// Variables already in the process environment are not overridden.
void loadDotenv(Resolver& resolver, const LoadOptions& options,
                const std::filesystem::path& serviceDir, const std::string& stage,
                const std::string& configName, std::vector<ConfigError>& errors,
                std::vector<std::filesystem::path>& sourceFiles) {
  std::filesystem::path file = serviceDir / (".env." + stage);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) file = serviceDir / ".env";
  if (!std::filesystem::exists(file, ec)) return;
  std::string name = file.filename().string();
  auto text = readText(file);
  if (!text || std::filesystem::is_directory(file, ec)) {
    errors.push_back({{configName, 0, 0}, "useDotenv", fmt::format("cannot read {}", name)});
    return;
  }
  sourceFiles.push_back(file);
  auto processEnv = [&](const std::string& variable) -> std::optional<std::string> {
    if (options.getenv) return options.getenv(variable);
    if (const char* value = std::getenv(variable.c_str())) return std::string(value);
    return std::nullopt;
  };
  auto values = expandDotenv(parseDotenv(*text), processEnv);
  // v3 refuses a .env file that defines a variable the stage or useDotenv were resolved
  // without: the file chosen would depend on the file itself.
  for (const auto& variable : resolver.missingEnv()) {
    if (values.count(variable) != 0) {
      errors.push_back({{configName, 0, 0},
                        "useDotenv",
                        fmt::format("environment variable {} decides which .env file is loaded, "
                                    "but is itself defined in {}; set it outside .env files",
                                    variable, name)});
    }
  }
  resolver.setDotenv(std::move(values));
}

}  // namespace

std::variant<ProjectConfig, std::vector<ConfigError>> loadProject(const LoadOptions& options) {
  LoadOptions resolved = options;
  std::error_code ec;
  resolved.configFile = std::filesystem::absolute(options.configFile, ec).lexically_normal();
  ProjectConfig project;
  project.configFile = resolved.configFile;
  project.serviceDir = resolved.configFile.parent_path();
  std::string configName = resolved.configFile.filename().string();
  std::vector<ConfigError> errors;

  auto text = readText(resolved.configFile);
  if (!text || std::filesystem::is_directory(resolved.configFile, ec)) {
    errors.push_back({{options.configFile.string(), 0, 0},
                      "",
                      std::filesystem::exists(resolved.configFile, ec)
                          ? "cannot read the configuration file"
                          : "configuration file not found"});
    return errors;
  }
  project.sourceFiles.push_back(resolved.configFile);

  Node root;
  std::string extension = resolved.configFile.extension().string();
  if (extension == ".json") {
    auto parsed = parseJson(*text, {configName, 0, 0});
    if (auto* problem = std::get_if<ParseProblem>(&parsed)) {
      errors.push_back({problem->where, "", problem->message});
      return errors;
    }
    root = std::move(std::get<Node>(parsed));
  } else {
    auto parsed = parseYaml(*text, configName);
    if (auto* problems = std::get_if<std::vector<ParseProblem>>(&parsed)) {
      for (auto& problem : *problems) {
        errors.push_back({std::move(problem.where), "", std::move(problem.message)});
      }
      return errors;
    }
    root = std::move(std::get<Node>(parsed));
  }

  Resolver resolver(root, project.serviceDir, resolved, errors, project.warnings);

  // As v3 does, provider.stage and useDotenv are resolved before any .env file is loaded,
  // since they decide which one is.
  std::string stage = resolver.stage().value_or("dev");
  bool useDotenv = false;
  if (root.kind == Node::Kind::Map) {
    int at = root.indexOf("useDotenv");
    if (at >= 0 && resolver.resolveDeep(root.children[at], "useDotenv")) {
      const Node& value = root.children[at];
      useDotenv = (value.kind == Node::Kind::Bool && value.boolean) ||
                  (value.kind == Node::Kind::String && value.text == "true");
    }
  }
  project.useDotenv = useDotenv;
  if (useDotenv) {
    loadDotenv(resolver, resolved, project.serviceDir, stage, configName, errors,
               project.sourceFiles);
  }

  ModelBuilder builder(root, resolver, resolved, errors, project.warnings);
  builder.build(project);
  for (const auto& file : resolver.filesRead()) project.sourceFiles.push_back(file);
  if (!errors.empty()) return errors;
  return project;
}

}  // namespace nimbus::config
