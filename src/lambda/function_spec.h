// What the Lambda core needs to know to run one function version. Built from serverless.yml by
// the server (and later from the Lambda API); the core never reads configuration files itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::lambda {

// Lambda's EventInvokeConfig: how asynchronous invocations of a function are retried and where
// their records go. Unset values take Lambda's defaults.
struct EventInvokeConfig {
  std::optional<int> maximumRetryAttempts;    // 0-2, default 2
  std::optional<int> maximumEventAgeSeconds;  // 60-21600, default 21600
  std::string onSuccess;                      // Destination ARN, empty when none.
  std::string onFailure;
  std::chrono::system_clock::time_point lastModified{};

  int retryAttempts() const { return maximumRetryAttempts.value_or(2); }
  int eventAgeSeconds() const { return maximumEventAgeSeconds.value_or(21600); }
};

// Where a function comes from. serverless.yml functions are owned by that file (edit it and
// nimbus reloads); functions created through the Lambda API are owned by the API.
enum class FunctionOrigin { Project, Api };

struct FunctionSpec {
  std::string name;       // Deployed name, "{service}-{stage}-{function}".
  std::string shortName;  // The key under `functions:`; prefixes console log lines.
  std::string version = "$LATEST";
  std::string handler;  // "handler.handler"
  std::string runtime;  // "nodejs20.x", "python3.12", "provided.al2023"
  int memorySizeMb = 1024;
  int timeoutSeconds = 6;
  std::vector<std::pair<std::string, std::string>> environment;  // User-configured variables.
  std::filesystem::path codeDirectory;                           // LAMBDA_TASK_ROOT
  // Set when the project's build could not build this function's code: invocations fail at once
  // with this text (the build tool's own message) instead of a bare Runtime.ImportModuleError.
  std::string buildError;
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  std::string description;
  std::chrono::system_clock::time_point lastModified{};  // When this spec was deployed.
  FunctionOrigin origin = FunctionOrigin::Project;
  std::string role;        // Execution role ARN, as given; nimbus does not assume it.
  std::string codeSha256;  // Base64 SHA-256 of the deployment package.
  int64_t codeSize = 0;    // Bytes of the deployment package.
  std::string revisionId;  // Changes with every update (RevisionId preconditions).
  std::string architecture = "x86_64";
  std::string deadLetterTargetArn;  // DeadLetterConfig (serverless.yml `onError`).
  std::optional<EventInvokeConfig> eventInvokeConfig;
  // Bumped when the code on disk changes, so that warm environments of older code retire.
  uint64_t codeRevision = 0;
  // For a published version: the RevisionId $LATEST had when it was published. PublishVersion
  // of an unchanged $LATEST answers with that version instead of making another.
  std::string sourceRevisionId;
  // Reserved concurrency (PutFunctionConcurrency, serverless.yml `reservedConcurrency`): the
  // function's own share of the account's limit, and its ceiling; 0 throttles every
  // invocation. A setting of the function, not of a version: $LATEST's is the one in force,
  // and it changes no RevisionId and retires no environment.
  std::optional<int> reservedConcurrency;

  std::string arn() const { return functionArn(region, accountId, name); }
  // The ARN with this spec's version: "...:function:name:3" (or ":$LATEST").
  std::string versionArn() const { return arn() + ":" + version; }
  // Where the Lambda core keeps this version's environments: "name" for $LATEST, "name:3".
  std::string poolKey() const { return version == "$LATEST" ? name : name + ":" + version; }
  static std::string functionArn(const std::string& region, const std::string& accountId,
                                 const std::string& name) {
    return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + name;
  }
  // Async settings in force: the EventInvokeConfig, or Lambda's defaults.
  EventInvokeConfig asyncConfig() const { return eventInvokeConfig.value_or(EventInvokeConfig{}); }
  std::string logGroup() const { return "/aws/lambda/" + name; }
  // Identity of what an execution environment runs (code and runtime configuration):
  // environments of a different one are never reused for this spec (hot reload and updates
  // retire them). Settings outside the environment, such as async destinations, do not count.
  bool sameDeployment(const FunctionSpec& other) const;
};

// An alias: a name for one published version (or $LATEST), optionally sending a share of the
// invocations to a second version (RoutingConfig.AdditionalVersionWeights), as canary and
// blue/green deployments do.
struct FunctionAlias {
  std::string functionName;
  std::string name;
  std::string functionVersion;  // "$LATEST" or "3".
  std::string description;
  std::string additionalVersion;  // Empty when all invocations go to functionVersion.
  double additionalWeight = 0;    // 0..1: the share of invocations additionalVersion gets.
  std::string revisionId;         // Changes with every update (RevisionId preconditions).

  // The version one invocation runs, given `u` drawn uniformly from [0, 1).
  const std::string& route(double u) const {
    return !additionalVersion.empty() && u < additionalWeight ? additionalVersion : functionVersion;
  }
  bool references(const std::string& version) const {
    return functionVersion == version || additionalVersion == version;
  }
};

// True for a published version's qualifier: digits only ("3"), not "$LATEST" nor an alias.
bool isVersionNumber(std::string_view qualifier);

// A function named as Lambda's APIs accept it: a name, a full ARN or a partial ARN
// ("000000000000:function:name"), each with an optional ":qualifier".
struct FunctionReference {
  std::string name;
  std::string qualifier;  // Empty when none was given.
};
FunctionReference parseFunctionReference(const std::string& raw);

}  // namespace nimbus::lambda
