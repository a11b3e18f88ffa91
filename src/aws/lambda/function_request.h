// The bodies of CreateFunction and UpdateFunctionConfiguration, parsed and checked as Lambda
// checks them: the service model's constraints answer ValidationException ("1 validation error
// detected: ..."), Lambda's own rules InvalidParameterValueException.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nimbus::aws {

// An AWS error answer: status, x-amzn-ErrorType and message.
struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
};

// Function settings a request may carry; unset members leave the function as it is.
struct FunctionSettings {
  std::optional<std::string> role;
  std::optional<std::string> handler;
  std::optional<std::string> runtime;
  std::optional<std::string> description;
  std::optional<int> timeoutSeconds;
  std::optional<int> memorySizeMb;
  std::optional<std::vector<std::pair<std::string, std::string>>> environment;
  std::optional<std::string> deadLetterTargetArn;  // Empty string clears it.
  std::optional<std::string> architecture;
  std::optional<std::string> revisionId;  // Precondition for updates.
};

// Parses a JSON request body; InvalidRequestContentException when it is not a JSON object.
std::optional<ApiError> parseJsonBody(const std::string& body, nlohmann::json& out);

// Reads and checks the settings CreateFunction and UpdateFunctionConfiguration share.
std::optional<ApiError> readFunctionSettings(const nlohmann::json& body, FunctionSettings& out);

// CreateFunction's own members: FunctionName and the zip in Code.ZipFile (decoded).
std::optional<ApiError> readCreateFunction(const nlohmann::json& body, std::string& name,
                                           std::string& zip);

// UpdateFunctionCode's members: the zip in ZipFile (decoded) and an optional RevisionId.
std::optional<ApiError> readUpdateFunctionCode(const nlohmann::json& body, std::string& zip,
                                               std::string& revisionId);

// An integer member in [low, high] when present: ValidationException outside the range,
// InvalidRequestContentException when it is not an integer. `member` is the model's name.
std::optional<ApiError> readBoundedInt(const nlohmann::json& body, const char* key,
                                       const char* member, int low, int high,
                                       std::optional<int>& out);

// A string member, when present; InvalidRequestContentException when it is of another type.
// `member` is the model's name.
std::optional<ApiError> readString(const nlohmann::json& body, const char* key, const char* member,
                                   std::optional<std::string>& out);

// The service model's answer to a required member left out.
ApiError missing(const std::string& member);

// "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint:
// {constraint}" — the service model's check, as every AWS JSON service words it.
ApiError validationError(const std::string& value, const std::string& member,
                         const std::string& constraint);

}  // namespace nimbus::aws
