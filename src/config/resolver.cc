#include "config/resolver.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/constructs.h"
#include "config/text.h"
#include "core/ids.h"

namespace nimbus::config {

namespace {

// Past this many levels of "a value that resolves to more variables", v3 gives up; it is what
// turns self-including files and env values that name themselves into errors, not hangs.
constexpr int kMaxNesting = 10;

// Sources that read from AWS or other remote services. nimbus runs without them: their
// fallbacks are used, and without a fallback it is an error.
const std::set<std::string>& remoteSources() {
  static const std::set<std::string> sources = {"cf",        "s3",    "ssm",    "output",
                                                "terraform", "vault", "doppler"};
  return sources;
}

std::vector<std::string> splitDots(const std::string& address) {
  std::vector<std::string> keys;
  if (address.empty()) return keys;
  size_t start = 0;
  while (true) {
    size_t dot = address.find('.', start);
    keys.push_back(address.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return keys;
}

std::optional<size_t> listIndex(const std::string& key, size_t size) {
  if (key.empty() || key.size() > 9 || !std::all_of(key.begin(), key.end(), ::isdigit)) {
    return std::nullopt;
  }
  size_t index = std::stoul(key);
  if (index >= size) return std::nullopt;
  return index;
}

void setNesting(Node& node, int nesting) {
  if (node.kind == Node::Kind::String) {
    if (node.state == Node::State::Pending) node.nesting = nesting;
    return;
  }
  for (auto& child : node.children) setNesting(child, nesting);
}

std::string joinReasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& reason : reasons) {
    if (!out.empty()) out += "; ";
    out += reason;
  }
  return out;
}

}  // namespace

std::string childPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string itemPath(const std::string& parent, size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string warningText(const SourceLocation& where, const std::string& text) {
  if (where.line > 0) return fmt::format("{}:{}: {}", where.file, where.line, text);
  return fmt::format("{}: {}", where.file, text);
}

Resolver::Resolver(Node& root, std::filesystem::path serviceDir, const LoadOptions& options,
                   std::vector<ConfigError>& errors, std::vector<std::string>& warnings)
    : root_(root),
      serviceDir_(std::move(serviceDir)),
      options_(options),
      errors_(errors),
      warnings_(warnings),
      cliOptions_(options.cliOptions) {
  if (options.stage) cliOptions_["stage"] = *options.stage;
  if (options.region) cliOptions_["region"] = *options.region;
}

std::string Resolver::displayName(const std::filesystem::path& file) const {
  auto relative = file.lexically_relative(serviceDir_);
  if (!relative.empty() && *relative.begin() != "..") return relative.generic_string();
  return file.string();
}

void Resolver::error(const Context& ctx, std::string message) {
  errors_.push_back({ctx.where, ctx.path, std::move(message)});
}

bool Resolver::resolveShallow(Node& node, const std::string& path) {
  switch (node.state) {
    case Node::State::Plain:
      return true;
    case Node::State::Failed:
      return false;
    case Node::State::InProgress:
      reportCycle(node, path);
      return false;
    case Node::State::Pending:
      break;
  }
  node.state = Node::State::InProgress;
  inProgress_.emplace_back(&node, path);
  std::optional<Node> value = evaluateString(node.text, {node.where, path, node.nesting});
  inProgress_.pop_back();
  if (!value) {
    node.state = Node::State::Failed;
    return false;
  }
  // A scalar is reported where it was referenced; a mapping keeps the locations of its entries
  // (in an included file, say), which is where their keys are written.
  SourceLocation where = node.where;
  node = std::move(*value);
  node.where = std::move(where);
  return true;
}

bool Resolver::resolveDeep(Node& node, const std::string& path) {
  if (!resolveShallow(node, path)) return false;
  bool ok = true;
  for (size_t i = 0; i < node.children.size(); ++i) {
    std::string sub =
        node.kind == Node::Kind::Map ? childPath(path, node.keys[i]) : itemPath(path, i);
    ok = resolveDeep(node.children[i], sub) && ok;
  }
  return ok;
}

void Resolver::reportCycle(const Node& node, const std::string& path) {
  std::string chain;
  auto it = std::find_if(inProgress_.begin(), inProgress_.end(),
                         [&](const auto& entry) { return entry.first == &node; });
  for (; it != inProgress_.end(); ++it) chain += it->second + " -> ";
  chain += path;
  errors_.push_back({node.where, path, fmt::format("circular reference: {}", chain)});
}

std::optional<Node> Resolver::evaluateString(const std::string& text, const Context& ctx) {
  if (ctx.depth > kMaxNesting) {
    error(ctx, fmt::format("variables nest more than {} levels deep (a value resolves to more "
                           "variables, again and again): most likely a circular reference",
                           kMaxNesting));
    return std::nullopt;
  }
  auto parsed = parseTemplate(text);
  if (auto* syntax = std::get_if<SyntaxError>(&parsed)) {
    error(ctx, "invalid variable syntax: " + syntax->message);
    return std::nullopt;
  }
  return evaluateTemplate(std::get<Template>(parsed), ctx);
}

std::optional<Node> Resolver::evaluateTemplate(const Template& tmpl, const Context& ctx) {
  if (tmpl.isSingleVariable()) return evaluateVariable(*tmpl.parts[0].variable, ctx);
  std::string out;
  for (const auto& part : tmpl.parts) {
    if (!part.variable) {
      out += part.text;
      continue;
    }
    auto value = evaluateVariable(*part.variable, ctx);
    if (!value) return std::nullopt;
    auto text = scalarToString(*value);
    if (!text) {
      error(ctx, fmt::format("{} resolves to {}, which cannot be part of a string",
                             part.variable->text, value->kindName()));
      return std::nullopt;
    }
    out += *text;
  }
  return Node::makeString(std::move(out), ctx.where);
}

std::optional<Node> Resolver::evaluateVariable(const VariableExpr& expr, const Context& ctx) {
  std::vector<std::string> reasons;
  bool skippedRemote = false;
  auto usingFallback = [&] {
    if (!skippedRemote) return;
    warnings_.push_back(warningText(
        ctx.where, fmt::format("{}: {} needs a remote source nimbus does not read; its fallback "
                               "is used",
                               ctx.path, expr.text)));
  };
  for (const auto& source : expr.sources) {
    switch (source.kind) {
      case VariableSource::Kind::Literal: {
        // v3 resolves a quoted fallback again like any other value: ${opt:x, '${self:a}'}.
        Node value = source.literal;
        value.where = ctx.where;
        value.markVariables();
        usingFallback();
        return finishValue(std::move(value), ctx);
      }
      case VariableSource::Kind::Nested: {
        auto value = evaluateVariable(*source.nested, ctx);
        if (value) usingFallback();
        return value;
      }
      case VariableSource::Kind::Typed: {
        SourceResult result = evaluateSource(source, ctx);
        if (result.outcome == Outcome::Failed) return std::nullopt;
        if (result.outcome == Outcome::Found) {
          usingFallback();
          return finishValue(std::move(result.value), ctx);
        }
        reasons.push_back(std::move(result.reason));
        skippedRemote = skippedRemote || result.unavailable;
        break;
      }
    }
  }
  error(ctx, fmt::format("cannot resolve {}: {}", expr.text, joinReasons(reasons)));
  return std::nullopt;
}

std::optional<Node> Resolver::finishValue(Node value, const Context& ctx) {
  if (value.kind == Node::Kind::String && value.state == Node::State::Pending) {
    Context inner{value.where.line > 0 ? value.where : ctx.where, ctx.path, ctx.depth + 1};
    return evaluateString(value.text, inner);
  }
  setNesting(value, ctx.depth + 1);
  return value;
}

std::optional<Node> Resolver::evaluateArgument(const Argument& argument, const Context& ctx) {
  if (argument.isLiteral) {
    Node value = argument.literal;
    value.where = ctx.where;
    return value;
  }
  return evaluateTemplate(argument.text, ctx);
}

Resolver::SourceResult Resolver::evaluateSource(const VariableSource& source, const Context& ctx) {
  SourceResult failed;
  std::vector<Node> params;
  for (const auto& param : source.params) {
    auto value = evaluateArgument(param, ctx);
    if (!value) return failed;
    params.push_back(std::move(*value));
  }
  std::optional<std::string> address;
  if (source.hasAddress) {
    auto value = evaluateArgument(source.address, ctx);
    if (!value) return failed;
    address = scalarToString(*value);
    if (!address) {
      error(ctx, fmt::format("the address of a ${{{}:}} variable resolves to {}; it must be a "
                             "string",
                             source.type, value->kindName()));
      return failed;
    }
  }
  const std::string& type = source.type;
  auto found = [](Node value) {
    SourceResult result;
    result.outcome = Outcome::Found;
    result.value = std::move(value);
    return result;
  };
  auto missing = [](std::string reason) {
    SourceResult result;
    result.outcome = Outcome::Missing;
    result.reason = std::move(reason);
    return result;
  };

  if (type == "env") {
    if (!address || address->empty()) {
      error(ctx, "${env:} needs the name of an environment variable");
      return failed;
    }
    auto value = lookupEnv(*address);
    if (!value) return missing(fmt::format("environment variable {} is not set", *address));
    Node node = Node::makeString(*value, ctx.where);
    node.markVariables();
    return found(std::move(node));
  }
  if (type == "opt") {
    if (!address || address->empty()) {
      Node all;
      all.kind = Node::Kind::Map;
      all.where = ctx.where;
      for (const auto& [name, value] : cliOptions_) {
        all.keys.push_back(name);
        all.keyLocations.push_back(ctx.where);
        all.children.push_back(Node::makeString(value, ctx.where));
      }
      return found(std::move(all));
    }
    auto it = cliOptions_.find(*address);
    if (it == cliOptions_.end()) {
      return missing(fmt::format("option --{} was not given", *address));
    }
    Node node = Node::makeString(it->second, ctx.where);
    node.markVariables();
    return found(std::move(node));
  }
  if (type == "self") return selfSource(address.value_or(""), ctx);
  if (type == "file") return fileSource(params, address, ctx);
  if (type == "construct") return constructSource(address.value_or(""), ctx);
  if (type == "param") {
    if (!address || address->empty()) {
      error(ctx, "${param:} needs the name of a parameter");
      return failed;
    }
    return paramSource(*address, ctx);
  }
  if (type == "sls") {
    if (address && *address == "stage") {
      auto value = stage();
      if (!value) return failed;
      return found(Node::makeString(*value, ctx.where));
    }
    if (address && *address == "instanceId") {
      if (instanceId_.empty()) instanceId_ = newUuid();
      return found(Node::makeString(instanceId_, ctx.where));
    }
    error(ctx, fmt::format("unsupported address '{}' for the sls source (stage, instanceId)",
                           address.value_or("")));
    return failed;
  }
  if (type == "aws") {
    if (address && *address == "region") {
      auto value = region();
      if (!value) return failed;
      return found(Node::makeString(*value, ctx.where));
    }
    if (address && *address == "accountId") {
      // nimbus's account, as in every ARN it forms.
      return found(Node::makeString("000000000000", ctx.where));
    }
    error(ctx, fmt::format("unsupported address '{}' for the aws source (region, accountId)",
                           address.value_or("")));
    return failed;
  }
  if (type == "strToBool") {
    std::optional<std::string> input;
    if (!params.empty()) input = scalarToString(params[0]);
    if (!input) {
      error(ctx, "${strToBool()} needs a string: true, false, 0 or 1");
      return failed;
    }
    std::string word = *input;
    word.erase(0, word.find_first_not_of(" \t\r\n"));
    word.erase(word.find_last_not_of(" \t\r\n") + 1);
    word = lower(word);
    if (word == "true" || word == "1") return found(Node::makeBool(true, ctx.where));
    if (word == "false" || word == "0") return found(Node::makeBool(false, ctx.where));
    error(ctx, fmt::format("invalid strToBool input: expected \"true\", \"false\", \"0\" or "
                           "\"1\", got \"{}\"",
                           *input));
    return failed;
  }
  if (remoteSources().count(type) != 0) {
    SourceResult result = missing(fmt::format(
        "the {} source reads from AWS or another remote service, which nimbus does not do", type));
    result.unavailable = true;
    return result;
  }
  error(ctx, fmt::format("unknown variable source '{}' (nimbus knows env, opt, self, file, sls, "
                         "aws, param, strToBool, construct)",
                         type));
  return failed;
}

Resolver::SourceResult Resolver::selfSource(const std::string& address, const Context& ctx) {
  SourceResult result = lookup(splitDots(address), ctx);
  // provider.stage and provider.region have defaults (dev, us-east-1) that the Framework fills in
  // before projects read them, so `${self:provider.stage}` works in a file that never sets it.
  if (result.outcome == Outcome::Missing &&
      (address == "provider.stage" || address == "provider.region")) {
    auto value = address == "provider.stage" ? stage() : region();
    if (!value) {
      result.outcome = Outcome::Failed;
      return result;
    }
    result.outcome = Outcome::Found;
    result.value = Node::makeString(*value, ctx.where);
    return result;
  }
  if (result.outcome == Outcome::Missing) {
    result.reason =
        fmt::format("'{}' is not defined in {}", address, displayName(options_.configFile));
  }
  return result;
}

Resolver::SourceResult Resolver::lookup(const std::vector<std::string>& keys, const Context&) {
  SourceResult result;
  result.outcome = Outcome::Missing;
  Node* current = &root_;
  std::string path;
  for (const auto& key : keys) {
    if (!resolveShallow(*current, path)) {
      result.outcome = Outcome::Failed;
      return result;
    }
    if (current->kind == Node::Kind::Map) {
      int index = current->indexOf(key);
      if (index < 0) return result;
      path = childPath(path, key);
      current = &current->children[index];
    } else if (current->kind == Node::Kind::Seq) {
      auto index = listIndex(key, current->children.size());
      if (!index) return result;
      path = itemPath(path, *index);
      current = &current->children[*index];
    } else {
      return result;
    }
  }
  if (!resolveDeep(*current, path)) {
    result.outcome = Outcome::Failed;
    return result;
  }
  // v3 treats a null value like a missing one, so that a fallback applies.
  if (current->kind == Node::Kind::Null) return result;
  result.outcome = Outcome::Found;
  result.value = *current;
  return result;
}

// Lift's variables depend only on where the construct lives and on the few settings that change
// its names, so only its type and those settings are read: a worker's environment may then name
// the worker's own queue without a cycle through the rest of the construct.
Resolver::SourceResult Resolver::constructSource(const std::string& address, const Context& ctx) {
  SourceResult result;
  size_t dot = address.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == address.size()) {
    error(ctx, fmt::format("${{construct:{}}} needs a construct and a property, as in "
                           "${{construct:jobs.queueUrl}}",
                           address));
    return result;
  }
  std::string id = address.substr(0, dot);
  std::string property = address.substr(dot + 1);
  auto setting = [&](const char* key) { return lookup({"constructs", id, key}, ctx); };
  SourceResult type = setting("type");
  if (type.outcome == Outcome::Failed) return type;
  auto typeName = type.outcome == Outcome::Found ? scalarToString(type.value) : std::nullopt;
  result.outcome = Outcome::Missing;
  if (!typeName) {
    result.reason = fmt::format("no construct named '{}' (with a type) under constructs", id);
    return result;
  }
  if (!isLiftConstructType(*typeName)) {
    result.reason = fmt::format("construct '{}' has the unknown type '{}'", id, *typeName);
    return result;
  }
  ConstructVariableInputs inputs;
  if (SourceResult fifo = setting("fifo"); fifo.outcome == Outcome::Found) {
    inputs.fifo = (fifo.value.kind == Node::Kind::Bool && fifo.value.boolean) ||
                  (fifo.value.kind == Node::Kind::String && fifo.value.text == "true");
  }
  inputs.publicPath = setting("publicPath").outcome == Outcome::Found;
  if (SourceResult domain = setting("domain"); domain.outcome == Outcome::Found) {
    const Node& value = domain.value.kind == Node::Kind::Seq && !domain.value.children.empty()
                            ? domain.value.children.front()
                            : domain.value;
    inputs.domain = scalarToString(value).value_or("");
  }
  std::string service;
  if (SourceResult name = lookup({"service"}, ctx); name.outcome == Outcome::Found) {
    if (name.value.kind == Node::Kind::Map) {
      int at = name.value.indexOf("name");
      if (at >= 0) service = scalarToString(name.value.children[at]).value_or("");
    } else {
      service = scalarToString(name.value).value_or("");
    }
  }
  auto currentStage = stage();
  auto currentRegion = region();
  if (!currentStage || !currentRegion) {
    result.outcome = Outcome::Failed;
    return result;
  }
  StackInfo stack{service, *currentStage, *currentRegion, options_.awsEndpointUrl};
  auto variables = liftConstructVariables(*typeName, id, inputs, stack);
  std::string names;
  for (const auto& [name, value] : variables) {
    if (name == property) {
      result.outcome = Outcome::Found;
      result.value = Node::makeString(value, ctx.where);
      return result;
    }
    names += (names.empty() ? "" : ", ") + name;
  }
  result.reason = names.empty()
                      ? fmt::format("the {} construct '{}' has no properties", *typeName, id)
                      : fmt::format("the {} construct '{}' has no property '{}' (it has {})",
                                    *typeName, id, property, names);
  return result;
}

Resolver::SourceResult Resolver::paramSource(const std::string& name, const Context& ctx) {
  SourceResult result;
  auto currentStage = stage();
  if (!currentStage) return result;
  result = lookup({"params", *currentStage, name}, ctx);
  if (result.outcome != Outcome::Missing) return result;
  result = lookup({"params", "default", name}, ctx);
  if (result.outcome != Outcome::Missing) return result;
  result.reason = fmt::format(
      "no parameter '{}' for stage '{}' (looked in params.{}.{} and "
      "params.default.{})",
      name, *currentStage, *currentStage, name, name);
  return result;
}

Resolver::SourceResult Resolver::fileSource(const std::vector<Node>& params,
                                            const std::optional<std::string>& address,
                                            const Context& ctx) {
  SourceResult result;
  if (params.empty() || params[0].kind != Node::Kind::String || params[0].text.empty()) {
    error(ctx, "${file()} needs the path of a file");
    return result;
  }
  const std::string& written = params[0].text;
  std::filesystem::path file = (serviceDir_ / written).lexically_normal();
  std::string extension = lower(file.extension().string());
  if (extension == ".js" || extension == ".cjs" || extension == ".mjs" || extension == ".ts") {
    error(ctx, fmt::format("${{file({})}}: nimbus does not run JavaScript to compute "
                           "configuration; use a YAML or JSON file",
                           written));
    return result;
  }
  bool missing = false;
  auto content = readFile(file, ctx, missing);
  if (missing) {
    result.outcome = Outcome::Missing;
    result.reason = fmt::format("file '{}' does not exist", written);
    return result;
  }
  if (!content) return result;
  if (!address || address->empty()) {
    if (content->kind == Node::Kind::Null) {
      result.outcome = Outcome::Missing;
      result.reason = fmt::format("file '{}' is empty", written);
      return result;
    }
    result.outcome = Outcome::Found;
    result.value = std::move(*content);
    return result;
  }
  Node current = std::move(*content);
  for (const auto& key : splitDots(*address)) {
    if (current.kind == Node::Kind::String && current.state == Node::State::Pending) {
      // A step through a value that is itself a variable, as v3 resolves it on the way.
      Context inner{current.where.line > 0 ? current.where : ctx.where, ctx.path, ctx.depth + 1};
      auto value = evaluateString(current.text, inner);
      if (!value) return result;
      current = std::move(*value);
    }
    std::optional<size_t> index;
    if (current.kind == Node::Kind::Map) {
      int at = current.indexOf(key);
      if (at >= 0) index = static_cast<size_t>(at);
    } else if (current.kind == Node::Kind::Seq) {
      index = listIndex(key, current.children.size());
    }
    if (!index) {
      result.outcome = Outcome::Missing;
      result.reason = fmt::format("'{}' is not defined in {}", *address, written);
      return result;
    }
    Node next = std::move(current.children[*index]);
    current = std::move(next);
  }
  if (current.kind == Node::Kind::Null) {
    result.outcome = Outcome::Missing;
    result.reason = fmt::format("'{}' is not defined in {}", *address, written);
    return result;
  }
  result.outcome = Outcome::Found;
  result.value = std::move(current);
  return result;
}

std::optional<Node> Resolver::readFile(const std::filesystem::path& file, const Context& ctx,
                                       bool& missing) {
  if (auto it = fileCache_.find(file); it != fileCache_.end()) return it->second;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    missing = true;
    return std::nullopt;
  }
  std::string display = displayName(file);
  if (std::filesystem::is_directory(file, ec)) {
    error(ctx, fmt::format("cannot read {}: it is a directory", display));
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) {
    error(ctx, fmt::format("cannot read {}", display));
    return std::nullopt;
  }
  if (std::find(filesRead_.begin(), filesRead_.end(), file) == filesRead_.end()) {
    filesRead_.push_back(file);
  }
  std::string extension = lower(file.extension().string());
  Node content;
  if (extension == ".yml" || extension == ".yaml") {
    auto parsed = parseYaml(buffer.str(), display);
    if (auto* problems = std::get_if<std::vector<ParseProblem>>(&parsed)) {
      for (auto& problem : *problems) {
        errors_.push_back({problem.where, ctx.path, std::move(problem.message)});
      }
      return std::nullopt;
    }
    content = std::move(std::get<Node>(parsed));
  } else if (extension == ".json" || extension == ".tfstate") {
    auto parsed = parseJson(buffer.str(), ctx.where);
    if (auto* problem = std::get_if<ParseProblem>(&parsed)) {
      error(ctx, fmt::format("cannot parse {}: {}", display, problem->message));
      return std::nullopt;
    }
    content = std::move(std::get<Node>(parsed));
  } else {
    // Any other file is read as plain text, as v3 does.
    content = Node::makeString(buffer.str(), {display, 1, 1});
    content.markVariables();
  }
  fileCache_.emplace(file, content);
  return content;
}

