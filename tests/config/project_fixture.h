// A temporary service folder with real files, and loadProject() run against it with an injected
// environment, so that tests never depend on the machine's own variables.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "config/project.h"
#include "core/ids.h"

namespace nimbus::config::testing {

class ProjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("nimbus-config-test-" + randomHex(16));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` (a leading newline dropped, so that line 1 is the first line written).
  void write(const std::string& name, std::string text) {
    if (!text.empty() && text[0] == '\n') text.erase(0, 1);
    auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  LoadOptions options(const std::string& file = "serverless.yml") {
    LoadOptions options;
    options.configFile = dir_ / file;
    options.stage = stage_;
    options.region = region_;
    options.cliOptions = cli_;
    options.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return options;
  }

  std::variant<ProjectConfig, std::vector<ConfigError>> load(const std::string& yaml) {
    write("serverless.yml", yaml);
    return loadProject(options());
  }

  // Loads and expects success; on failure the test fails listing the errors.
  ProjectConfig ok(const std::string& yaml) {
    auto result = load(yaml);
    if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
      std::string all;
      for (const auto& error : *errors) all += "\n  " + error.format();
      ADD_FAILURE() << "expected the configuration to load, got:" << all;
      return {};
    }
    return std::get<ProjectConfig>(result);
  }

  // Loads and expects failure.
  std::vector<ConfigError> failing(const std::string& yaml) {
    auto result = load(yaml);
    if (std::holds_alternative<ProjectConfig>(result)) {
      ADD_FAILURE() << "expected errors, the configuration loaded";
      return {};
    }
    return std::get<std::vector<ConfigError>>(result);
  }

  static std::string describe(const std::vector<ConfigError>& errors) {
    std::string all;
    for (const auto& error : errors) all += "\n  " + error.format();
    return all;
  }

  // The one error with that key, or a test failure.
  static ConfigError errorAt(const std::vector<ConfigError>& errors, const std::string& key) {
    const ConfigError* found = nullptr;
    for (const auto& error : errors) {
      if (error.key != key) continue;
      EXPECT_EQ(found, nullptr) << "more than one error for " << key << describe(errors);
      found = &error;
    }
    if (!found) {
      ADD_FAILURE() << "no error for " << key << "; errors:" << describe(errors);
      return {};
    }
    return *found;
  }

  static std::string envValue(const FunctionConfig& function, const std::string& name) {
    for (const auto& [key, value] : function.environment) {
      if (key == name) return value;
    }
    ADD_FAILURE() << "no environment variable " << name;
    return "";
  }

  static bool hasEnv(const FunctionConfig& function, const std::string& name) {
    for (const auto& entry : function.environment) {
      if (entry.first == name) return true;
    }
    return false;
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  std::optional<std::string> stage_, region_;
  std::map<std::string, std::string> cli_;
};

}  // namespace nimbus::config::testing
