#include "build/project_build.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "build/tool_run.h"
#include "core/file_text.h"
#include "core/hash.h"
#include "core/program_path.h"
#include "lambda/runtime_catalog.h"

namespace nimbus::build {

namespace fs = std::filesystem;
using config::BuildConfig;

namespace {

// A build that takes longer is stuck (a watch mode left on in a config, a prompt).
constexpr std::chrono::seconds kBuildLimit{300};

bool isNodeRuntime(const std::string& runtime) {
  return lambda::RuntimeCatalog::familyOf(runtime) == lambda::RuntimeFamily::NodeJs;
}
bool isPythonRuntime(const std::string& runtime) {
  return lambda::RuntimeCatalog::familyOf(runtime) == lambda::RuntimeFamily::Python;
}

std::string toolName(BuildConfig::Tool tool) {
  switch (tool) {
    case BuildConfig::Tool::Esbuild:
      return "esbuild";
    case BuildConfig::Tool::Webpack:
      return "webpack";
    case BuildConfig::Tool::Typescript:
      return "typescript";
    case BuildConfig::Tool::None:
      break;
  }
  return "";
}

long long elapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

bool hasBuildSteps(const config::ProjectConfig& project) {
  return project.build.tool != BuildConfig::Tool::None || project.python.requirements ||
         !project.python.wsgiApp.empty();
}

ProjectBuilder::ProjectBuilder(fs::path runtimesDir, std::string outputFolder)
    : runtimesDir_(std::move(runtimesDir)), outputFolder_(std::move(outputFolder)) {}

BuildOutput ProjectBuilder::build(const config::ProjectConfig& project, uint64_t revision) {
  // The same load asked again (serve reloads once the AWS port is known): the same output.
  if (last_ && lastRevision_ == revision) {
    BuildOutput again = *last_;
    again.reused = true;
    return again;
  }
  BuildOutput out;
  out.nodeCodeDirectory = project.serviceDir;
  buildNode(project, revision, out);
  if (project.python.requirements) installRequirements(project, out);
  if (!project.python.wsgiApp.empty()) {
    out.pythonPaths.push_back(runtimesDir_ / "python" / "wsgi");
    out.pythonEnvironment.emplace_back("NIMBUS_WSGI_APP", project.python.wsgiApp);
  }
  last_ = out;
  lastRevision_ = revision;
  return out;
}

void ProjectBuilder::buildNode(const config::ProjectConfig& project, uint64_t revision,
                               BuildOutput& out) {
  if (project.build.tool == BuildConfig::Tool::None) return;
  nlohmann::json functions = nlohmann::json::array();
  for (const auto& f : project.functions) {
    if (!isNodeRuntime(f.runtime)) continue;
    functions.push_back({{"key", f.key}, {"handler", f.handler}, {"runtime", f.runtime}});
  }
  if (functions.empty()) return;

  if (!installProjectPackages(project, out)) return;
  fs::path buildRoot = project.serviceDir / ".nimbus" / outputFolder_;
  fs::path output = buildRoot / std::to_string(revision);
  std::error_code ec;
  fs::remove_all(output, ec);
  fs::create_directories(output, ec);
  if (ec) {
    out.ok = false;
    out.log = fmt::format("cannot create {}: {}\n", output.string(), ec.message());
    return;
  }
  nlohmann::json request = {
      {"tool", toolName(project.build.tool)},
      {"plugin", project.build.plugin},
      {"serviceDir", project.serviceDir.string()},
      {"outDir", output.string()},
      {"service", project.service},
      {"stage", project.stage},
      {"region", project.region},
      {"settings", nlohmann::json::parse(project.build.settingsJson, nullptr, false)},
      {"functions", functions},
  };
  fs::path requestFile = buildRoot / fmt::format("request-{}.json", revision);
  std::ofstream(requestFile) << request.dump();

  auto started = std::chrono::steady_clock::now();
  ToolRun run =
      runTool({"node", (runtimesDir_ / "build" / "build.js").string(), requestFile.string()},
              project.serviceDir, {}, kBuildLimit);
  fs::remove(requestFile, ec);
  out.log += run.output;
  if (!run.ok()) {
    out.ok = false;
    fs::remove_all(output, ec);
    if (!run.started || run.exitCode == 127) {
      out.log += "Node.js (node) is needed to run " + project.build.plugin + "\n";
    }
    return;
  }
  out.nodeCodeDirectory = output;
  out.nodeBuilt = true;
  out.summary = fmt::format("{} built {} function{} in {} ms", project.build.plugin,
                            functions.size(), functions.size() == 1 ? "" : "s", elapsedMs(started));
  // Keep this output and the one environments of the previous load may still be running.
  for (const auto& entry : fs::directory_iterator(buildRoot, ec)) {
    if (entry.path() != output && entry.path() != lastGoodOutput_ && entry.is_directory()) {
      fs::remove_all(entry.path(), ec);
    }
  }
  lastGoodOutput_ = output;
}

bool ProjectBuilder::installProjectPackages(const config::ProjectConfig& project,
                                            BuildOutput& out) {
  const fs::path& dir = project.serviceDir;
  std::error_code ec;
  if (fs::exists(dir / "node_modules", ec) || !fs::exists(dir / "package.json", ec)) return true;
  // The build tool is one of the project's devDependencies: install them as the project's
  // package manager would, from its lock file, rather than fail on a fresh clone.
  // pnpm and yarn only where they are installed; npm reads the same package.json otherwise.
  std::vector<std::string> argv;
  if (fs::exists(dir / "pnpm-lock.yaml", ec) && !findInPath("pnpm").empty()) {
    argv = {"pnpm", "install", "--frozen-lockfile"};
  } else if (fs::exists(dir / "yarn.lock", ec) && !findInPath("yarn").empty()) {
    argv = {"yarn", "install", "--frozen-lockfile"};
  } else if (fs::exists(dir / "package-lock.json", ec) ||
             fs::exists(dir / "npm-shrinkwrap.json", ec)) {
    argv = {"npm", "ci", "--no-audit", "--no-fund"};
  } else {
    argv = {"npm", "install", "--no-audit", "--no-fund"};
  }
  std::string command;
  for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
  fmt::print("{}: node_modules is missing; installing the project's packages with {}\n",
             project.build.plugin, command);
  std::fflush(stdout);
  ToolRun run = runTool(argv, dir, {}, kBuildLimit);
  if (run.ok()) return true;
  out.ok = false;
  out.log += run.output;
  out.log += fmt::format("{} failed{}; install the project's packages yourself and save a file\n",
                         command, run.started && run.exitCode != 127 ? "" : " to start");
  return false;
}

void ProjectBuilder::installRequirements(const config::ProjectConfig& project, BuildOutput& out) {
  bool pythonFunctions = false;
  for (const auto& f : project.functions) pythonFunctions |= isPythonRuntime(f.runtime);
  fs::path file = project.serviceDir / project.python.requirementsFile;
  // As the plugin: no requirements file (or no Python function), nothing to install.
  if (!pythonFunctions || !fs::is_regular_file(file)) return;
  fs::path target = project.serviceDir / ".nimbus" / "python-requirements";
  fs::path stamp = target / ".nimbus-requirements-sha256";
  std::string digest = hexEncode(sha256(readFileText(file).value_or("")));
  out.pythonPaths.push_back(target);
  if (fs::exists(stamp) && readFileText(stamp) == digest) return;  // Installed already.

  std::error_code ec;
  fs::remove_all(target, ec);
  fs::create_directories(target, ec);
  auto started = std::chrono::steady_clock::now();
  // Few retries: where the package index is unreachable the answer should come in seconds.
  ToolRun run =
      runTool({"python3", "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
               "--retries", "1", "--timeout", "15", "-r", file.string(), "-t", target.string()},
              project.serviceDir, {}, kBuildLimit);
  if (!run.ok()) {
    out.ok = false;
    out.log += run.output;
    out.log += fmt::format(
        "serverless-python-requirements: pip could not install {} (pip exited {}); functions "
        "that import these packages will fail until it can\n",
        project.python.requirementsFile,
        run.started ? std::to_string(run.exitCode) : std::string("without starting"));
    if (run.output.find("No module named pip") != std::string::npos) {
      out.log += "install pip for python3 (Debian: apt-get install python3-pip)\n";
    }
    return;
  }
  std::ofstream(stamp) << digest;
  std::string note = fmt::format("serverless-python-requirements installed {} in {} ms",
                                 project.python.requirementsFile, elapsedMs(started));
  out.summary = out.summary.empty() ? note : out.summary + "; " + note;
}

}  // namespace nimbus::build
