// Packaging a Serverless Framework service as the Framework does (`serverless package`): a zip
// of the service folder, minus the Framework's default excludes, filtered by `package.patterns`
// (and the older include/exclude), once for the service or once per function with
// `package.individually`, or a prebuilt `package.artifact` taken as it is.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/project.h"

namespace nimbus::client {

// What the Framework always leaves out, plus nimbus's own data folder.
const std::vector<std::string>& defaultExcludes();

// A file of the service folder, as packaging sees it.
struct ServiceFile {
  std::string path;              // Relative to the service folder, '/'-separated.
  std::filesystem::path source;  // Where its contents are read from.
  bool executable = false;       // The owner may execute it.
};

// Every file below `dir`, symlinks followed (their targets' contents and modes count, as the
// Framework's globbing with `follow: true` does; a link that loops back is not entered again),
// sorted by path. Sockets and devices are left out.
std::vector<ServiceFile> listServiceFiles(const std::filesystem::path& dir);

// The globs the Framework applies, in order, for the service package (`function` null) or for
// one function packaged individually: every exclude turned into "!glob" (the defaults, the
// configuration file, `.env*` with useDotenv, package.exclude), then package.include and
// package.patterns of the service and then of the function, duplicates dropped as lodash's
// union does, and last the dev-dependency excludes, which nothing can re-include.
std::vector<std::string> packagePatterns(const config::ProjectConfig& project,
                                         const config::FunctionConfig* function,
                                         const std::vector<std::string>& devDependencyExcludes);

// The files `patterns` keep: every file starts included, and each pattern in turn includes the
// files it matches ("!glob": excludes them), so the last matching pattern wins. An invalid glob
// is reported in `problem` (and nothing is selected).
std::vector<ServiceFile> selectFiles(const std::vector<ServiceFile>& files,
                                     const std::vector<std::string>& patterns,
                                     std::string* problem = nullptr);

// A deployment package, and the two facts Lambda derives from it.
struct Artifact {
  std::string zip;
  std::string codeSha256;  // base64(SHA-256(zip)), Lambda's CodeSha256.
  std::string origin;      // For people: "service package, 12 files", "artifact build/x.zip".
};

struct PackageResult {
  // Function key -> its package; functions that share the service package share one Artifact.
  std::map<std::string, std::shared_ptr<const Artifact>> artifacts;
  std::vector<std::string> warnings;
  // Problems of the configuration (a glob that does not compile, an artifact that does not
  // exist, patterns that keep no file), each with file, line and key: exit 2.
  std::vector<config::ConfigError> errors;
  // Failures at run time (a file that cannot be read): exit 1.
  std::vector<std::string> failures;
};

// Packages `functions` (all of the project's when empty) of `project`. `buildOutput`, when the
// project's build plugin built it, is laid over each package: its files are added, and replace
// the service's files of the same path, as a build plugin's package holds what it built; the
// project's node_modules is then left out (a bundle carries what it uses).
PackageResult packageFunctions(const config::ProjectConfig& project,
                               const std::vector<std::string>& functionKeys = {},
                               const std::filesystem::path& buildOutput = {});

// Lambda's CodeSha256 of a zip: its SHA-256, base64.
std::string codeSha256(const std::string& zip);

}  // namespace nimbus::client
