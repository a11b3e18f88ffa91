// `nimbus doctor`: reads the project as `nimbus serve` would (same --config, --stage, --region)
// and reports what will run and what will not, without starting anything: each function with
// its runtime, whether the interpreter is installed and the handler's file found; the routes,
// event sources and resources it creates; serverless-lift constructs; and every warning about
// what nimbus ignores, with its reason. Exit code: 0 when everything will run, 1 when something
// will not, 2 when the configuration has errors.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/project.h"

namespace nimbus::lambda {
class RuntimeCatalog;
}

namespace nimbus::client {

struct DoctorOptions {
  std::filesystem::path configFile = "serverless.yml";
  std::optional<std::string> stage;
  std::optional<std::string> region;
};

struct DoctorReport {
  std::string text;  // What `nimbus doctor` prints.
  int exitCode = 0;  // 0 everything will run, 1 something will not.
};

// The report for a project that loaded. `runtimes` tells which interpreters are installed.
DoctorReport diagnoseProject(const config::ProjectConfig& project,
                             const lambda::RuntimeCatalog& runtimes);

// Loads the project, prints the report (or the configuration errors) and returns the exit code.
int runDoctor(const DoctorOptions& options);

}  // namespace nimbus::client
