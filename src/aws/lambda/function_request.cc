#include "aws/lambda/function_request.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "config/runtimes.h"
#include "core/base64.h"
#include "lambda/function_spec.h"

namespace nimbus::aws {

namespace {

using Json = nlohmann::json;

ApiError invalidParameter(std::string message) {
  return {400, "InvalidParameterValueException", std::move(message)};
}

std::optional<ApiError> readEnvironment(const Json& body, FunctionSettings& out) {
  auto it = body.find("Environment");
  if (it == body.end() || it->is_null()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> variables;
  Json object = Json::object();
  if (it->is_object()) {
    if (auto v = it->find("Variables"); v != it->end() && v->is_object()) object = *v;
  }
  static const std::regex kKey("[a-zA-Z]([a-zA-Z0-9_])+");
  std::vector<std::string> reservedUsed;
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string()) {
      return ApiError{400, "InvalidRequestContentException",
                      fmt::format("Could not parse request body into json: the value of "
                                  "environment variable '{}' must be a string",
                                  key)};
    }
    if (!std::regex_match(key, kKey)) {
      return validationError(
          "", "environment.variables",
          "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
          "[a-zA-Z]([a-zA-Z0-9_])+]");
    }
    if (config::isReservedEnvironmentName(key)) reservedUsed.push_back(key);
    variables.emplace_back(key, value.get<std::string>());
  }
  if (!reservedUsed.empty()) {
    return invalidParameter(fmt::format(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported "
        "for modification. Reserved keys used in this request: {}",
        fmt::join(reservedUsed, ", ")));
  }
  // Lambda measures the variables as the JSON object it stores.
  std::string measured = object.dump();
  if (measured.size() > 4096) {
    return invalidParameter(fmt::format(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit. String measured: {}",
        measured));
  }
  out.environment = std::move(variables);
  return std::nullopt;
}

std::optional<ApiError> readZip(const Json& value, const char* member, std::string& zip) {
  if (!value.is_string()) {
    return ApiError{400, "InvalidRequestContentException",
                    fmt::format("Could not parse request body into json: '{}' must be base64 "
                                "text",
                                member)};
  }
  auto decoded = base64Decode(value.get<std::string>());
  if (!decoded) {
    return ApiError{400, "InvalidRequestContentException",
                    fmt::format("Could not parse request body into json: '{}' is not valid "
                                "base64",
                                member)};
  }
  zip = std::move(*decoded);
  return std::nullopt;
}

// Where code may come from other than ZipFile; each gets a clear refusal.
std::optional<ApiError> refuseOtherCodeSources(const Json& code) {
  if (code.contains("S3Bucket") || code.contains("S3Key")) {
    return invalidParameter(
        "nimbus does not read code from S3 yet: upload the deployment package as ZipFile");
  }
  if (code.contains("ImageUri")) {
    return invalidParameter("nimbus runs .zip deployment packages only, not container images");
  }
  return std::nullopt;
}

}  // namespace

ApiError missing(const std::string& member) {
  return {400, "ValidationException",
          fmt::format("1 validation error detected: Value null at '{}' failed to satisfy "
                      "constraint: Member must not be null",
                      member)};
}

std::optional<ApiError> readString(const Json& body, const char* key, const char* member,
                                   std::optional<std::string>& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    return ApiError{400, "InvalidRequestContentException",
                    fmt::format("Could not parse request body into json: '{}' ({}) must be a "
                                "string",
                                key, member)};
  }
  out = it->get<std::string>();
  return std::nullopt;
}

ApiError validationError(const std::string& value, const std::string& member,
                         const std::string& constraint) {
  return {400, "ValidationException",
          fmt::format("1 validation error detected: Value '{}' at '{}' failed to satisfy "
                      "constraint: {}",
                      value, member, constraint)};
}

std::optional<ApiError> readBoundedInt(const Json& body, const char* key, const char* member,
                                       int low, int high, std::optional<int>& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) {
    return ApiError{
        400, "InvalidRequestContentException",
        fmt::format("Could not parse request body into json: '{}' must be an integer", key)};
  }
  int64_t value = it->get<int64_t>();
  if (value < low) {
    return validationError(std::to_string(value), member,
                           fmt::format("Member must have value greater than or equal to {}", low));
  }
  if (value > high) {
    return validationError(std::to_string(value), member,
                           fmt::format("Member must have value less than or equal to {}", high));
  }
  out = static_cast<int>(value);
  return std::nullopt;
}

std::optional<ApiError> parseJsonBody(const std::string& body, Json& out) {
  out = Json::parse(body.empty() ? std::string("{}") : body, nullptr, false);
  if (!out.is_object()) {
    return ApiError{400, "InvalidRequestContentException",
                    "Could not parse request body into json: the body is not a JSON object"};
  }
  return std::nullopt;
}

