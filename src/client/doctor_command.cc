#include "client/doctor_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <variant>
#include <vector>

#include "build/tool_run.h"
#include "lambda/runtime_catalog.h"

namespace nimbus::client {

namespace fs = std::filesystem;

namespace {

// One titled part of the report. Sections with no lines are left out.
struct Section {
  std::string title;
  std::vector<std::string> lines;
};

// Whether the handler's code is where the runtime will look for it, and what it looked for.
struct HandlerCheck {
  bool found = false;
  std::string detail;  // The file found, or the files looked for.
};

// How a file is named to people: relative to the service folder when it is inside it.
std::string shownPath(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  fs::path rel = fs::relative(file, dir, ec);
  return ec || rel.empty() ? file.string() : rel.string();
}

bool isFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// Node.js, as nimbus's bootstrap loads "dir/module.export": dir/module itself (a file, or a
// folder with index.js or package.json), then .js, .mjs and .cjs.
HandlerCheck nodeHandler(const fs::path& serviceDir, const std::string& handler) {
  size_t slash = handler.rfind('/');
  std::string base = slash == std::string::npos ? handler : handler.substr(slash + 1);
  std::string root = slash == std::string::npos ? "" : handler.substr(0, slash + 1);
  std::string module = base.substr(0, base.find('.'));
  fs::path stem = serviceDir / (root + module);
  std::error_code ec;
  if (isFile(stem)) return {true, shownPath(stem, serviceDir)};
  if (fs::is_directory(stem, ec)) {
    for (const char* entry : {"index.js", "package.json"}) {
      if (isFile(stem / entry)) return {true, shownPath(stem / entry, serviceDir)};
    }
  }
  for (const char* extension : {".js", ".mjs", ".cjs"}) {
    fs::path file = stem;
    file += extension;
    if (isFile(file)) return {true, shownPath(file, serviceDir)};
  }
  return {false, fmt::format("no {}.js, .mjs or .cjs", shownPath(stem, serviceDir))};
}

// A Node.js handler of a project with a build plugin: the build compiles its source, which may
// also be TypeScript, into the files the runtime loads.
HandlerCheck builtNodeHandler(const fs::path& serviceDir, const std::string& handler,
                              const std::string& plugin) {
  HandlerCheck check = nodeHandler(serviceDir, handler);
  size_t slash = handler.rfind('/');
  std::string base = slash == std::string::npos ? handler : handler.substr(slash + 1);
  std::string root = slash == std::string::npos ? "" : handler.substr(0, slash + 1);
  fs::path stem = serviceDir / (root + base.substr(0, base.find('.')));
  if (!check.found) {
    for (const char* extension : {".ts", ".tsx", ".mts", ".cts"}) {
      fs::path file = stem;
      file += extension;
      if (isFile(file)) {
        check = {true, shownPath(file, serviceDir)};
        break;
      }
    }
  }
  if (check.found) {
    check.detail += fmt::format(" (built by {})", plugin);
  } else {
    check.detail = fmt::format("no {}.ts, .js, .mjs or .cjs for {} to build",
                               shownPath(stem, serviceDir), plugin);
  }
  return check;
}

// Python, as the bootstrap imports "path/module.function": the module is everything before the
// last dot, with dots and slashes as folders; a file or a package.
HandlerCheck pythonHandler(const fs::path& serviceDir, const std::string& handler) {
  std::string module = handler.substr(0, handler.rfind('.'));
  std::replace(module.begin(), module.end(), '.', '/');
  fs::path file = serviceDir / (module + ".py");
  if (isFile(file)) return {true, shownPath(file, serviceDir)};
  fs::path package = serviceDir / module / "__init__.py";
  if (isFile(package)) return {true, shownPath(package, serviceDir)};
  return {false, fmt::format("no {}", shownPath(file, serviceDir))};
}

// The OS-only runtimes run the package's own `bootstrap` executable.
HandlerCheck providedBootstrap(const fs::path& serviceDir) {
  fs::path bootstrap = serviceDir / "bootstrap";
  if (isFile(bootstrap) && ::access(bootstrap.c_str(), X_OK) == 0) return {true, "bootstrap"};
  return {false, isFile(bootstrap) ? "bootstrap is not executable" : "no bootstrap executable"};
}

std::string interpreterName(lambda::RuntimeFamily family) {
  return family == lambda::RuntimeFamily::NodeJs ? "node" : "python3";
}

std::string interpreterLabel(lambda::RuntimeFamily family) {
  return family == lambda::RuntimeFamily::NodeJs ? "Node.js" : "Python";
}

// Functions: what runs them and where their code is. Adds to `problems` what will not run.
Section functionsSection(const config::ProjectConfig& project,
                         const lambda::RuntimeCatalog& runtimes,
                         std::vector<std::string>& problems) {
  Section section{fmt::format("functions ({})", project.functions.size()), {}};
  for (const auto& function : project.functions) {
    auto family = lambda::RuntimeCatalog::familyOf(function.runtime);
    std::vector<std::string> notes;
    bool runs = true;
    std::string runtime = function.runtime;
    if (family && *family != lambda::RuntimeFamily::Provided) {
      std::string version = runtimes.installedVersion(function.runtime);
      if (version.empty()) {
        runs = false;
        runtime += fmt::format(" (no `{}` found in PATH)", interpreterName(*family));
        problems.push_back(
            fmt::format("function {} will not run: its runtime {} needs `{}`, "
                        "which is not installed (not found in PATH)",
                        function.key, function.runtime, interpreterName(*family)));
      } else {
        runtime += fmt::format(" on {} {}", interpreterLabel(*family), version);
        if (!runtimes.versionWarning(function.runtime).empty()) {
          notes.push_back(
              fmt::format("note: {} names another version than the {} installed; "
                          "it runs on {}",
                          function.runtime, interpreterLabel(*family), version));
        }
      }
    }
    HandlerCheck code;
    if (!family) {
      code = {false, "unknown runtime"};
    } else if (*family == lambda::RuntimeFamily::NodeJs) {
      code = project.build.tool == config::BuildConfig::Tool::None
                 ? nodeHandler(project.serviceDir, function.handler)
                 : builtNodeHandler(project.serviceDir, function.handler, project.build.plugin);
    } else if (*family == lambda::RuntimeFamily::Python) {
      // serverless-wsgi's handler is the adapter nimbus ships, which serves custom.wsgi.app.
      code = !project.python.wsgiApp.empty() && function.handler == "wsgi_handler.handler"
                 ? HandlerCheck{true, fmt::format("nimbus's WSGI adapter serving {}",
                                                  project.python.wsgiApp)}
                 : pythonHandler(project.serviceDir, function.handler);
    } else {
      code = providedBootstrap(project.serviceDir);
    }
    if (!code.found) {
      runs = false;
      problems.push_back(fmt::format("function {} will not run: handler {} not found ({})",
                                     function.key, function.handler, code.detail));
    }
    section.lines.push_back(
        fmt::format("{} {}  ({})", runs ? "ok     " : "MISSING", function.key, function.name));
    section.lines.push_back(fmt::format("          runtime {}", runtime));
    section.lines.push_back(fmt::format("          handler {} -> {}", function.handler,
                                        code.found ? code.detail : "NOT FOUND: " + code.detail));
    for (const auto& note : notes) section.lines.push_back("          " + note);
  }
  return section;
}

// Routes and event source mappings, as `nimbus serve` creates them.
Section eventsSection(const config::ProjectConfig& project) {
  Section section{"events", {}};
  for (const auto& function : project.functions) {
    for (const auto& http : function.httpEvents) {
      if (http.kind == config::HttpEvent::Kind::HttpApi) {
        section.lines.push_back(fmt::format(
            "httpApi  {} -> {}",
            http.isDefaultRoute ? std::string("* (default route)") : http.method + " " + http.path,
            function.key));
      } else {
        // REST routes are served under the stage, as API Gateway's invoke URLs have it.
        section.lines.push_back(fmt::format("http     {} /{}{} -> {}", http.method, project.stage,
                                            http.path == "/" ? "" : http.path, function.key));
      }
    }
    for (const auto& sqs : function.sqsEvents) {
      std::string settings = fmt::format("batch size {}", sqs.batchSize);
      if (sqs.maximumBatchingWindow > 0) {
        settings += fmt::format(", batching window {} s", sqs.maximumBatchingWindow);
      }
      if (sqs.reportBatchItemFailures) settings += ", partial batch failures";
      if (sqs.maximumConcurrency) {
        settings += fmt::format(", at most {} at once", *sqs.maximumConcurrency);
      }
      if (!sqs.enabled) settings += ", disabled";
      section.lines.push_back(
          fmt::format("sqs      {} -> {} ({})", sqs.arn, function.key, settings));
    }
    for (const auto& sns : function.snsEvents) {
      section.lines.push_back(fmt::format(
          "sns      {} -> {}", sns.topicArn.empty() ? sns.topicName : sns.topicArn, function.key));
    }
    for (const auto& stream : function.streamEvents) {
      section.lines.push_back(fmt::format("stream   {} -> {} (batch size {}, from {})", stream.arn,
                                          function.key, stream.batchSize, stream.startingPosition));
    }
    for (const auto& s3 : function.s3Events) {
      std::string filters;
      if (!s3.prefix.empty()) filters += ", prefix " + s3.prefix;
      if (!s3.suffix.empty()) filters += ", suffix " + s3.suffix;
      section.lines.push_back(fmt::format("s3       {} {}{}{} -> {}", s3.bucket, s3.event, filters,
                                          s3.existing ? ", existing bucket" : "", function.key));
    }
    for (const auto& rule : function.eventRules) {
      std::string what =
          rule.scheduleExpression.empty()
              ? "pattern"
              : rule.scheduleExpression + (rule.eventPattern.empty() ? "" : " and a pattern");
      section.lines.push_back(fmt::format("{:<8} rule {} on {} ({}) -> {}{}", rule.type, rule.name,
                                          rule.busName, what, function.key,
                                          rule.enabled ? "" : ", disabled"));
    }
  }
  return section;
}

// Tables, queues, topics, subscriptions and buckets created at start.
Section resourcesSection(const config::ProjectConfig& project) {
  Section section{"resources", {}};
  for (const auto& table : project.tables) {
    section.lines.push_back(fmt::format("table         {}  ({})", table.name, table.path));
  }
  for (const auto& queue : project.queues) {
    std::string extra;
    if (auto redrive = queue.attributes.find("RedrivePolicy"); redrive != queue.attributes.end()) {
      extra = ", dead letters: " + redrive->second;
    }
    section.lines.push_back(fmt::format("queue         {}  ({}{})", queue.name, queue.path, extra));
  }
  for (const auto& topic : project.topics) {
    section.lines.push_back(fmt::format("topic         {}  ({})", topic.name, topic.path));
  }
  for (const auto& subscription : project.subscriptions) {
    section.lines.push_back(fmt::format("subscription  {} -> {} {}  ({})", subscription.topicArn,
                                        subscription.protocol, subscription.endpoint,
                                        subscription.path));
  }
  for (const auto& bucket : project.buckets) {
    if (bucket.existing) continue;
    std::string extra;
    if (!bucket.versioning.empty()) extra += ", versioning " + bucket.versioning;
    if (bucket.eventBridge) extra += ", events to EventBridge";
    section.lines.push_back(
        fmt::format("bucket        {}  ({}{})", bucket.name, bucket.path, extra));
  }
  return section;
}

// serverless-lift constructs: what each became, or what of it is not served yet, and the values
// of its ${construct:} variables.
Section constructsSection(const config::ProjectConfig& project) {
  Section section{"constructs (serverless-lift)", {}};
  for (const auto& construct : project.constructs) {
    std::string state = construct.served ? "served" : "NOT SERVED YET: " + construct.notServed;
    section.lines.push_back(fmt::format("{} ({}): {}", construct.id, construct.type, state));
    if (!construct.functions.empty()) {
      std::string names;
      for (const auto& key : construct.functions) names += (names.empty() ? "" : ", ") + key;
      section.lines.push_back(fmt::format("    functions: {}", names));
    }
    for (const auto& [name, value] : construct.variables) {
      section.lines.push_back(
          fmt::format("    ${{construct:{}.{}}} = {}", construct.id, name, value));
    }
  }
  return section;
}

// Everything nimbus ignores or changes, each with file:line and its reason: plugins it does not
// load, event types and settings it does not serve yet, constructs it serves only in part.
Section warningsSection(const config::ProjectConfig& project) {
  Section section{
      fmt::format("warnings ({}): what nimbus ignores, and why", project.warnings.size()), {}};
  for (const auto& warning : project.warnings) section.lines.push_back(warning);
  return section;
}

// The version of a package in the project's node_modules, or "" when it is not there.
std::string installedPackage(const fs::path& serviceDir, const std::string& name) {
  std::ifstream in(serviceDir / "node_modules" / name / "package.json");
  if (!in) return "";
  auto manifest = nlohmann::json::parse(in, nullptr, false);
  if (!manifest.is_object()) return "?";
  return manifest.value("version", "?");
}

// What the build plugins will do before anything runs (build/project_build.h), and what they
// need: the project's own tools, pip.
Section buildSection(const config::ProjectConfig& project, std::vector<std::string>& problems) {
  using Tool = config::BuildConfig::Tool;
  Section section{"build", {}};
  const auto& build = project.build;
  if (build.tool != Tool::None) {
    size_t nodeFunctions = std::count_if(
        project.functions.begin(), project.functions.end(), [](const config::FunctionConfig& f) {
          return lambda::RuntimeCatalog::familyOf(f.runtime) == lambda::RuntimeFamily::NodeJs;
        });
    std::vector<std::string> tools =
        build.tool == Tool::Esbuild   ? std::vector<std::string>{"esbuild"}
        : build.tool == Tool::Webpack ? std::vector<std::string>{"webpack", "serverless-webpack"}
                                      : std::vector<std::string>{"typescript"};
    section.lines.push_back(fmt::format(
        "{} builds {} Node.js function{} into .nimbus/build at start and after every edit, and "
        "for nimbus deploy",
        build.plugin, nodeFunctions, nodeFunctions == 1 ? "" : "s"));
    bool hasModules = fs::exists(project.serviceDir / "node_modules");
    bool hasManifest = fs::exists(project.serviceDir / "package.json");
    for (const auto& tool : tools) {
      std::string version = installedPackage(project.serviceDir, tool);
      if (!version.empty()) {
        section.lines.push_back(fmt::format("  with the project's {} {}", tool, version));
      } else if (!hasModules && hasManifest) {
        section.lines.push_back(fmt::format(
            "  {}: not installed yet; nimbus installs the project's packages (node_modules is "
            "missing) before the first build",
            tool));
      } else {
        section.lines.push_back(fmt::format("  {}: not in the project's node_modules", tool));
        problems.push_back(
            fmt::format("{} needs {} in the project's node_modules: npm install "
                        "--save-dev {}",
                        build.plugin, tool, tool));
      }
    }
  }
  if (!project.python.wsgiApp.empty()) {
    section.lines.push_back(fmt::format(
        "serverless-wsgi: wsgi_handler.handler serves the WSGI application {} through nimbus's "
        "adapter",
        project.python.wsgiApp));
  }
  if (project.python.requirements) {
    fs::path file = project.serviceDir / project.python.requirementsFile;
    if (!fs::exists(file)) {
      section.lines.push_back(
          fmt::format("serverless-python-requirements: no {}, nothing to install",
                      project.python.requirementsFile));
    } else {
      auto pip = build::runTool({"python3", "-m", "pip", "--version"}, project.serviceDir, {},
                                std::chrono::seconds(30));
      if (pip.ok()) {
        section.lines.push_back(fmt::format(
            "serverless-python-requirements installs {} with pip into .nimbus/python-requirements",
            project.python.requirementsFile));
      } else {
        section.lines.push_back(
            fmt::format("serverless-python-requirements: {} needs pip, and python3 has none",
                        project.python.requirementsFile));
        problems.push_back(
            "serverless-python-requirements needs pip for python3 (Debian: apt-get install "
            "python3-pip)");
      }
    }
  }
  return section;
}

void append(std::string& out, const Section& section) {
  if (section.lines.empty()) return;
  out += "\n" + section.title + "\n";
  for (const auto& line : section.lines) out += "  " + line + "\n";
}

}  // namespace

DoctorReport diagnoseProject(const config::ProjectConfig& project,
                             const lambda::RuntimeCatalog& runtimes) {
  DoctorReport report;
  std::vector<std::string> problems;
  report.text = fmt::format("{}: service {}, stage {}, region {}\n",
                            shownPath(project.configFile, fs::current_path()), project.service,
                            project.stage, project.region);
  // The sections, in the order a reader checks them: the build first, since it decides which
  // files the handlers are in.
  append(report.text, buildSection(project, problems));
  append(report.text, functionsSection(project, runtimes, problems));
  append(report.text, eventsSection(project));
  append(report.text, resourcesSection(project));
  append(report.text, constructsSection(project));
  append(report.text, warningsSection(project));

  report.text += "\n";
  if (problems.empty()) {
    report.text += fmt::format("everything will run ({} functions)\n", project.functions.size());
  } else {
    report.text += fmt::format("{} problem{}:\n", problems.size(), problems.size() == 1 ? "" : "s");
    for (const auto& problem : problems) report.text += "  " + problem + "\n";
    report.exitCode = 1;
  }
  return report;
}

int runDoctor(const DoctorOptions& options) {
  config::LoadOptions load;
  load.configFile = options.configFile;
  load.stage = options.stage;
  load.region = options.region;
  // Queue URLs as `nimbus serve` forms them with its default host and AWS port.
  load.awsEndpointUrl = "http://127.0.0.1:4566";
  auto result = config::loadProject(load);
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&result)) {
    fmt::print("{}: the configuration has {} error{}; nimbus serve would not start:\n",
               options.configFile.string(), errors->size(), errors->size() == 1 ? "" : "s");
    for (const auto& e : *errors) fmt::print("  {}\n", e.format());
    return 2;
  }
  lambda::RuntimeCatalog runtimes(lambda::locateRuntimesDir());
  DoctorReport report = diagnoseProject(std::get<config::ProjectConfig>(result), runtimes);
  fmt::print("{}", report.text);
  return report.exitCode;
}

}  // namespace nimbus::client