std::optional<std::string> Resolver::lookupEnv(const std::string& name) {
  std::optional<std::string> value;
  if (options_.getenv) {
    value = options_.getenv(name);
  } else if (const char* raw = std::getenv(name.c_str())) {
    value = raw;
  }
  if (value) return value;
  if (auto it = dotenv_.find(name); it != dotenv_.end()) return it->second;
  missingEnv_.insert(name);
  return std::nullopt;
}

std::optional<std::string> Resolver::stage() {
  if (options_.stage) return *options_.stage;
  Context ctx{{displayName(options_.configFile), 1, 1}, "provider.stage", 0};
  SourceResult result = lookup({"provider", "stage"}, ctx);
  if (result.outcome == Outcome::Failed) return std::nullopt;
  if (result.outcome == Outcome::Found) {
    auto text = scalarToString(result.value);
    if (text && !text->empty()) return text;
  }
  return "dev";
}

std::optional<std::string> Resolver::region() {
  if (options_.region) return *options_.region;
  Context ctx{{displayName(options_.configFile), 1, 1}, "provider.region", 0};
  SourceResult result = lookup({"provider", "region"}, ctx);
  if (result.outcome == Outcome::Failed) return std::nullopt;
  if (result.outcome == Outcome::Found) {
    auto text = scalarToString(result.value);
    if (text && !text->empty()) return text;
  }
  return "us-east-1";
}

}  // namespace nimbus::config