std::optional<ApiError> readFunctionSettings(const Json& body, FunctionSettings& out) {
  if (auto e = readString(body, "Role", "role", out.role)) return e;
  if (out.role) {
    static const std::regex kRole(
        R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)");
    if (!std::regex_match(*out.role, kRole)) {
      return validationError(*out.role, "role",
                             "Member must satisfy regular expression pattern: "
                             "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    }
  }
  if (auto e = readString(body, "Handler", "handler", out.handler)) return e;
  if (out.handler && out.handler->size() > 128) {
    return validationError(*out.handler, "handler",
                           "Member must have length less than or equal to 128");
  }
  if (auto e = readString(body, "Runtime", "runtime", out.runtime)) return e;
  if (out.runtime) {
    if (auto problem = config::runtimeProblem(*out.runtime)) {
      return invalidParameter(
          fmt::format("The runtime parameter of {} is not supported: {}", *out.runtime, *problem));
    }
  }
  if (auto e = readString(body, "Description", "description", out.description)) return e;
  if (out.description && out.description->size() > 256) {
    return validationError(*out.description, "description",
                           "Member must have length less than or equal to 256");
  }
  if (auto e = readBoundedInt(body, "Timeout", "timeout", 1, 900, out.timeoutSeconds)) return e;
  if (auto e = readBoundedInt(body, "MemorySize", "memorySize", 128, 10240, out.memorySizeMb))
    return e;
  if (auto e = readEnvironment(body, out)) return e;
  if (auto it = body.find("DeadLetterConfig"); it != body.end() && it->is_object()) {
    std::optional<std::string> target;
    if (auto e = readString(*it, "TargetArn", "deadLetterConfig.targetArn", target)) return e;
    std::string arn = target.value_or("");
    // Lambda's dead-letter targets are SQS queues and SNS topics; an empty ARN removes it.
    if (!arn.empty() && arn.rfind("arn:aws:sqs:", 0) != 0 && arn.rfind("arn:aws:sns:", 0) != 0) {
      return invalidParameter(fmt::format(
          "The provided target arn {} is invalid: a dead-letter target must be an SQS queue or "
          "an SNS topic",
          arn));
    }
    out.deadLetterTargetArn = arn;
  }
  if (auto it = body.find("Architectures"); it != body.end() && !it->is_null()) {
    if (!it->is_array() || it->size() != 1 || !(*it)[0].is_string() ||
        ((*it)[0] != "x86_64" && (*it)[0] != "arm64")) {
      return validationError(it->dump(), "architectures",
                             "Member must have length less than or equal to 1 and each member "
                             "must satisfy enum value set: [x86_64, arm64]");
    }
    out.architecture = (*it)[0].get<std::string>();
  }
  if (auto it = body.find("Layers"); it != body.end() && it->is_array() && !it->empty()) {
    return invalidParameter(
        "nimbus does not fetch Lambda layers: package the layer's files with the function");
  }
  if (auto it = body.find("PackageType"); it != body.end() && *it == "Image") {
    return invalidParameter("nimbus runs .zip deployment packages only, not container images");
  }
  if (auto e = readString(body, "RevisionId", "revisionId", out.revisionId)) return e;
  return std::nullopt;
}

std::optional<ApiError> readCreateFunction(const Json& body, std::string& name, std::string& zip) {
  std::optional<std::string> rawName;
  if (auto e = readString(body, "FunctionName", "functionName", rawName)) return e;
  if (!rawName) return missing("functionName");
  name = lambda::parseFunctionReference(*rawName).name;
  static const std::regex kName("[a-zA-Z0-9-_]{1,64}");
  if (!std::regex_match(name, kName)) {
    return validationError(*rawName, "functionName",
                           "Member must satisfy regular expression pattern: "
                           "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{"
                           "12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
  }
  if (!body.contains("Role")) return missing("role");
  auto code = body.find("Code");
  if (code == body.end() || !code->is_object()) return missing("code");
  if (auto e = refuseOtherCodeSources(*code)) return e;
  auto zipFile = code->find("ZipFile");
  if (zipFile == code->end()) {
    return invalidParameter("Please provide a source for function code.");
  }
  if (auto e = readZip(*zipFile, "Code.ZipFile", zip)) return e;
  // A zip function needs both to start.
  if (!body.contains("Runtime")) {
    return invalidParameter(
        "Runtime and Handler are mandatory parameters for functions "
        "created with deployment packages.");
  }
  if (!body.contains("Handler")) {
    return invalidParameter(
        "Runtime and Handler are mandatory parameters for functions "
        "created with deployment packages.");
  }
  return std::nullopt;
}

std::optional<ApiError> readUpdateFunctionCode(const Json& body, std::string& zip,
                                               std::string& revisionId) {
  if (auto e = refuseOtherCodeSources(body)) return e;
  auto zipFile = body.find("ZipFile");
  if (zipFile == body.end()) {
    return invalidParameter("Please provide a source for function code.");
  }
  if (auto e = readZip(*zipFile, "ZipFile", zip)) return e;
  std::optional<std::string> revision;
  if (auto e = readString(body, "RevisionId", "revisionId", revision)) return e;
  revisionId = revision.value_or("");
  return std::nullopt;
}

}  // namespace nimbus::aws
