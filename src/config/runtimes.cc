#include "config/runtimes.h"

#include <fmt/format.h>

#include <set>

#include "config/project.h"

namespace nimbus::config {

namespace {

// Every identifier AWS Lambda has had for these languages, deprecated ones included: a project
// pinned to an old runtime still runs locally, on whatever node/python is installed.
constexpr std::string_view kSupported[] = {
    "nodejs",       "nodejs4.3",      "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
    "nodejs12.x",   "nodejs14.x",     "nodejs16.x",     "nodejs18.x", "nodejs20.x", "nodejs22.x",
    "nodejs24.x",   "python2.7",      "python3.6",      "python3.7",  "python3.8",  "python3.9",
    "python3.10",   "python3.11",     "python3.12",     "python3.13", "python3.14", "provided",
    "provided.al2", "provided.al2023"};

// Lambda runtimes for languages nimbus does not run (yet).
constexpr std::string_view kKnownUnsupported[] = {
    "java8",         "java8.al2",     "java11",        "java17",        "java21",  "java25",
    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet7",
    "dotnet8",       "dotnet9",       "dotnet10",      "go1.x",         "ruby2.5", "ruby2.7",
    "ruby3.2",       "ruby3.3",       "ruby3.4",       "ruby3.5"};

}  // namespace

bool isSupportedRuntime(std::string_view runtime) {
  if (runtime.empty()) return false;
  for (auto name : kSupported) {
    if (name == runtime) return true;
  }
  return false;
}

bool isProvidedRuntime(std::string_view runtime) {
  return runtime == "provided" || runtime == "provided.al2" || runtime == "provided.al2023";
}

// Lambda sets these itself and rejects a function configuration that names them.
bool isReservedEnvironmentName(std::string_view name) {
  static const std::set<std::string_view> names = {
      "_HANDLER",
      "_X_AMZN_TRACE_ID",
      "AWS_DEFAULT_REGION",
      "AWS_REGION",
      "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME",
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
      "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE",
      "AWS_LAMBDA_LOG_GROUP_NAME",
      "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API",
      "LAMBDA_TASK_ROOT",
      "LAMBDA_RUNTIME_DIR",
      "TZ",
  };
  return names.contains(name);
}

std::optional<std::string> runtimeProblem(std::string_view runtime) {
  if (isSupportedRuntime(runtime)) return std::nullopt;
  for (auto name : kKnownUnsupported) {
    if (name == runtime) {
      return fmt::format(
          "runtime '{}' is not supported by nimbus (it runs Node.js, Python and "
          "provided.* runtimes)",
          runtime);
    }
  }
  return fmt::format(
      "unknown runtime '{}' (expected a Lambda runtime such as nodejs20.x, "
      "python3.12 or provided.al2023)",
      runtime);
}

}  // namespace nimbus::config
