// Builds a project's code the way its build and packaging plugins build it for `serverless
// deploy`, so that a project runs under nimbus without a step of its own: serverless-esbuild,
// serverless-webpack and serverless-plugin-typescript (run by runtimes/build/build.js with the
// tool from the project's node_modules), serverless-python-requirements (pip into a folder of
// nimbus's) and serverless-wsgi (nimbus's WSGI adapter, runtimes/python/wsgi).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/project.h"

namespace nimbus::build {

struct BuildOutput {
  bool ok = true;
  // What the tools printed (their errors and warnings, in their own words); empty when silent.
  std::string log;
  // Where Node.js functions run from (their LAMBDA_TASK_ROOT): the build's output folder, or the
  // service folder when the project has no build plugin or its build failed.
  std::filesystem::path nodeCodeDirectory;
  bool nodeBuilt = false;  // nodeCodeDirectory is a build's output.
  // Folders Python functions import from after their own code: the installed requirements and
  // the WSGI adapter (PYTHONPATH).
  std::vector<std::filesystem::path> pythonPaths;
  // Environment variables the functions of the project get in addition to their own.
  std::vector<std::pair<std::string, std::string>> pythonEnvironment;
  std::string summary;  // "serverless-esbuild built 3 functions in 140 ms", for the serve log.
  bool reused = false;  // The output of an earlier call for the same load, already reported.
};

class ProjectBuilder {
 public:
  // `runtimesDir` holds build/build.js and python/wsgi. Outputs go to the service folder's
  // .nimbus/`outputFolder`: serve and deploy keep theirs apart, so that a deploy while serving
  // leaves the served build alone.
  explicit ProjectBuilder(std::filesystem::path runtimesDir, std::string outputFolder = "build");

  // Builds `project` as load number `revision`. The output goes to a folder of its own under
  // the service folder's .nimbus/build (so that Node.js finds the project's node_modules above
  // it); the previous output is kept for environments still running it, older ones removed.
  BuildOutput build(const config::ProjectConfig& project, uint64_t revision);

 private:
  void buildNode(const config::ProjectConfig& project, uint64_t revision, BuildOutput& out);
  void installRequirements(const config::ProjectConfig& project, BuildOutput& out);
  // Runs the project's package manager when it has a package.json and no node_modules; false
  // (the failure in `out`) when that does not work.
  bool installProjectPackages(const config::ProjectConfig& project, BuildOutput& out);

  std::filesystem::path runtimesDir_;
  std::string outputFolder_;
  std::filesystem::path lastGoodOutput_;
  std::optional<BuildOutput> last_;
  uint64_t lastRevision_ = 0;
};

// True when `project` lists a plugin that builds or packages its code.
bool hasBuildSteps(const config::ProjectConfig& project);

}  // namespace nimbus::build
