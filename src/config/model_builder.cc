#include "config/model_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "config/runtimes.h"
#include "config/text.h"

namespace nimbus::config {

namespace {

// AWS Lambda's limit on the total size of a function's environment variables.
constexpr size_t kEnvironmentLimitBytes = 4096;
constexpr size_t kFunctionNameLimit = 64;
constexpr size_t kDescriptionLimit = 256;

const std::set<std::string>& httpMethods() {
  static const std::set<std::string> methods = {"ANY",   "GET",  "POST",   "PUT",
                                                "PATCH", "HEAD", "DELETE", "OPTIONS"};
  return methods;
}

bool matches(const std::string& s, bool (*first)(char), bool (*rest)(char), size_t minSize = 1) {
  if (s.size() < minSize || !first(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), rest);
}
bool isAlpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool isAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool isAlnumHyphen(char c) {
  return isAlnum(c) || c == '-';
}
bool isNameChar(char c) {
  return isAlnum(c) || c == '-' || c == '_';
}
bool isEnvFirst(char c) {
  return isAlpha(c) || c == '_';
}
bool isEnvChar(char c) {
  return isAlnum(c) || c == '_';
}

std::vector<std::string> splitWords(const std::string& s) {
  std::vector<std::string> words;
  std::string word;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// path/module.export: the last path segment holds a module name, a dot, and an export.
bool isHandlerForm(const std::string& handler) {
  if (handler.empty()) return false;
  if (std::any_of(handler.begin(), handler.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    return false;
  }
  auto slash = handler.rfind('/');
  std::string last = slash == std::string::npos ? handler : handler.substr(slash + 1);
  auto dot = last.find('.');
  return dot != std::string::npos && dot > 0 && last.back() != '.';
}

// Checks a route path as API Gateway would: "/", "/items/{id}", "/{proxy+}".
std::optional<std::string> pathProblem(const std::string& path, bool allowTrailingSlash) {
  if (path.empty() || path[0] != '/') return "a path must start with '/'";
  if (std::any_of(path.begin(), path.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    return "a path cannot contain spaces";
  }
  if (path == "/") return std::nullopt;
  std::vector<std::string> segments;
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    bool last = i + 1 == segments.size();
    if (segment.empty()) {
      if (last && allowTrailingSlash) continue;
      return "a path cannot contain an empty segment ('//')";
    }
    if (segment.find_first_of("{}") == std::string::npos) continue;
    bool greedy = segment.size() > 3 && segment.compare(segment.size() - 2, 2, "+}") == 0;
    std::string name =
        segment.size() >= 2 ? segment.substr(1, segment.size() - (greedy ? 3 : 2)) : std::string();
    bool wellFormed = segment.front() == '{' && segment.back() == '}' && !name.empty() &&
                      std::all_of(name.begin(), name.end(), [](char c) {
                        return isAlnum(c) || c == '_' || c == '-' || c == '.';
                      });
    if (!wellFormed) {
      return fmt::format(
          "'{}' is not a valid path segment: a parameter is a whole segment, "
          "{{name}} or {{name+}}",
          segment);
    }
    if (greedy && !last) return fmt::format("{} must be the last segment of a path", segment);
  }
  return std::nullopt;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string locationText(const SourceLocation& where) {
  return where.line > 0 ? fmt::format("{}:{}", where.file, where.line) : where.file;
}

}  // namespace

ModelBuilder::ModelBuilder(Node& root, Resolver& resolver, const LoadOptions& options,
                           std::vector<ConfigError>& errors, std::vector<std::string>& warnings)
    : root_(root), resolver_(resolver), options_(options), errors_(errors), warnings_(warnings) {}

ModelBuilder::~ModelBuilder() = default;

void ModelBuilder::error(const SourceLocation& where, const std::string& path,
                         std::string message) {
  errors_.push_back({where, path, std::move(message)});
}

void ModelBuilder::report(const IntrinsicProblem& problem, const SourceLocation& fallback,
                          const std::string& path) {
  error(problem.where.line > 0 ? problem.where : fallback, path, problem.message);
}

void ModelBuilder::warn(const SourceLocation& where, const std::string& text) {
  warnings_.push_back(warningText(where, text));
}

ModelBuilder::Entry ModelBuilder::get(Node& map, const std::string& key,
                                      const std::string& mapPath) {
  Entry entry;
  entry.path = childPath(mapPath, key);
  if (map.kind != Node::Kind::Map) return entry;
  int index = map.indexOf(key);
  if (index < 0) return entry;
  entry.where = map.keyLocations[index];
  Node& value = map.children[index];
  if (!resolver_.resolveShallow(value, entry.path) ||
      (isIntrinsic(value) && !evaluateInPlace(value, entry.where, entry.path))) {
    entry.failed = true;
    return entry;
  }
  entry.node = &value;
  return entry;
}

bool ModelBuilder::evaluateInPlace(Node& node, const SourceLocation& where,
                                   const std::string& path) {
  if (!resolver_.resolveDeep(node, path)) return false;
  auto value = scope().evaluate(node);
  if (auto* problem = std::get_if<IntrinsicProblem>(&value)) {
    report(*problem, where, path);
    return false;
  }
  node = std::get<Node>(std::move(value));
  return true;
}

void ModelBuilder::build(ProjectConfig& project) {
  top_ = {resolver_.displayName(options_.configFile), 1, 1};
  if (!resolver_.resolveShallow(root_, "")) return;
  if (root_.kind != Node::Kind::Map) {
    error(top_, "",
          root_.kind == Node::Kind::Null
              ? "the file is empty: it needs at least service, provider and functions"
              : "the configuration must be a mapping (service, provider, functions, ...)");
    return;
  }
  checkTopLevelKeys();
  service_ = buildService();
  Settings provider;
  buildProvider(provider);
  project.service = service_;
  project.stage = stage_;
  project.region = resolver_.region().value_or("us-east-1");
  project.versionFunctions = provider.versionFunctions.value_or(true);
  buildPackage(get(root_, "package", ""), project.package, true);
  buildPlugins(project);
  buildFunctions(project, provider);
  buildConstructs(project, provider);
  checkRoutes();
  buildGatewaySettings(project);
  buildResources(project);
  buildSnsEventResources(project);
  buildS3EventResources(project);
}

void ModelBuilder::checkTopLevelKeys() {
  // Keys nimbus reads, and keys with no meaning for a local run (dashboard and CLI settings).
  static const std::set<std::string> known = {"service",
                                              "provider",
                                              "functions",
                                              "plugins",
                                              "useDotenv",
                                              "params",
                                              "frameworkVersion",
                                              "custom",
                                              "package",
                                              "resources",
                                              "variablesResolutionMode",
                                              "configValidationMode",
                                              "org",
                                              "app",
                                              "console",
                                              "dashboard",
                                              "deprecationNotificationMode",
                                              "disabledDeprecations",
                                              "constructs",
                                              "lift"};
  for (size_t i = 0; i < root_.keys.size(); ++i) {
    if (known.count(root_.keys[i]) == 0) {
      warn(root_.keyLocations[i],
           fmt::format("{} is not supported yet and is ignored", root_.keys[i]));
    }
  }
}

void ModelBuilder::warnUnsupportedKeys(const Node& map, const std::string& mapPath,
                                       std::initializer_list<std::string_view> used) {
  if (map.kind != Node::Kind::Map) return;
  for (size_t i = 0; i < map.keys.size(); ++i) {
    if (std::find(used.begin(), used.end(), map.keys[i]) != used.end()) continue;
    warn(map.keyLocations[i],
         fmt::format("{} is not supported yet and is ignored", childPath(mapPath, map.keys[i])));
  }
}

std::optional<std::string> ModelBuilder::stringSetting(const Entry& entry) {
  const Node& node = *entry.node;
  if (auto text = scalarToString(node)) return text;
  error(entry.where, entry.path,
        node.kind == Node::Kind::Null ? "has no value; expected a string"
                                      : fmt::format("must be a string, got {}", node.kindName()));
  return std::nullopt;
}

std::optional<int> ModelBuilder::integerSetting(const Entry& entry, int min, int max,
                                                const char* unit) {
  const Node& node = *entry.node;
  double value = 0;
  bool numeric = false;
  if (node.kind == Node::Kind::Number) {
    value = node.number;
    numeric = true;
  } else if (node.kind == Node::Kind::String) {
    // The Framework's schema validation coerces "512" (from ${opt:memory}, say) to a number.
    std::string text = trim(node.text);
    char* end = nullptr;
    if (!text.empty()) value = std::strtod(text.c_str(), &end);
    numeric = !text.empty() && end == text.c_str() + text.size();
  }
  if (!numeric || std::isnan(value)) {
    error(entry.where, entry.path,
          fmt::format("must be a whole number of {}, got {}", unit,
                      node.kind == Node::Kind::String ? "'" + node.text + "'" : node.kindName()));
    return std::nullopt;
  }
  if (value != std::floor(value)) {
    error(entry.where, entry.path,
          fmt::format("must be a whole number of {}, got {}", unit, formatNumber(value)));
    return std::nullopt;
  }
  if (value < min || value > max) {
    error(entry.where, entry.path,
          fmt::format("{} is outside the range AWS Lambda allows ({} to {} {})",
                      formatNumber(value), min, max, unit));
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::optional<bool> ModelBuilder::booleanSetting(const Entry& entry) {
  const Node& node = *entry.node;
  if (node.kind == Node::Kind::Bool) return node.boolean;
  // The Framework's schema validation coerces "true", "false", 1 and 0.
  if (node.kind == Node::Kind::String && (node.text == "true" || node.text == "false")) {
    return node.text == "true";
  }
  if (node.kind == Node::Kind::Number && (node.number == 0 || node.number == 1)) {
    return node.number == 1;
  }
  error(entry.where, entry.path,
        fmt::format("must be true or false, got {}",
                    node.kind == Node::Kind::String ? "'" + node.text + "'" : node.kindName()));
  return std::nullopt;
}

std::optional<std::vector<std::string>> ModelBuilder::stringListSetting(const Entry& entry) {
  Node& node = *entry.node;
  std::vector<std::string> values;
  if (node.kind == Node::Kind::Null) return values;
  if (node.isScalar()) {
    if (auto text = scalarToString(node)) return std::vector<std::string>{*text};
  }
  if (node.kind != Node::Kind::Seq) {
    error(entry.where, entry.path,
          fmt::format("must be a list of strings, got {}", node.kindName()));
    return std::nullopt;
  }
  bool ok = true;
  for (size_t i = 0; i < node.children.size(); ++i) {
    Node& item = node.children[i];
    std::string path = itemPath(entry.path, i);
    if (!resolver_.resolveShallow(item, path)) {
      ok = false;
      continue;
    }
    auto text = item.kind == Node::Kind::Null ? std::nullopt : scalarToString(item);
    if (!text) {
      error(item.where.line > 0 ? item.where : entry.where, path,
            fmt::format("must be a string, got {}", item.kindName()));
      ok = false;
      continue;
    }
    values.push_back(*text);
  }
  if (!ok) return std::nullopt;
  return values;
}

std::optional<std::string> ModelBuilder::runtimeSetting(const Entry& entry) {
  auto runtime = stringSetting(entry);
  if (!runtime) return std::nullopt;
  if (auto problem = runtimeProblem(*runtime)) {
    error(entry.where, entry.path, *problem);
    return std::nullopt;
  }
  return runtime;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ModelBuilder::environmentSetting(
    const Entry& entry) {
  Node& environment = *entry.node;
  std::vector<std::pair<std::string, std::string>> values;
  if (environment.kind == Node::Kind::Null) return values;
  if (environment.kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping of variable names to values, got {}",
                      environment.kindName()));
    return std::nullopt;
  }
  for (size_t i = 0; i < environment.keys.size(); ++i) {
    const std::string& name = environment.keys[i];
    const SourceLocation& where = environment.keyLocations[i];
    std::string path = childPath(entry.path, name);
    if (!matches(name, isEnvFirst, isEnvChar)) {
      error(where, path,
            fmt::format("'{}' is not a valid environment variable name (letters, digits and "
                        "underscores, not starting with a digit)",
                        name));
      continue;
    }
    if (isReservedEnvironmentName(name)) {
      error(where, path,
            fmt::format("{} is reserved: AWS Lambda sets it and rejects a configuration that "
                        "does",
                        name));
      continue;
    }
    Node& value = environment.children[i];
    if (!resolver_.resolveShallow(value, path)) continue;
    switch (value.kind) {
      case Node::Kind::String:
      case Node::Kind::Number:
      case Node::Kind::Bool:
        values.emplace_back(name, *scalarToString(value));
        break;
      case Node::Kind::Null:
        warn(where, fmt::format("{} has no value and is left unset", path));
        break;
      case Node::Kind::Map:
        if (isIntrinsic(value)) {
          // A name or ARN of the stack's resources. What nimbus cannot evaluate (an attribute
          // of a resource it does not run, Fn::ImportValue) leaves the variable unset rather
          // than the whole project unserved.
          if (!resolver_.resolveDeep(value, path)) break;
          auto evaluated = scope().evaluate(value);
          auto* problem = std::get_if<IntrinsicProblem>(&evaluated);
          auto text = problem ? std::nullopt : scalarToString(std::get<Node>(evaluated));
          if (text) {
            values.emplace_back(name, *text);
          } else {
            warn(where, fmt::format("{}: {}; the variable is left unset", path,
                                    problem ? problem->message : "the value is not a string"));
          }
          break;
        }
        [[fallthrough]];
      case Node::Kind::Seq:
        error(where, path,
              fmt::format("must be a string, number or boolean, got {}", value.kindName()));
        break;
    }
  }
  return values;
}

std::string ModelBuilder::buildService() {
  Entry entry = get(root_, "service", "");
  if (entry.failed) return "";
  if (!entry.node) {
    error(top_, "service",
          "is required: it names the project and starts every "
          "function's name");
    return "";
  }
  Entry name = entry;
  if (entry.node->kind == Node::Kind::Map) {
    warn(entry.where,
         "service: the object form (service: {name: ...}) is deprecated and the "
         "Serverless Framework v3 rejects it; write service: NAME");
    name = get(*entry.node, "name", "service");
    warnUnsupportedKeys(*entry.node, "service", {"name"});
    if (name.failed) return "";
    if (!name.node) {
      error(entry.where, "service.name", "is required");
      return "";
    }
  }
  auto service = stringSetting(name);
  if (!service) return "";
  if (!matches(*service, isAlpha, isAlnumHyphen, 2)) {
    error(name.where, name.path,
          fmt::format("service name '{}' is invalid: it must start with a letter and hold only "
                      "letters, digits and hyphens",
                      *service));
  }
  return *service;
}

void ModelBuilder::buildProvider(Settings& provider) {
  Entry entry = get(root_, "provider", "");
  Entry stage, region;
  if (!entry.node && !entry.failed) {
    error(top_, "provider", "is required (provider: {name: aws, runtime: ...})");
  } else if (entry.node && entry.node->kind != Node::Kind::Map) {
    error(
        entry.where, "provider",
        fmt::format("must be a mapping (name: aws, runtime: ...), got {}", entry.node->kindName()));
  } else if (entry.node) {
    Node& map = *entry.node;
    Entry name = get(map, "name", "provider");
    if (!name.node && !name.failed) {
      error(entry.where, "provider.name",
            "is required: nimbus runs AWS projects "
            "(name: aws)");
    } else if (name.node) {
      auto value = stringSetting(name);
      if (value && *value != "aws") {
        error(name.where, name.path,
              fmt::format("provider '{}' is not supported: nimbus runs AWS projects (name: aws)",
                          *value));
      }
    }
    Entry runtime = get(map, "runtime", "provider");
    if (runtime.node) provider.runtime = runtimeSetting(runtime);
    provider.runtimeGiven = runtime.node || runtime.failed;
    if (Entry memory = get(map, "memorySize", "provider"); memory.node) {
      provider.memorySizeMb = integerSetting(memory, 128, 10240, "MB");
    }
    if (Entry timeout = get(map, "timeout", "provider"); timeout.node) {
      provider.timeoutSeconds = integerSetting(timeout, 1, 900, "seconds");
    }
    if (Entry environment = get(map, "environment", "provider"); environment.node) {
      if (auto values = environmentSetting(environment)) provider.environment = *values;
    }
    if (Entry version = get(map, "versionFunctions", "provider"); version.node) {
      provider.versionFunctions = booleanSetting(version);
    }
    stage = get(map, "stage", "provider");
    region = get(map, "region", "provider");
    // The IAM settings (`iam`, and the older `iamRoleStatements`, `iamManagedPolicies` and
    // `role`) are accepted and not read: nimbus does not enforce IAM, so they change nothing,
    // and the variables in their statements are never resolved.
    warnUnsupportedKeys(
        map, "provider",
        {"name", "runtime", "stage", "region", "environment", "memorySize", "timeout",
         "versionFunctions", "apiGateway", "httpApi", "iam", "iamRoleStatements",
         "iamManagedPolicies", "role", "apiKeys", "usagePlan", "resourcePolicy"});
  }

  stage_ = resolver_.stage().value_or("dev");
  SourceLocation cli{top_.file, 0, 0};
  if (!matches(stage_, isAlnumHyphen, isAlnumHyphen)) {
    error(options_.stage ? cli : (stage.node ? stage.where : top_),
          options_.stage ? "--stage" : "provider.stage",
          fmt::format("stage '{}' is invalid: use letters, digits and hyphens", stage_));
  }
  if (auto name = resolver_.region()) {
    bool valid =
        name->size() >= 4 && name->size() < 32 &&
        std::all_of(name->begin(), name->end(),
                    [](char c) { return std::islower(c) || std::isdigit(c) || c == '-'; }) &&
        std::isdigit(static_cast<unsigned char>(name->back())) && name->find('-') == 2;
    if (!valid) {
      error(options_.region ? cli : (region.node ? region.where : top_),
            options_.region ? "--region" : "provider.region",
            fmt::format("'{}' is not an AWS region name (like us-east-1)", *name));
    }
  }
}

void ModelBuilder::buildPlugins(ProjectConfig& project) {
  Entry entry = get(root_, "plugins", "");
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  Node* list = entry.node;
  std::string listPath = "plugins";
  if (list->kind == Node::Kind::Map) {
    // The {localPath, modules} form.
    Entry modules = get(*list, "modules", "plugins");
    if (!modules.node) return;
    list = modules.node;
    listPath = modules.path;
  }
  if (list->kind != Node::Kind::Seq) {
    warn(entry.where, "plugins has an unexpected form and is ignored");
    return;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < list->children.size(); ++i) {
    Node& item = list->children[i];
    if (!resolver_.resolveShallow(item, itemPath(listPath, i))) continue;
    auto name = scalarToString(item);
    if (!name) continue;
    // nimbus reads these plugins' settings itself (custom.apiGatewayThrottling, constructs,
    // custom.apigwBinary).
    if (*name == "serverless-api-gateway-throttling" || *name == "serverless-lift" ||
        *name == "serverless-apigw-binary") {
      continue;
    }
    if (buildPlugin(project, *name, item.where, itemPath(listPath, i))) continue;
    names.push_back(*name);
  }
  if (!names.empty()) {
    warn(entry.where,
         fmt::format("plugins are not loaded by nimbus and are ignored: {}", join(names, ", ")));
  }
}

void ModelBuilder::buildFunctions(ProjectConfig& project, const Settings& provider) {
  Entry entry = get(root_, "functions", "");
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  Node* functions = entry.node;
  Node merged;
  if (functions->kind == Node::Kind::Seq) {
    // The Framework also takes a list of mappings (one per included file) and merges them.
    merged.kind = Node::Kind::Map;
    for (size_t i = 0; i < functions->children.size(); ++i) {
      Node& item = functions->children[i];
      std::string path = itemPath("functions", i);
      if (!resolver_.resolveShallow(item, path) || item.kind == Node::Kind::Null) continue;
      if (item.kind != Node::Kind::Map) {
        error(item.where, path,
              fmt::format("each item of a functions list must be a mapping "
                          "of functions, got {}",
                          item.kindName()));
        continue;
      }
      for (size_t j = 0; j < item.keys.size(); ++j) {
        int existing = merged.indexOf(item.keys[j]);
        if (existing >= 0) {
          merged.children[existing] = item.children[j];
          merged.keyLocations[existing] = item.keyLocations[j];
          continue;
        }
        merged.keys.push_back(item.keys[j]);
        merged.keyLocations.push_back(item.keyLocations[j]);
        merged.children.push_back(item.children[j]);
      }
    }
    functions = &merged;
  } else if (functions->kind != Node::Kind::Map) {
    error(entry.where, "functions",
          fmt::format("must be a mapping of function names to their settings, got {}",
                      functions->kindName()));
    return;
  }

  std::map<std::string, const FunctionConfig*> deployedNames;
  for (size_t i = 0; i < functions->keys.size(); ++i) {
    const std::string& key = functions->keys[i];
    const SourceLocation& where = functions->keyLocations[i];
    std::string path = childPath("functions", key);
    if (!matches(key, isNameChar, isNameChar)) {
      error(where, path,
            fmt::format("function name '{}' is invalid: use letters, digits, hyphens and "
                        "underscores",
                        key));
      continue;
    }
    Node& node = functions->children[i];
    if (!resolver_.resolveShallow(node, path)) continue;
    if (node.kind == Node::Kind::Null) {
      warn(where, fmt::format("{} has no settings and is ignored", path));
      continue;
    }
    if (node.kind != Node::Kind::Map) {
      error(where, path,
            fmt::format("must be a mapping of settings (handler, runtime, ...), got {}",
                        node.kindName()));
      continue;
    }
    buildFunction(project, provider, key, node, where, path);
  }
  for (const auto& function : project.functions) {
    auto [it, inserted] = deployedNames.emplace(function.name, &function);
    if (!inserted) {
      error(function.where, childPath("functions", function.key),
            fmt::format("the deployed name '{}' is already used by function '{}'", function.name,
                        it->second->key));
    }
  }
}

void ModelBuilder::buildFunction(ProjectConfig& project, const Settings& provider,
                                 const std::string& key, Node& node, const SourceLocation& keyWhere,
                                 const std::string& path) {
  FunctionConfig function;
  function.key = key;
  function.where = keyWhere;

  Entry runtime = get(node, "runtime", path);
  std::optional<std::string> runtimeName;
  if (runtime.node) {
    runtimeName = runtimeSetting(runtime);
  } else if (!runtime.failed) {
    runtimeName = provider.runtime;
    if (!provider.runtimeGiven) {
      error(keyWhere, runtime.path,
            "is not set, and neither is provider.runtime: one of them names the Lambda "
            "runtime (nodejs20.x, python3.12, ...)");
    }
  }
  function.runtime = runtimeName.value_or("");

  Entry handler = get(node, "handler", path);
  if (!handler.node && !handler.failed) {
    error(keyWhere, handler.path,
          "is required (e.g. handler.main: export main of handler.js or handler.py)");
  } else if (handler.node) {
    if (auto value = stringSetting(handler)) {
      function.handler = *value;
      bool anyForm = runtimeName && isProvidedRuntime(*runtimeName);
      if (!anyForm && !isHandlerForm(*value)) {
        error(handler.where, handler.path,
              fmt::format("handler '{}' must be of the form path/module.export (e.g. "
                          "src/handler.main)",
                          *value));
      }
    }
  }

  Entry name = get(node, "name", path);
  if (name.node) {
    if (auto value = stringSetting(name)) {
      function.name = *value;
      if (!matches(*value, isNameChar, isNameChar) || value->size() > kFunctionNameLimit) {
        error(name.where, name.path,
              fmt::format("'{}' is not a valid Lambda function name: at most {} letters, "
                          "digits, hyphens and underscores",
                          *value, kFunctionNameLimit));
      }
    }
  } else if (!name.failed) {
    function.name = fmt::format("{}-{}-{}", service_, stage_, key);
    if (function.name.size() > kFunctionNameLimit) {
      error(keyWhere, path,
            fmt::format("the function's name '{}' is longer than the {} characters AWS Lambda "
                        "allows; shorten it or set {}.name",
                        function.name, kFunctionNameLimit, path));
    }
  }

  std::optional<int> memory = provider.memorySizeMb;
  if (Entry entry = get(node, "memorySize", path); entry.node) {
    memory = integerSetting(entry, 128, 10240, "MB");
  }
  function.memorySizeMb = memory.value_or(1024);
  std::optional<int> timeout = provider.timeoutSeconds;
  if (Entry entry = get(node, "timeout", path); entry.node) {
    timeout = integerSetting(entry, 1, 900, "seconds");
  }
  function.timeoutSeconds = timeout.value_or(6);

  // Object.assign({}, provider.environment, function.environment): provider keys keep their
  // order, the function's values replace theirs, and its new keys follow.
  function.environment = provider.environment;
  Entry environment = get(node, "environment", path);
  if (environment.node) {
    if (auto values = environmentSetting(environment)) {
      for (auto& [variable, value] : *values) {
        auto it = std::find_if(function.environment.begin(), function.environment.end(),
                               [&](const auto& entry) { return entry.first == variable; });
        if (it != function.environment.end()) {
          it->second = value;
        } else {
          function.environment.emplace_back(variable, value);
        }
      }
    }
  }
  size_t environmentBytes = 0;
  for (const auto& [variable, value] : function.environment) {
    environmentBytes += variable.size() + value.size();
  }
  if (environmentBytes > kEnvironmentLimitBytes) {
    error(environment.node ? environment.where : keyWhere, environment.path,
          fmt::format("the environment variables take {} bytes; AWS Lambda allows {} in total",
                      environmentBytes, kEnvironmentLimitBytes));
  }

  if (Entry description = get(node, "description", path); description.node) {
    if (auto value = stringSetting(description)) {
      function.description = *value;
      if (value->size() > kDescriptionLimit) {
        error(description.where, description.path,
              fmt::format("is {} characters long; AWS Lambda allows {}", value->size(),
                          kDescriptionLimit));
      }
    }
  }

  if (Entry reserved = get(node, "reservedConcurrency", path); reserved.node) {
    function.reservedConcurrency = integerSetting(reserved, 0, 1000000, "concurrent invocations");
  }
  if (Entry provisioned = get(node, "provisionedConcurrency", path); provisioned.node) {
    function.provisionedConcurrency = integerSetting(provisioned, 0, 1000000, "environments");
  }
  if (Entry retries = get(node, "maximumRetryAttempts", path); retries.node) {
    function.maximumRetryAttempts = integerSetting(retries, 0, 2, "retries");
  }
  if (Entry age = get(node, "maximumEventAge", path); age.node) {
    function.maximumEventAgeSeconds = integerSetting(age, 60, 21600, "seconds");
  }
  if (Entry destinations = get(node, "destinations", path); destinations.node) {
    if (destinations.node->kind != Node::Kind::Map) {
      error(destinations.where, destinations.path, "must be a map with onSuccess and/or onFailure");
    } else {
      for (const char* key : {"onSuccess", "onFailure"}) {
        Entry target = get(*destinations.node, key, destinations.path);
        if (!target.node) continue;
        std::optional<std::string> value;
        if (target.node->kind == Node::Kind::Map) {
          // The object form: { type: function, arn: ... }.
          if (Entry arn = get(*target.node, "arn", target.path); arn.node)
            value = stringSetting(arn);
        } else {
          value = stringSetting(target);
        }
        if (value)
          (std::string(key) == "onSuccess" ? function.onSuccess : function.onFailure) = *value;
      }
      warnUnsupportedKeys(*destinations.node, destinations.path, {"onSuccess", "onFailure"});
    }
  }

  // The dead-letter target of failed async events: Lambda takes an SQS queue or an SNS topic.
  if (Entry onError = get(node, "onError", path); onError.node) {
    if (auto value = stringSetting(onError)) {
      if (value->rfind("arn:aws:sqs:", 0) != 0 && value->rfind("arn:aws:sns:", 0) != 0) {
        error(onError.where, onError.path,
              fmt::format("'{}' is not an SQS queue or SNS topic ARN", *value));
      } else {
        function.onError = *value;
      }
    }
  }

  // The Framework's HTTP API compiler reads the function's own httpApi.payload before the
  // provider's, although its schema does not list the key (it warns about it, then deploys it).
  if (Entry httpApi = get(node, "httpApi", path);
      httpApi.node && httpApi.node->kind != Node::Kind::Null) {
    if (httpApi.node->kind != Node::Kind::Map) {
      error(httpApi.where, httpApi.path,
            fmt::format("must be a mapping (payload), got {}", httpApi.node->kindName()));
    } else {
      function.httpApiPayloadV2 = httpApiPayloadV2(get(*httpApi.node, "payload", httpApi.path));
      warnUnsupportedKeys(*httpApi.node, httpApi.path, {"payload"});
    }
  }

  buildPackage(get(node, "package", path), function.package, false);
  buildEvents(function, get(node, "events", path));
  warnUnsupportedKeys(
      node, path,
      {"handler", "runtime", "environment", "memorySize", "timeout", "name", "events",
       "description", "maximumRetryAttempts", "maximumEventAge", "destinations", "onError",
       "package", "reservedConcurrency", "provisionedConcurrency", "httpApi"});
  project.functions.push_back(std::move(function));
}

void ModelBuilder::buildPackage(const Entry& entry, PackageConfig& package, bool serviceLevel) {
  if (!entry.node || entry.node->kind == Node::Kind::Null) return;
  package.where = entry.where;
  Node& map = *entry.node;
  if (map.kind != Node::Kind::Map) {
    error(entry.where, entry.path,
          fmt::format("must be a mapping (patterns, individually, artifact, ...), got {}",
                      map.kindName()));
    return;
  }
  for (auto [key, list] :
       {std::pair{"patterns", &package.patterns}, std::pair{"include", &package.include},
        std::pair{"exclude", &package.exclude}}) {
    Entry globs = get(map, key, entry.path);
    if (!globs.node) continue;
    if (auto values = stringListSetting(globs)) *list = std::move(*values);
  }
  if (Entry individually = get(map, "individually", entry.path); individually.node) {
    package.individually = booleanSetting(individually).value_or(false);
  }
  if (Entry artifact = get(map, "artifact", entry.path); artifact.node) {
    if (auto value = stringSetting(artifact)) {
      package.artifact = *value;
      package.artifactWhere = artifact.where;
      if (value->empty()) error(artifact.where, artifact.path, "must name a zip file");
    }
  }
  if (serviceLevel) {
    if (Entry devDependencies = get(map, "excludeDevDependencies", entry.path);
        devDependencies.node) {
      package.excludeDevDependencies = booleanSetting(devDependencies).value_or(true);
    }
    warnUnsupportedKeys(
        map, entry.path,
        {"patterns", "include", "exclude", "individually", "artifact", "excludeDevDependencies"});
  } else {
    warnUnsupportedKeys(map, entry.path,
                        {"patterns", "include", "exclude", "individually", "artifact"});
  }
}

void ModelBuilder::buildEvents(FunctionConfig& function, const Entry& events) {
  if (!events.node || events.node->kind == Node::Kind::Null) return;
  if (events.node->kind != Node::Kind::Seq) {
    error(events.where, events.path,
          fmt::format("must be a list of events, got {}", events.node->kindName()));
    return;
  }
  int scheduleNumber = 0;  // The Framework numbers a function's schedules from 1.
  for (size_t i = 0; i < events.node->children.size(); ++i) {
    Node& item = events.node->children[i];
    std::string path = itemPath(events.path, i);
    if (!resolver_.resolveShallow(item, path)) continue;
    if (item.kind == Node::Kind::String) {
      // `- alexaSkill`, `- http`: the Framework's schema flags the item ("unsupported function
      // event") and its compilers, which look for `event.<type>` on a mapping, pass it by. The
      // load goes on, as `serverless deploy` does.
      warn(item.where.line > 0 ? item.where : events.where,
           fmt::format("{}: the event '{}' is written as a plain string, which the Serverless "
                       "Framework does not compile; it is ignored (write it as a mapping: "
                       "'{}: ...')",
                       path, item.text, item.text));
      continue;
    }
    if (item.kind != Node::Kind::Map || item.keys.size() != 1) {
      error(item.where.line > 0 ? item.where : events.where, path,
            "each event must be a mapping with one key, its type (httpApi, http, sqs, ...)");
      continue;
    }
    const std::string& type = item.keys[0];
    const SourceLocation& where = item.keyLocations[0];
    std::string typePath = childPath(path, type);
    if (type != "httpApi" && type != "http" && type != "sqs" && type != "sns" && type != "stream" &&
        type != "s3" && type != "eventBridge" && type != "schedule") {
      warn(where, fmt::format("{} is not supported yet and is ignored", typePath));
      continue;
    }
    Node& value = item.children[0];
    if (!resolver_.resolveShallow(value, typePath)) continue;
    if (type == "s3") {
      if (isIntrinsic(value) && !evaluateInPlace(value, where, typePath)) continue;
      if (auto s3 = s3Event(value, where, typePath)) function.s3Events.push_back(std::move(*s3));
      continue;
    }
    if (type == "eventBridge") {
      eventBridgeEvent(function, value, where, typePath, i + 1);
      continue;
    }
    if (type == "schedule") {
      scheduleEvents(function, value, where, typePath, scheduleNumber);
      continue;
    }
    if (type == "sqs" || type == "sns" || type == "stream") {
      // `sqs: !GetAtt Jobs.Arn` names the queue as a plain ARN would.
      if (isIntrinsic(value) && !evaluateInPlace(value, where, typePath)) continue;
      if (type == "sqs") {
        if (auto sqs = sqsEvent(value, where, typePath)) function.sqsEvents.push_back(*sqs);
      } else if (type == "stream") {
        if (auto stream = streamEvent(value, where, typePath)) {
          function.streamEvents.push_back(std::move(*stream));
        }
      } else if (auto sns = snsEvent(value, where, typePath)) {
        function.snsEvents.push_back(*sns);
      }
      continue;
    }
    auto event = type == "httpApi" ? httpApiEvent(value, where, typePath)
                                   : restEvent(value, where, typePath);
    if (!event) continue;
    routes_.push_back({event->kind, event->method, event->path, function.key, where, typePath});
    function.httpEvents.push_back(std::move(*event));
  }
}

// `sqs: arn:aws:sqs:...` or `sqs: {arn, batchSize, maximumBatchingWindow,
// functionResponseType, enabled, maximumConcurrency}`, with the limits Lambda puts on an SQS
// event source mapping.
std::optional<SqsEvent> ModelBuilder::sqsEvent(Node& value, const SourceLocation& where,
                                               const std::string& path) {
  SqsEvent event;
  event.where = where;
  Entry arn{&value, where, path, false};
  if (value.kind == Node::Kind::Map) {
    arn = get(value, "arn", path);
    if (arn.failed) return std::nullopt;
    if (!arn.node) {
      error(where, path, "needs arn: the queue's ARN (arn:aws:sqs:REGION:ACCOUNT:NAME)");
      return std::nullopt;
    }
    if (Entry e = get(value, "batchSize", path); e.node) {
      if (auto v = integerSetting(e, 1, 10000, "messages")) event.batchSize = *v;
    }
    if (Entry e = get(value, "maximumBatchingWindow", path); e.node) {
      if (auto v = integerSetting(e, 0, 300, "seconds")) event.maximumBatchingWindow = *v;
    }
    if (Entry e = get(value, "functionResponseType", path); e.node) {
      if (auto v = stringSetting(e)) {
        if (*v != "ReportBatchItemFailures") {
          error(e.where, e.path, fmt::format("'{}' is not ReportBatchItemFailures", *v));
        } else {
          event.reportBatchItemFailures = true;
        }
      }
    }
    if (Entry e = get(value, "enabled", path); e.node) {
      if (auto v = booleanSetting(e)) event.enabled = *v;
    }
    if (Entry e = get(value, "maximumConcurrency", path); e.node) {
      event.maximumConcurrency = integerSetting(e, 2, 1000, "concurrent invocations");
    }
    warnUnsupportedKeys(value, path,
                        {"arn", "batchSize", "maximumBatchingWindow", "functionResponseType",
                         "enabled", "maximumConcurrency"});
  }
  auto text = stringSetting(arn);
  if (!text) return std::nullopt;
  if (text->rfind("arn:aws:sqs:", 0) != 0 || std::count(text->begin(), text->end(), ':') != 5) {
    error(arn.where, arn.path, fmt::format("'{}' is not an SQS queue ARN", *text));
    return std::nullopt;
  }
  event.arn = *text;
  if (event.batchSize > 10 && event.maximumBatchingWindow == 0) {
    error(where, path,
          "batchSize over 10 needs maximumBatchingWindow of at least 1 second (as Lambda "
          "requires for SQS)");
    return std::nullopt;
  }
  return event;
}

std::optional<HttpEvent> ModelBuilder::httpApiEvent(Node& value, const SourceLocation& where,
                                                    const std::string& path) {
  HttpEvent event;
  event.kind = HttpEvent::Kind::HttpApi;
  event.where = where;
  std::string method, routePath;
  SourceLocation pathWhere = where;
  std::string pathKey = path;
  if (value.kind == Node::Kind::String) {
    std::string text = trim(value.text);
    if (text == "*") {
      event.method = "ANY";
      event.path = "*";
      event.isDefaultRoute = true;
      return event;
    }
    auto words = splitWords(text);
    if (words.size() != 2) {
      error(where, path,
            fmt::format("'{}' is not a valid httpApi route: use '*' or 'METHOD /path' (e.g. "
                        "'GET /items/{{id}}')",
                        text));
      return std::nullopt;
    }
    method = words[0];
    routePath = words[1];
  } else if (value.kind == Node::Kind::Map) {
    Entry methodEntry = get(value, "method", path);
    Entry pathEntry = get(value, "path", path);
    event.throttling = routeThrottle(get(value, "throttling", path));
    event.authorizer = routeAuthorizer(get(value, "authorizer", path));
    privateRoute(get(value, "private", path), event.kind);
    warnUnsupportedKeys(value, path, {"method", "path", "throttling", "authorizer", "private"});
    if (methodEntry.failed || pathEntry.failed) return std::nullopt;
    if (!pathEntry.node) {
      error(where, pathEntry.path,
            "an httpApi event needs a path ('/items/{id}', or '*' for the default route)");
      return std::nullopt;
    }
    auto pathValue = stringSetting(pathEntry);
    if (!pathValue) return std::nullopt;
    std::optional<std::string> methodValue;
    if (methodEntry.node) {
      methodValue = stringSetting(methodEntry);
      if (!methodValue) return std::nullopt;
    }
    if (*pathValue == "*") {
      // v3: the default route takes every method; a specific one is an error.
      if (methodValue && *methodValue != "*") {
        error(pathEntry.where, pathEntry.path,
              "'*' is the default route, which takes every method: leave method out or set it "
              "to '*'");
        return std::nullopt;
      }
      event.method = "ANY";
      event.path = "*";
      event.isDefaultRoute = true;
      return event;
    }
    if (!methodValue) {
      error(where, methodEntry.path,
            "an httpApi event needs a method (GET, POST, ..., or '*' for any)");
      return std::nullopt;
    }
    method = *methodValue;
    routePath = *pathValue;
    pathWhere = pathEntry.where;
    pathKey = pathEntry.path;
  } else {
    error(where, path,
          fmt::format("must be '*', 'METHOD /path' or a mapping with method and path, got {}",
                      value.kindName()));
    return std::nullopt;
  }
  method = upper(method);
  if (method == "*") method = "ANY";
  if (httpMethods().count(method) == 0) {
    error(where, path,
          fmt::format("'{}' is not a method API Gateway routes (GET, POST, PUT, PATCH, DELETE, "
                      "HEAD, OPTIONS, ANY or '*')",
                      method));
    return std::nullopt;
  }
  if (auto problem = pathProblem(routePath, true)) {
    error(pathWhere, pathKey, fmt::format("invalid path '{}': {}", routePath, *problem));
    return std::nullopt;
  }
  event.method = method;
  event.path = routePath;
  return event;
}

std::optional<HttpEvent> ModelBuilder::restEvent(Node& value, const SourceLocation& where,
                                                 const std::string& path) {
  HttpEvent event;
  event.kind = HttpEvent::Kind::Rest;
  event.where = where;
  std::string method, routePath;
  SourceLocation pathWhere = where;
  std::string pathKey = path;
  if (value.kind == Node::Kind::String) {
    auto words = splitWords(value.text);
    if (words.size() != 2) {
      error(where, path,
            fmt::format("'{}' is not a valid http event: use 'METHOD path' (e.g. 'GET "
                        "users/{{id}}')",
                        trim(value.text)));
      return std::nullopt;
    }
    method = words[0];
    routePath = words[1];
  } else if (value.kind == Node::Kind::Map) {
    Entry methodEntry = get(value, "method", path);
    Entry pathEntry = get(value, "path", path);
    event.cors = restCors(get(value, "cors", path));
    event.throttling = routeThrottle(get(value, "throttling", path));
    event.lambdaAuthorizer = restAuthorizer(get(value, "authorizer", path));
    event.apiKeyRequired = privateRoute(get(value, "private", path), event.kind);
    event.lambdaIntegration = restIntegration(value, where, path, event.cors);
    warnUnsupportedKeys(value, path,
                        {"method", "path", "cors", "throttling", "authorizer", "private",
                         "integration", "request", "response"});
    if (methodEntry.failed || pathEntry.failed) return std::nullopt;
    bool complete = true;
    if (!pathEntry.node) {
      error(where, pathEntry.path, "an http event needs a path (e.g. users/{id})");
      complete = false;
    }
    if (!methodEntry.node) {
      error(where, methodEntry.path, "an http event needs a method (GET, POST, ..., or ANY)");
      complete = false;
    }
    if (!complete) return std::nullopt;
    auto methodValue = stringSetting(methodEntry);
    auto pathValue = stringSetting(pathEntry);
    if (!methodValue || !pathValue) return std::nullopt;
    method = *methodValue;
    routePath = *pathValue;
    pathWhere = pathEntry.where;
    pathKey = pathEntry.path;
  } else {
    error(where, path,
          fmt::format("must be 'METHOD path' or a mapping with method and path, got {}",
                      value.kindName()));
    return std::nullopt;
  }
  method = upper(method);
  if (method == "*") method = "ANY";
  if (httpMethods().count(method) == 0) {
    error(where, path,
          fmt::format("'{}' is not a method API Gateway routes (GET, POST, PUT, PATCH, DELETE, "
                      "HEAD, OPTIONS, ANY or '*')",
                      method));
    return std::nullopt;
  }
  // As the Framework does: one leading and one trailing slash are dropped, and the REST
  // resource path is rebuilt from the root.
  std::string normalized = routePath;
  if (!normalized.empty() && normalized.front() == '/') normalized.erase(0, 1);
  if (!normalized.empty() && normalized.back() == '/') normalized.pop_back();
  normalized = "/" + normalized;
  if (auto problem = pathProblem(normalized, false)) {
    error(pathWhere, pathKey, fmt::format("invalid path '{}': {}", routePath, *problem));
    return std::nullopt;
  }
  event.method = method;
  event.path = normalized;
  return event;
}

void ModelBuilder::checkRoutes() {
  std::map<std::string, const Route*> seen;
  for (const auto& route : routes_) {
    std::string key = fmt::format("{} {} {}", route.kind == HttpEvent::Kind::HttpApi ? "v2" : "v1",
                                  route.method, route.path);
    auto [it, inserted] = seen.emplace(key, &route);
    if (inserted) continue;
    error(route.where, route.keyPath,
          fmt::format("duplicate {} route '{} {}': function '{}' already has it ({})",
                      route.kind == HttpEvent::Kind::HttpApi ? "httpApi" : "http", route.method,
                      route.path, it->second->function, locationText(it->second->where)));
  }
}

}  // namespace nimbus::config
