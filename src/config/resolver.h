// Resolves Serverless Framework v3 variables in a configuration tree, lazily: a value is
// resolved when something asks for it (the model builder, or a ${self:} reference), so that
// sections nimbus ignores (resources, custom plugin settings) never fail on sources it cannot
// reach, such as ${cf:} or ${ssm:}.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/document.h"
#include "config/project.h"
#include "config/variable_syntax.h"

namespace nimbus::config {

// "provider" + "stage" -> "provider.stage"; a list index -> "events[2]".
std::string childPath(const std::string& parent, const std::string& key);
std::string itemPath(const std::string& parent, size_t index);

// "serverless.yml:9: " + text, the prefix of every warning.
std::string warningText(const SourceLocation& where, const std::string& text);

class Resolver {
 public:
  Resolver(Node& root, std::filesystem::path serviceDir, const LoadOptions& options,
           std::vector<ConfigError>& errors, std::vector<std::string>& warnings);

  // Makes `node` itself concrete: a string holding variables is replaced by what they resolve
  // to (which may be a mapping). What lies below is left for later. False when resolution
  // failed; the error is already recorded (once, where it arose).
  bool resolveShallow(Node& node, const std::string& path);
  // Resolves `node` and everything below it.
  bool resolveDeep(Node& node, const std::string& path);

  // Variables loaded from .env files; the process environment wins over them, as with dotenv.
  void setDotenv(std::map<std::string, std::string> values) { dotenv_ = std::move(values); }
  // Names ${env:} asked for and did not find, so far.
  const std::set<std::string>& missingEnv() const { return missingEnv_; }
  // ${sls:stage}: --stage, else provider.stage, else "dev". nullopt if provider.stage failed.
  std::optional<std::string> stage();
  std::optional<std::string> region();

  // Files read through ${file()}, absolute.
  const std::vector<std::filesystem::path>& filesRead() const { return filesRead_; }
  // How a file is named in messages: relative to the service folder when inside it.
  std::string displayName(const std::filesystem::path& file) const;

 private:
  struct Context {
    SourceLocation where;  // The string being resolved.
    std::string path;      // Its key path in the configuration.
    int depth = 0;
  };
  enum class Outcome { Found, Missing, Failed };
  struct SourceResult {
    Outcome outcome = Outcome::Failed;
    Node value;
    std::string reason;        // Why it was Missing.
    bool unavailable = false;  // Missing because nimbus cannot reach that source.
  };

  std::optional<Node> evaluateString(const std::string& text, const Context& ctx);
  std::optional<Node> evaluateTemplate(const Template& tmpl, const Context& ctx);
  std::optional<Node> evaluateVariable(const VariableExpr& expr, const Context& ctx);
  // A value that came back from a source still holding variables is resolved in turn.
  std::optional<Node> finishValue(Node value, const Context& ctx);
  SourceResult evaluateSource(const VariableSource& source, const Context& ctx);
  std::optional<Node> evaluateArgument(const Argument& argument, const Context& ctx);

  SourceResult selfSource(const std::string& address, const Context& ctx);
  SourceResult lookup(const std::vector<std::string>& keys, const Context& ctx);
  SourceResult fileSource(const std::vector<Node>& params,
                          const std::optional<std::string>& address, const Context& ctx);
  SourceResult paramSource(const std::string& name, const Context& ctx);
  // ${construct:ID.PROPERTY}, serverless-lift's variables (config/constructs.h).
  SourceResult constructSource(const std::string& address, const Context& ctx);
  std::optional<Node> readFile(const std::filesystem::path& file, const Context& ctx,
                               bool& missing);
  std::optional<std::string> lookupEnv(const std::string& name);

  void error(const Context& ctx, std::string message);
  void reportCycle(const Node& node, const std::string& path);

  Node& root_;
  std::filesystem::path serviceDir_;
  const LoadOptions& options_;
  std::vector<ConfigError>& errors_;
  std::vector<std::string>& warnings_;
  std::map<std::string, std::string> dotenv_;
  std::set<std::string> missingEnv_;
  std::map<std::string, std::string> cliOptions_;  // --stage and --region included.
  // Strings being resolved, innermost last: a reference back into one of them is a cycle.
  std::vector<std::pair<const Node*, std::string>> inProgress_;
  std::map<std::filesystem::path, Node> fileCache_;
  std::vector<std::filesystem::path> filesRead_;
  std::string instanceId_;
};

}  // namespace nimbus::config
