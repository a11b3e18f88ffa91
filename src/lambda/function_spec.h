// What the Lambda core needs to know to run one function version. Built from serverless.yml by
// the server (and later from the Lambda API); the core never reads configuration files itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::lambda {

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
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
  std::string description;
  std::chrono::system_clock::time_point lastModified{};  // When this spec was deployed.
  // Lambda's EventInvokeConfig for asynchronous invocations.
  int maximumRetryAttempts = 2;
  int maximumEventAgeSeconds = 21600;
  std::string onSuccessFunction;  // Deployed name of the onSuccess destination, if any.
  std::string onFailureFunction;  // Deployed name of the onFailure destination, if any.
  // Bumped when the code on disk changes, so that warm environments of older code retire.
  uint64_t codeRevision = 0;

  std::string arn() const {
    return "arn:aws:lambda:" + region + ":" + accountId + ":function:" + name;
  }
  std::string logGroup() const { return "/aws/lambda/" + name; }
  // Identity of the code and configuration: environments of a different fingerprint are never
  // reused for this spec (hot reload retires them).
  bool sameDeployment(const FunctionSpec& other) const;
};

}  // namespace nimbus::lambda
